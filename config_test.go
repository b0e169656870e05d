package pushsdk_test

import (
	"fmt"
	"os"
	"path/filepath"
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
	for _, k := range []string{pushsdk.EnvHost, pushsdk.EnvAPIKey, pushsdk.EnvSecretKey, pushsdk.EnvDeviceType} {
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
	assert.Equal(t, "https://api.tuisong.baidu.com", c.BaseURL())
	assert.Equal(t, pushsdk.DeviceAndroid, c.DeviceType())

	// The Config never prints its secret.
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg)} {
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
		"bad device type": {"[SDK]\napiKey = k\ndeviceType = 5\n", `sdk.conf:3: [sdk] devicetype: "5" is neither 3 (Android) nor 4 (iOS)`},
		"bad timeout":     {"[SDK]\n[curl]\ntimeout = soon\n", `sdk.conf:3: [curl] timeout: "soon" is not a number of seconds`},
		"zero timeout":    {"[curl]\nconnecttimeout = 0\n", `sdk.conf:2: [curl] connecttimeout: "0" seconds is outside`},
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
	t.Setenv(pushsdk.EnvAPIKey, "envkey")
	t.Setenv(pushsdk.EnvDeviceType, "4")
	cfg, err := pushsdk.LoadConfig(p)
	require.NoError(t, err)
	assert.Equal(t, "envkey", cfg.APIKey)
	assert.Equal(t, "filesecret", cfg.SecretKey)
	assert.Equal(t, pushsdk.DeviceIOS, cfg.DeviceType)

	t.Setenv(pushsdk.EnvHost, "http://127.0.0.1:1")
	t.Setenv(pushsdk.EnvSecretKey, "envsecret")
	cfg, err = pushsdk.LoadConfig("")
	require.NoError(t, err)
	assert.Equal(t, &pushsdk.Config{Host: "http://127.0.0.1:1", APIKey: "envkey", SecretKey: "envsecret", DeviceType: pushsdk.DeviceIOS}, cfg)

	t.Setenv(pushsdk.EnvDeviceType, "7")
	_, err = pushsdk.LoadConfig("")
	assert.ErrorContains(t, err, "environment BAIDU_PUSH_DEVICE_TYPE")
	t.Setenv(pushsdk.EnvDeviceType, "")
	t.Setenv(pushsdk.EnvHost, "gopher://x")
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
