package pushsdk_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAndroidNotificationGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		n    pushsdk.AndroidNotification
		want string
	}{
		{"minimal", pushsdk.AndroidNotification{Description: "hello"}, `{"description":"hello"}`},
		{"everything, open a URL", pushsdk.AndroidNotification{
			Title: "新版本 v2.0", Description: "点击查看 <更新> & more", BuilderID: 3, Style: pushsdk.StyleRing | pushsdk.StyleClearable,
			OpenType: pushsdk.OpenURL, URL: "https://example.com/a?b=1&c=2",
			CustomContent: map[string]any{"order": 42, "kind": "promo"},
		}, `{"title":"新版本 v2.0","description":"点击查看 <更新> & more","notification_builder_id":3,"notification_basic_style":5,` +
			`"open_type":1,"url":"https://example.com/a?b=1&c=2","custom_content":{"kind":"promo","order":42}}`},
		{"open an intent", pushsdk.AndroidNotification{Description: "d", OpenType: pushsdk.OpenCustom, PkgContent: "#Intent;component=com.x/.Main;end"},
			`{"description":"d","open_type":2,"pkg_content":"#Intent;component=com.x/.Main;end"}`},
	}
	for _, tc := range cases {
		got, err := tc.n.Msg()
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}
}

func TestAndroidNotificationChecks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n      pushsdk.AndroidNotification
		fields []string
	}{
		{pushsdk.AndroidNotification{Title: "t"}, []string{"description"}},
		{pushsdk.AndroidNotification{Description: "d", OpenType: pushsdk.OpenURL}, []string{"url"}},
		{pushsdk.AndroidNotification{Description: "d", OpenType: pushsdk.OpenCustom}, []string{"pkg_content"}},
		{pushsdk.AndroidNotification{Description: "d", URL: "http://x"}, []string{"url"}},
		{pushsdk.AndroidNotification{Description: "d", OpenType: 9, Style: 8, BuilderID: -1}, []string{"notification_builder_id", "notification_basic_style", "open_type"}},
		{pushsdk.AndroidNotification{Description: strings.Repeat("长", 1400)}, []string{"msg"}},
		{pushsdk.AndroidNotification{Description: "d", CustomContent: map[string]any{"f": func() {}}}, []string{"custom_content"}},
	}
	for _, tc := range cases {
		_, err := tc.n.Msg()
		var ve *pushsdk.ValidationError
		require.ErrorAs(t, err, &ve, "%+v", tc.n)
		assert.Equal(t, tc.fields, fieldsOf(ve))
		assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	}
}

func TestIOSNotificationGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		n    pushsdk.IOSNotification
		want string
	}{
		{"text alert", pushsdk.IOSNotification{Alert: "hello"}, `{"aps":{"alert":"hello"}}`},
		{"title and body, everything", pushsdk.IOSNotification{
			AlertTitle: "Sale", AlertBody: "50% off", Sound: "default", Badge: new(3), ContentAvailable: true, MutableContent: true,
			ThreadID: "promo", Custom: map[string]any{"order": "42", "deep": map[string]any{"link": "app://x"}},
		}, `{"aps":{"alert":{"title":"Sale","body":"50% off"},"badge":3,"sound":"default","content-available":1,"mutable-content":1,"thread-id":"promo"},` +
			`"deep":{"link":"app://x"},"order":"42"}`},
		{"clear the badge", pushsdk.IOSNotification{Badge: new(0)}, `{"aps":{"badge":0}}`},
		{"silent background", pushsdk.IOSNotification{ContentAvailable: true}, `{"aps":{"content-available":1}}`},
	}
	for _, tc := range cases {
		got, err := tc.n.Msg()
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}
}

func TestIOSNotificationChecks(t *testing.T) {
	t.Parallel()
	long := pushsdk.IOSNotification{Alert: strings.Repeat("a", 300)}
	_, err := long.Msg()
	var ve *pushsdk.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{"msg"}, fieldsOf(ve))
	long.MaxBytes = 4096
	msg, err := long.Msg()
	require.NoError(t, err)
	assert.Len(t, msg, 300+len(`{"aps":{"alert":""}}`))

	cases := []struct {
		n      pushsdk.IOSNotification
		fields []string
	}{
		{pushsdk.IOSNotification{}, []string{"aps"}},
		{pushsdk.IOSNotification{ThreadID: "t"}, []string{"aps"}},
		{pushsdk.IOSNotification{Alert: "a", AlertBody: "b"}, []string{"alert", "aps"}},
		{pushsdk.IOSNotification{Alert: "a", Badge: new(-1)}, []string{"badge"}},
		{pushsdk.IOSNotification{Alert: "a", Custom: map[string]any{"aps": 1}}, []string{"custom"}},
	}
	for _, tc := range cases {
		_, err := tc.n.Msg()
		require.ErrorAs(t, err, &ve, "%+v", tc.n)
		assert.Equal(t, tc.fields, fieldsOf(ve))
	}
	_, err = pushsdk.IOSNotification{Alert: "a", MaxBytes: 100}.Msg()
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{"MaxBytes"}, fieldsOf(ve))
}

// TestTypedMessagesAreAcceptedByTheEmulator pushes each builder's output to
// an app of its platform.
func TestTypedMessagesAreAcceptedByTheEmulator(t *testing.T) {
	t.Parallel()
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	android, err := srv.NewChannel(pushsdk.WithDeviceType(pushsdk.DeviceAndroid))
	require.NoError(t, err)
	msg, err := (&pushsdk.AndroidNotification{Title: "hi", Description: "there", OpenType: pushsdk.OpenURL, URL: "https://x"}).Msg()
	require.NoError(t, err)
	_, err = android.PushMsgToSingleDevice(context.Background(), "1", msg, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err)
	assert.Equal(t, msg, srv.Received("1")[0].Msg)

	ios, err := srv.NewChannelFor(srv.NewApp(pushsdk.DeviceIOS), pushsdk.WithDeviceType(pushsdk.DeviceIOS))
	require.NoError(t, err)
	msg, err = (&pushsdk.IOSNotification{Alert: "hi", Badge: new(1), Sound: "default"}).Msg()
	require.NoError(t, err)
	_, err = ios.PushMsgToAll(context.Background(), msg, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, DeployStatus: pushsdk.DeployDevelopment})
	require.NoError(t, err)
}
