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
		return nil, urlError(rawURL, err)
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
	return fmt.Errorf("pushredis: Redis URL %s: %s", RedactURL(rawURL), maskPassword(rawURL, err.Error()))
}

// maskPassword masks the URL's password in msg, as written in the URL and
// decoded.
func maskPassword(rawURL, msg string) string {
	_, pass, _, ok := splitUserinfo(rawURL)
	if !ok || pass == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, pass, "***")
	if p, err := url.PathUnescape(pass); err == nil && p != "" {
		msg = strings.ReplaceAll(msg, p, "***")
	}
	return msg
}

// RedactURL returns a Redis URL with its password masked, for messages:
// in the user information and anywhere else the URL repeats it.
func RedactURL(rawURL string) string {
	head, pass, rest, ok := splitUserinfo(rawURL)
	if !ok {
		return rawURL
	}
	if pass != "" {
		rest = strings.ReplaceAll(rest, pass, "***")
	}
	return head + ":***@" + rest
}

// splitUserinfo cuts "scheme://user:pass@rest" into "scheme://user", pass
// and rest; ok is false when the URL has no password part.
func splitUserinfo(rawURL string) (head, pass, rest string, ok bool) {
	i := strings.Index(rawURL, "://")
	if i < 0 {
		return "", "", "", false
	}
	after := rawURL[i+3:]
	end := strings.IndexAny(after, "/?#")
	if end < 0 {
		end = len(after)
	}
	at := strings.LastIndexByte(after[:end], '@')
	if at < 0 {
		return "", "", "", false
	}
	user, pass, hasPass := strings.Cut(after[:at], ":")
	if !hasPass {
		return "", "", "", false
	}
	return rawURL[:i+3] + user, pass, after[at+1:], true
}
