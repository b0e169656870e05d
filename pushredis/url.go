package pushredis

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// NewClient connects to Redis as a URL says, the way bpush's --redis and
// BAIDU_PUSH_REDIS_URL do:
//
//	redis://[user:password@]host:6379/0          one node (rediss:// for TLS, unix:///path.sock)
//	redis://host1:6379?addr=host2:6379&cluster=1  Redis Cluster: its nodes
//	redis://sentinel1:26379?addr=sentinel2:26379&master_name=mymaster   Sentinel
//
// Other query parameters are go-redis's options (dial_timeout=3s, …; see
// redis.ParseURL, ParseClusterURL and ParseFailoverURL). Errors never show
// the password.
func NewClient(rawURL string) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL, password and all
		}
		return nil, fmt.Errorf("pushredis: Redis URL %s: %v", RedactURL(rawURL), err)
	}
	q := u.Query()
	cluster := q.Has("cluster")
	q.Del("cluster")
	u.RawQuery = q.Encode()
	switch {
	case q.Has("master_name"):
		o, err := redis.ParseFailoverURL(u.String())
		if err != nil {
			return nil, urlError(rawURL, err)
		}
		return redis.NewFailoverClient(o), nil
	case cluster:
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, urlError(rawURL, err)
		}
		return redis.NewClusterClient(o), nil
	}
	o, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, urlError(rawURL, err)
	}
	return redis.NewClient(o), nil
}

func urlError(rawURL string, err error) error {
	msg := err.Error()
	if u, perr := url.Parse(rawURL); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "***")
		}
	}
	return fmt.Errorf("pushredis: Redis URL %s: %s", RedactURL(rawURL), msg)
}

// RedactURL returns a Redis URL with its password masked, for messages.
func RedactURL(rawURL string) string {
	i := strings.Index(rawURL, "://")
	if i < 0 {
		return rawURL
	}
	rest := rawURL[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return rawURL
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return rawURL
	}
	return rawURL[:i+3] + user + ":***@" + rest[at+1:]
}
