package pushsdk_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeConf(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sdk.conf")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func clearEnv(t *testing.T) {
	for _, k := range []string{"BAIDU_PUSH_HOST", "BAIDU_PUSH_API_KEY", "BAIDU_PUSH_SECRET_KEY", "BAIDU_PUSH_DEVICE_TYPE"} {
		t.Setenv(k, "")
	}
}

func TestLoadConfigPythonLayout(t *testing.T) {
	clearEnv(t)
	p := writeConf(t, `# the Python SDK's sdk.conf
[SDK]
host = api.tuisong.baidu.com
apiKey = tf9G7QicWAh2aEGFlrI1Ohyb
secretKey = qQ1h43yGQYG6H6mYgSPizDuCmtbMj6Ld
deviceType = 3

[curl]
timeout = 20
connecttimeout = 2.5
`)
	cfg, err := pushsdk.LoadConfig(p)
	require.NoError(t, err)
	assert.Equal(t, &pushsdk.Config{
		Host: "api.tuisong.baidu.com", APIKey: "tf9G7QicWAh2aEGFlrI1Ohyb", SecretKey: "qQ1h43yGQYG6H6mYgSPizDuCmtbMj6Ld",
		DeviceType: pushsdk.DeviceAndroid, Timeout: 20 * time.Second, ConnectTimeout: 2500 * time.Millisecond,
	}, cfg)
	c, err := pushsdk.NewChannelFromConfig(cfg)
	require.NoError(t, err)
	assert.Equal(t, "https://api.tuisong.baidu.com", pushsdk.BaseURLForTest(c))
	assert.Contains(t, c.String(), "device_type: android")

	// The Config never prints its secret.
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s %q", cfg, cfg, cfg, cfg, cfg)} {
		assert.NotContains(t, s, "qQ1h43yGQYG6H6mYgSPizDuCmtbMj6Ld")
	}
}

func TestLoadConfigCaseInsensitiveAndEmptyValues(t *testing.T) {
	clearEnv(t)
	p := writeConf(t, "[sdk]\nHOST=http://127.0.0.1:8088\nApiKey: k1\nSECRETKEY = s1\ndevicetype =\n[CURL]\nTimeout=\n")
	cfg, err := pushsdk.LoadConfig(p)
	require.NoError(t, err)
	assert.Equal(t, &pushsdk.Config{Host: "http://127.0.0.1:8088", APIKey: "k1", SecretKey: "s1"}, cfg)
}

