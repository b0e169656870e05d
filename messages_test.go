package pushsdk_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The texts below are what a user reads when something is wrong: each
// names the likeliest cause and the fix. They are pinned word for word.

func TestMessageUnknownConfigKey(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"[SDK]\napiKy = k\n", "sdk.conf:2: [sdk] unknown key apiky: did you mean apiKey? ([Sdk] takes host, apiKey, secretKey, deviceType)"},
		{"[SDK]\napi_key = k\n", "sdk.conf:2: [sdk] unknown key api_key: did you mean apiKey? ([Sdk] takes host, apiKey, secretKey, deviceType)"},
		{"[SDK]\nsecret-key = k\n", "[sdk] unknown key secret-key: did you mean secretKey?"},
		{"[SDK]\nsecret___key = k\n", "[sdk] unknown key secret___key: did you mean secretKey?"}, // separators do not count, however many
		{"[SDK]\nappiKy = k\n", "[sdk] unknown key appiky: did you mean apiKey?"},                // two typos: the farthest suggested
		{"[curl]\ntimeot = 3\n", "sdk.conf:2: [curl] unknown key timeot: did you mean timeout? ([Curl] takes timeout, connecttimeout)"},
		{"[SDK]\nproxy = x\n", "sdk.conf:2: [sdk] unknown key proxy ([Sdk] takes host, apiKey, secretKey, deviceType)"},
		{"[SKD]\napiKey = k\n", "sdk.conf:1: unknown section [skd]: did you mean [SDK]? (sdk.conf has [SDK] and [curl])"},
		{"apiKey = k\n", "sdk.conf:1: key apikey outside any section (put it under [SDK] or [curl])"},
	} {
		path := filepath.Join(t.TempDir(), "sdk.conf")
		require.NoError(t, os.WriteFile(path, []byte(tc.file), 0o600))
		_, err := pushsdk.LoadConfig(path)
		require.Error(t, err, tc.file)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestMessageEmptyKeysSayWhereToSetThem(t *testing.T) {
	_, err := pushsdk.NewChannelFromConfig(&pushsdk.Config{APIKey: "k"})
	assert.EqualError(t, err, "pushsdk: SDK initialization error: empty secret key: set the secret key in [SDK] secretKey or in "+
		"BAIDU_PUSH_SECRET_KEY (the push console shows both keys of the app) (code 1)")
	_, err = pushsdk.NewChannelFromConfig(&pushsdk.Config{})
	assert.EqualError(t, err, "pushsdk: SDK initialization error: empty API key and secret key: set the API key in sdk.conf's [SDK] apiKey "+
		"or in BAIDU_PUSH_API_KEY, and the secret key in [SDK] secretKey or in BAIDU_PUSH_SECRET_KEY (the push console shows both keys of the app) (code 1)")
	_, err = pushsdk.NewChannel("k", " ")
	assert.EqualError(t, err, "pushsdk: SDK initialization error: empty secret key (NewChannel takes the app's API key and secret key, "+
		"as the push console shows them) (code 1)")
}

func TestMessageNotificationNotJSON(t *testing.T) {
	f := newFakeService(t, nil)
	c := f.channel(pushsdk.WithDeviceType(pushsdk.DeviceAndroid))
	want := `; a notification must be a JSON object, e.g. {"title":"…","description":"…"} (AndroidNotification and IOSNotification build one)`
	for msg, reason := range map[string]string{
		`{"title":"a","description":"b",}`: "is not valid JSON: invalid character '}' looking for beginning of object key string at byte 32" + want,
		`{"title":"a"`:                     "is not valid JSON: unexpected end of JSON input at byte 12" + want,
		`Sale today`:                       "is plain text, not JSON" + want + " (plain text goes with MsgTypeMessage)",
		`["a"]`:                            "is an array, not an object" + want,
	} {
		_, err := c.PushMsgToAll(context.Background(), msg, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
		var ve *pushsdk.ValidationError
		require.ErrorAs(t, err, &ve, msg)
		assert.Equal(t, []pushsdk.FieldError{{Field: "msg", Reason: reason}}, ve.Problems, msg)
	}
	assert.Empty(t, f.requests(), "nothing was sent")
}

func TestMessageTooManyIDsPointsToFanout(t *testing.T) {
	f := newFakeService(t, nil)
	c := f.channel()
	ids := make([]string, pushsdk.MaxBatchDevices+1)
	for i := range ids {
		ids[i] = "1"
	}
	_, err := c.PushBatchUniMsg(context.Background(), ids, "m", nil)
	assert.ErrorContains(t, err, "channel_ids: holds 10001 ids; at most 10000 per call: PushToDevices takes any number, in calls of 10000")
	_, err = c.AddDevicesToTag(context.Background(), "vip", ids[:11])
	assert.ErrorContains(t, err, "channel_ids: holds 11 ids; at most 10 per call: TagDevices and UntagDevices take any number, in calls of 10")
	assert.Empty(t, f.requests())
}

// TestMessageWrongSecretKey: a secret key that is not the API key's is
// named as the likeliest cause, with the fingerprints to compare, by the
// emulator and by the SDK.
func TestMessageWrongSecretKey(t *testing.T) {
	srv := pushtest.NewServer()
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	const wrong = "NotTheSecretOfThisApp00000000000"
	require.NoError(t, c.SetCredentials(srv.APIKey, wrong))
	_, err = c.PushMsgToAll(context.Background(), "hi", nil)
	sum := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:4]) }
	var ce *pushsdk.ChannelError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Authentication Failed, signature mismatch: no usual signing mistake explains it, so the secret key most likely does not "+
		"belong to this API key (a typo, or another app's key): compare its md5 fingerprint, which bpush sign --explain prints, with this app's: md5 "+
		sum(srv.SecretKey)+"; pushsdk signs correctly, so check that the secret key (secret key: 32 bytes, md5 "+sum(wrong)+") is the one of API key "+
		srv.APIKey[:4]+"…"+srv.APIKey[len(srv.APIKey)-4:]+": another app's key or a typo is the usual cause", ce.Msg)
	assert.False(t, strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), srv.SecretKey), "no secret shows")
}
