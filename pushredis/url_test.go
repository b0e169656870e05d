package pushredis_test

import (
	"testing"
	"time"

	"github.com/bdpush/pushsdk/pushredis"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewClientReadsURLs: one node, Cluster and Sentinel URLs make the
// matching client with the URL's options (nothing is dialled here: the
// real servers are in cluster_test.go).
func TestNewClientReadsURLs(t *testing.T) {
	one, err := pushredis.NewClient("redis://:pw@127.0.0.1:6390/2?dial_timeout=3s")
	require.NoError(t, err)
	defer one.Close()
	o := one.(*redis.Client).Options()
	assert.Equal(t, "127.0.0.1:6390", o.Addr)
	assert.Equal(t, 2, o.DB)
	assert.Equal(t, "pw", o.Password)
	assert.Equal(t, 3*time.Second, o.DialTimeout)

	cl, err := pushredis.NewClient("redis://127.0.0.1:7000?cluster=1&addr=127.0.0.1:7001&addr=127.0.0.1:7002")
	require.NoError(t, err)
	defer cl.Close()
	cc, ok := cl.(*redis.ClusterClient)
	require.True(t, ok, "%T", cl)
	assert.Equal(t, []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"}, cc.Options().Addrs)

	// cluster's value does not matter: its presence asks for a cluster.
	cl0, err := pushredis.NewClient("redis://127.0.0.1:7000?cluster=")
	require.NoError(t, err)
	defer cl0.Close()
	assert.IsType(t, &redis.ClusterClient{}, cl0)

	fo, err := pushredis.NewClient("redis://127.0.0.1:26379?master_name=mymaster&addr=127.0.0.1:26380")
	require.NoError(t, err)
	defer fo.Close()
	assert.Equal(t, "FailoverClient", fo.(*redis.Client).Options().Addr, "a client that asks the sentinels")
}

// TestNewClientErrorsHideThePassword: every error names the URL with its
// password masked, and says what is wrong.
func TestNewClientErrorsHideThePassword(t *testing.T) {
	for url, want := range map[string]string{
		"redis://u:s3cretpw@127.0.0.1:6379/abc":           `redis://u:***@127.0.0.1:6379/abc: redis: invalid database number: "abc"`,
		"redis://u:s3cretpw@[::1":                         `redis://u:***@[::1: missing ']' in host`,
		"redis://u:s3cretpw@a:s3cretpw/0":                 `redis://u:***@a:***/0: invalid port ":***" after host`,
		"http://u:s3cretpw@x/":                            "http://u:***@x/: redis: invalid URL scheme: http",
		"redis://u:s3cretpw@a:1?cluster=1&db=2":           "unexpected option: db",
		"redis://u:s3cretpw@a:1?master_name=m&bogus=1":    "unexpected option: bogus",
		"redis://u:s3cretpw@a:1?dial_timeout=s3cretpw":    `invalid dial_timeout duration: time: invalid duration "***"`,
		"redis://:s3cretpw@a:1/0?read_timeout=s3cretpw1s": `invalid duration "***1s"`,
	} {
		_, err := pushredis.NewClient(url)
		require.Error(t, err, url)
		assert.Contains(t, err.Error(), want, url)
		assert.NotContains(t, err.Error(), "s3cretpw", url)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"redis://u:pw@host:6379/0":        "redis://u:***@host:6379/0",
		"redis://:pw@host:6379":           "redis://:***@host:6379",
		"rediss://u:p@ss@host:6379/0?x=1": "rediss://u:***@host:6379/0?x=1",
		"redis://u@host:6379/0":           "redis://u@host:6379/0",
		"redis://host:6379/0?addr=a@b":    "redis://host:6379/0?addr=a@b",
		"redis://host:6379":               "redis://host:6379",
		"host:6379":                       "host:6379",
		"":                                "",
		"redis://u:pw7@host/0?x=pw7":      "redis://u:***@host/0?x=***",
		"://u:pw@host":                    "://u:***@host",
		"redis:///?x=a:b@c":               "redis:///?x=a:b@c", // an @ after the host is not user information
	} {
		assert.Equal(t, want, pushredis.RedactURL(in), in)
	}
}