func TestLoadConfigErrorsNameFileLineAndKey(t *testing.T) {
	clearEnv(t)
	cases := map[string]struct {
		body string
		want string
	}{
		"unknown key":     {"[SDK]\napiKey = k\n\nsecretkye = s\n", "sdk.conf:4: [sdk] unknown key secretkye"},
		"bad device type": {"[SDK]\napiKey = k\ndeviceType = 5\n", `sdk.conf:3: [sdk] devicetype: neither 3 (android) nor 4 (ios) (value not shown)`},
		"bad timeout":     {"[SDK]\n[curl]\ntimeout = soon\n", `sdk.conf:3: [curl] timeout: not a number of seconds in (0, 86400]`},
		"zero timeout":    {"[curl]\nconnecttimeout = 0\n", `sdk.conf:2: [curl] connecttimeout: not a number of seconds in (0, 86400]`},
		"no equals sign":  {"[SDK]\napiKey = k\nsecretKey S3\n", `sdk.conf:3: [sdk] secretkey: no = between the key and its value`},
		"bare line":       {"[SDK]\nsomething\n", `sdk.conf:2: not a key = value line`},
		"unclosed quotes": {"[SDK]\nsecretKey = \"\"\"abc\n\n", `sdk.conf:2: [sdk] secretkey: a value opened with """ is never closed`},
		"bad header":      {"[SDK\napiKey = k\n", `sdk.conf:1: a section header without its closing ]`},
		"bad host":        {"[SDK]\nhost = ftp://x\n", "sdk.conf:2: [sdk] host: "},
		"unknown section": {"[SDK]\napiKey=k\n[proxy]\nurl = x\n", "sdk.conf:3: unknown section [proxy]"},
		"key outside":     {"apiKey = k\n[SDK]\n", "sdk.conf:1: key apikey outside any section"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := pushsdk.LoadConfig(writeConf(t, tc.body))
			require.Error(t, err)
			assert.Equal(t, pushsdk.CodeSDKInit, pushsdk.ErrorCode(err))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := pushsdk.LoadConfig(filepath.Join(t.TempDir(), "missing.conf"))
	assert.Equal(t, pushsdk.CodeSDKInit, pushsdk.ErrorCode(err))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "missing.conf")
}

func TestLoadConfigEnvironmentOverrides(t *testing.T) {
	clearEnv(t)
	p := writeConf(t, "[SDK]\nhost = api.push.baidu.com\napiKey = filekey\nsecretKey = filesecret\ndeviceType = 3\n")
	t.Setenv("BAIDU_PUSH_API_KEY", "envkey")
	t.Setenv("BAIDU_PUSH_DEVICE_TYPE", "4")
	cfg, err := pushsdk.LoadConfig(p)
	require.NoError(t, err)
	assert.Equal(t, "envkey", cfg.APIKey)
	assert.Equal(t, "filesecret", cfg.SecretKey)
	assert.Equal(t, pushsdk.DeviceIOS, cfg.DeviceType)

	t.Setenv("BAIDU_PUSH_HOST", "http://127.0.0.1:1")
	t.Setenv("BAIDU_PUSH_SECRET_KEY", "envsecret")
	cfg, err = pushsdk.LoadConfig("")
	require.NoError(t, err)
	assert.Equal(t, &pushsdk.Config{Host: "http://127.0.0.1:1", APIKey: "envkey", SecretKey: "envsecret", DeviceType: pushsdk.DeviceIOS}, cfg)

	t.Setenv("BAIDU_PUSH_DEVICE_TYPE", "7")
	_, err = pushsdk.LoadConfig("")
	assert.ErrorContains(t, err, "environment BAIDU_PUSH_DEVICE_TYPE")
	t.Setenv("BAIDU_PUSH_DEVICE_TYPE", "")
	t.Setenv("BAIDU_PUSH_HOST", "gopher://x")
	_, err = pushsdk.LoadConfig("")
	assert.ErrorContains(t, err, "environment BAIDU_PUSH_HOST")
}

func TestNewChannelFromConfig(t *testing.T) {
	t.Parallel()
	_, err := pushsdk.NewChannelFromConfig(nil)
	assert.Equal(t, pushsdk.CodeSDKInit, pushsdk.ErrorCode(err))
	_, err = pushsdk.NewChannelFromConfig(&pushsdk.Config{APIKey: "k"})
	assert.ErrorContains(t, err, "empty secret key")

	f := newFakeService(t, nil)
	c, err := pushsdk.NewChannelFromConfig(&pushsdk.Config{Host: f.URL + prefix, APIKey: testKey, SecretKey: testSecret, DeviceType: pushsdk.DeviceIOS},
		pushsdk.WithDeviceType(pushsdk.DeviceAndroid))
	require.NoError(t, err)
	_, err = c.CancelTimer(ctx(t), "1")
	require.NoError(t, err)
	assert.Equal(t, "3", f.only().Form.Get("device_type"), "options win over the Config")
}

func TestSDKConfExampleLoads(t *testing.T) {
	clearEnv(t)
	cfg, err := pushsdk.LoadConfig("sdk.conf.example")
	require.NoError(t, err)
	assert.Equal(t, &pushsdk.Config{Host: "api.push.baidu.com", Timeout: 30 * time.Second, ConnectTimeout: 5 * time.Second}, cfg)
}

// pieces returns secret and every 8-byte piece of it: a leak of any part of
// the secret is a leak.
func pieces(secret string) []string {
	out := []string{secret}
	for i := 0; i+8 <= len(secret); i++ {
		out = append(out, secret[i:i+8])
	}
	return out
}

func assertNoSecret(t *testing.T, secret string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		for _, p := range pieces(secret) {
			if strings.Contains(text, p) {
				t.Errorf("%q of the secret leaked in %q", p, text)
				break
			}
		}
	}
}

// TestConfigErrorsNeverEchoValues writes the secret where it does not
// belong in every way a config can be wrong; no error shows any of it, and
// every error still names the file, the line and (when there is one) the
// key.
func TestConfigErrorsNeverEchoValues(t *testing.T) {
	clearEnv(t)
	const secret = "S3crEtK3yPastedInTheWrongPlace00"
	cases := map[string]struct{ body, want string }{
		"no equals":         {"[SDK]\napiKey = k\nsecretKey " + secret + "\n", "sdk.conf:3: [sdk] secretkey"},
		"colon-less tab":    {"[SDK]\nsecretKey\t" + secret + "\n", "sdk.conf:2: [sdk] secretkey"},
		"bare secret":       {"[SDK]\n" + secret + "\n", "sdk.conf:2:"},
		"unclosed triple":   {"[SDK]\nsecretKey = \"\"\"" + secret + "\napiKey = k\n", "sdk.conf:2: [sdk] secretkey"},
		"secret as host":    {"[SDK]\nhost = " + secret + "/x?y\n", "sdk.conf:2: [sdk] host"},
		"secret as type":    {"[SDK]\ndeviceType = " + secret + "\n", "sdk.conf:2: [sdk] devicetype"},
		"secret as timeout": {"[curl]\ntimeout = " + secret + "\n", "sdk.conf:2: [curl] timeout"},
		"secret as key":     {"[SDK]\n" + secret + " = x\n", "sdk.conf:2: [sdk] unknown key"},
		"secret in header":  {"[" + secret + "\n", "sdk.conf:1:"},
		"secret as section": {"[" + secret + "]\nx = y\n", "sdk.conf:1: unknown section"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := pushsdk.LoadConfig(writeConf(t, tc.body))
			require.Error(t, err)
			assert.Equal(t, pushsdk.CodeSDKInit, pushsdk.ErrorCode(err))
			assert.Contains(t, err.Error(), tc.want)
			assertNoSecret(t, secret, err.Error(), fmt.Sprintf("%+v", err))
		})
	}
	t.Run("environment", func(t *testing.T) {
		t.Setenv("BAIDU_PUSH_HOST", "ftp://"+secret)
		_, err := pushsdk.LoadConfig("")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "BAIDU_PUSH_HOST")
		assertNoSecret(t, secret, err.Error())
		t.Setenv("BAIDU_PUSH_HOST", "")
		t.Setenv("BAIDU_PUSH_DEVICE_TYPE", secret)
		_, err = pushsdk.LoadConfig("")
		require.Error(t, err)
		assertNoSecret(t, secret, err.Error())
	})
}

// TestConfigMasksTheSecretEverywhere prints, marshals and logs a Config in
// every way a program might, by value and by pointer, alone and inside a
// struct: the secret never shows.
func TestConfigMasksTheSecretEverywhere(t *testing.T) {
	const secret = "AnotherS3cretThatMustNotShow0001"
	cfg := pushsdk.Config{Host: "api.push.baidu.com", APIKey: "TheApiKeyIsNotSecret0001", SecretKey: secret, DeviceType: pushsdk.DeviceIOS, Timeout: time.Second}
	type holder struct {
		Name string
		Cfg  pushsdk.Config
		Ptr  *pushsdk.Config
	}
	h := holder{Name: "push", Cfg: cfg, Ptr: &cfg}
	var texts []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T %v"} {
		texts = append(texts, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h), fmt.Sprintf(verb, []pushsdk.Config{cfg}))
	}
	texts = append(texts, fmt.Sprint(cfg), fmt.Sprintln(&cfg))
	for _, v := range []any{cfg, &cfg, h, map[string]pushsdk.Config{"a": cfg}} {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		texts = append(texts, string(b))
	}
	var buf bytes.Buffer
	for _, l := range []*slog.Logger{slog.New(slog.NewJSONHandler(&buf, nil)), slog.New(slog.NewTextHandler(&buf, nil))} {
		l.Info("config", "cfg", cfg, "ptr", &cfg, "holder", h)
		l.Info("config", slog.Any("cfg", cfg))
	}
	texts = append(texts, buf.String())
	assertNoSecret(t, secret, texts...)
	for _, text := range texts[:3] {
		assert.Contains(t, text, "***", "the secret is masked, not dropped silently")
	}
	assert.Contains(t, buf.String(), "api.push.baidu.com", "the rest is shown")
}

// TestHostCredentialsMasked: a user and password in a host URL — given to
// WithHost, in a Config, in sdk.conf or BAIDU_PUSH_HOST — never show in an
// error, a Config printed any way, or its JSON.
func TestHostCredentialsMasked(t *testing.T) {
	const user, pass = "proxyuser", "Pr0xyPassw0rd"
	hosts := []string{
		"http://" + user + ":" + pass + "@127.0.0.1:8088",
		"https://" + user + ":" + pass + "@api.push.baidu.com/prefix",
		user + ":" + pass + "@api.push.baidu.com",
		"http://" + user + ":" + pass + "@bad host:99999", // also unparsable
		"http://" + user + "@127.0.0.1:8088",
	}
	var texts []string
	for _, h := range hosts {
		_, err := pushsdk.NewChannel("k", "s", pushsdk.WithHost(h))
		require.Error(t, err, h)
		assert.Equal(t, pushsdk.CodeSDKInit, pushsdk.ErrorCode(err))
		assert.Contains(t, err.Error(), "***@", "the host is shown, its credentials masked")
		texts = append(texts, err.Error())

		cfg := pushsdk.Config{Host: h, APIKey: "k", SecretKey: "s"}
		_, err = pushsdk.NewChannelFromConfig(&cfg)
		require.Error(t, err)
		b, jerr := json.Marshal(cfg)
		require.NoError(t, jerr)
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "cfg", cfg)
		texts = append(texts, err.Error(), fmt.Sprintf("%v %+v %#v %q", cfg, &cfg, cfg, cfg), string(b), buf.String())

		conf := filepath.Join(t.TempDir(), "sdk.conf")
		require.NoError(t, os.WriteFile(conf, []byte("[SDK]\nhost = "+h+"\napiKey = k\nsecretKey = s\n"), 0o600))
		_, err = pushsdk.LoadConfig(conf)
		require.Error(t, err)
		texts = append(texts, err.Error())
	}
	for _, text := range texts {
		assert.NotContains(t, text, pass)
		assert.NotContains(t, text, user)
	}
}
