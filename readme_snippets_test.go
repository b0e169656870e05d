package pushsdk_test

// The Go snippets of README.md live here, between "// README: name" and
// "// README: end" lines, inside code that the tests below run against the
// emulator. TestReadmeSnippets fails when README.md and these regions
// drift apart, and checks that every README snippet compiles as it stands.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readmeQuickStart(ctx context.Context) error {
	// README: quickstart
	// BAIDU_PUSH_API_KEY and BAIDU_PUSH_SECRET_KEY hold the app's keys;
	// BAIDU_PUSH_HOST, when set, points at an emulator instead of the service.
	cfg, err := pushsdk.LoadConfig("")
	if err != nil {
		return err
	}
	c, err := pushsdk.NewChannelFromConfig(cfg) // one per app; safe for concurrent use
	if err != nil {
		return err
	}

	res, err := c.PushMsgToSingleDevice(ctx, "3973380163216521844", "hello", nil)
	if err != nil {
		return err // a *pushsdk.ChannelError: code, message, request id
	}
	fmt.Println("sent", res.MsgID, "at", res.SendTime)

	// A notification to every device of the app, in an hour:
	res, err = c.PushMsgToAll(ctx, `{"title":"Sale","description":"50% off today"}`, &pushsdk.PushOptions{
		MsgType:  pushsdk.MsgTypeNotification,
		SendTime: time.Now().Add(time.Hour),
	})
	if err != nil {
		return err
	}
	fmt.Println("timer", res.TimerID)
	// README: end
	return nil
}

func TestReadmeQuickStart(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	defer srv.Close()
	t.Setenv("BAIDU_PUSH_HOST", srv.URL)
	t.Setenv("BAIDU_PUSH_API_KEY", srv.APIKey)
	t.Setenv("BAIDU_PUSH_SECRET_KEY", srv.SecretKey)
	t.Setenv("BAIDU_PUSH_DEVICE_TYPE", "")

	require.NoError(t, readmeQuickStart(context.Background()))
	srv.Advance(time.Second)
	got := srv.Received("3973380163216521844")
	require.Len(t, got, 1)
	assert.Equal(t, "hello", got[0].Msg)
	assert.Len(t, srv.DefaultApp().PendingTimers(), 1, "the notification waits as a timer")
}

// README: config
// newChannel makes the app's Channel from sdk.conf; BAIDU_PUSH_HOST,
// BAIDU_PUSH_API_KEY, BAIDU_PUSH_SECRET_KEY and BAIDU_PUSH_DEVICE_TYPE
// override what the file says.
func newChannel() (*pushsdk.Channel, error) {
	cfg, err := pushsdk.LoadConfig("sdk.conf")
	if err != nil {
		return nil, err // names file, line and key, never the value: "sdk.conf:4: [sdk] devicetype: neither 3 (android) nor 4 (ios) (value not shown)"
	}
	return pushsdk.NewChannelFromConfig(cfg,
		pushsdk.WithTimeout(10*time.Second), // options override the file
		pushsdk.WithLogger(slog.Default()),  // one debug line per HTTP attempt
	)
}

// README: end

func TestReadmeConfig(t *testing.T) {
	srv := pushtest.NewServer()
	defer srv.Close()
	t.Chdir(t.TempDir())
	for _, k := range []string{"BAIDU_PUSH_HOST", "BAIDU_PUSH_API_KEY", "BAIDU_PUSH_SECRET_KEY", "BAIDU_PUSH_DEVICE_TYPE"} {
		t.Setenv(k, "")
	}

	conf := "[SDK]\nhost = " + srv.URL + "\napiKey = " + srv.APIKey + "\ndeviceType = 5\nsecretKey = " + srv.SecretKey + "\n"
	require.NoError(t, os.WriteFile("sdk.conf", []byte(conf), 0o600))
	_, err := newChannel()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `sdk.conf:4: [sdk] devicetype: neither 3 (android) nor 4 (ios) (value not shown)`, "the error README shows")
	assert.NotContains(t, err.Error(), srv.SecretKey)

	conf = "[SDK]\nhost = http://127.0.0.1:1\napiKey = " + srv.APIKey + "\nsecretKey = " + srv.SecretKey + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(".", "sdk.conf"), []byte(conf), 0o600))
	t.Setenv("BAIDU_PUSH_HOST", srv.URL) // the environment wins over the file
	c, err := newChannel()
	require.NoError(t, err)
	_, err = c.QueryTags(context.Background(), nil)
	require.NoError(t, err)
}

// README: fanout
// pushAll sends msg to any number of devices, sends again what was
// provably not processed (three rounds at most), and returns the ids that
// may have been delivered: do not send those again blindly.
func pushAll(ctx context.Context, c *pushsdk.Channel, ids []string, msg string, opts *pushsdk.PushOptions) (uncertain []string, err error) {
	res, err := c.PushToDevices(ctx, ids, msg, opts)
	if res == nil {
		return nil, err // the arguments were refused: nothing was sent
	}
	uncertain = res.UncertainChannelIDs()
	for round := 1; round <= 3 && len(res.FailedChannelIDs()) > 0 && ctx.Err() == nil; round++ {
		res, err = c.PushToDevices(ctx, res.FailedChannelIDs(), msg, opts) // never processed: safe to send again
		uncertain = append(uncertain, res.UncertainChannelIDs()...)
	}
	// err is nil when the last round sent every id it was given; else
	// res.FailedChannelIDs() were never sent (ctx ended, or failures persisted).
	return uncertain, err
}

// README: end

func TestReadmeFanout(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	defer srv.Close()
	c, err := srv.NewChannel()
	require.NoError(t, err)
	ids := make([]string, 25_000)
	for i := range ids {
		ids[i] = fmt.Sprintf("3973380163216%06d", i)
	}
	// One batch refused (not processed), one processed but its answer lost
	// behind a gateway page (uncertain), and the first retry refused again.
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Status: 502, AfterProcessing: true})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeQuotaUsedUp})

	uncertain, err := pushAll(context.Background(), c, ids, "hello, everyone", &pushsdk.PushOptions{TopicID: "launch"})
	require.NoError(t, err, "the refused batch went through on a later round")
	require.NotEmpty(t, uncertain)
	srv.Advance(time.Second)
	for _, id := range ids {
		require.Equal(t, 1, srv.DeliveryCount(id), "id %s: every id delivered exactly once, the uncertain ones too", id)
	}

	// A context that ends leaves the ids it did not send in the error's result.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = pushAll(ctx, c, ids[:10], "late", nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

// readmeNotifications pushes a typed notification to each of two apps: in
// Baidu Push 3.0 an app is either Android or iOS.
func readmeNotifications(ctx context.Context, android, ios *pushsdk.Channel) error {
	// README: notifications
	// android and ios are the Channels of your Android app and of your iOS app.
	msg, err := pushsdk.AndroidNotification{
		Title: "Sale", Description: "50% off today", // Description is required
		Style:         pushsdk.StyleClearable | pushsdk.StyleVibrate,
		OpenType:      pushsdk.OpenURL,
		URL:           "https://example.com/sale",
		CustomContent: map[string]any{"campaign": "autumn"},
	}.Msg() // {"title":"Sale","description":"50% off today","notification_basic_style":3,"open_type":1,…}
	if err != nil {
		return err // code 3, naming every bad field
	}
	if _, err := android.PushMsgToAll(ctx, msg, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification}); err != nil {
		return err
	}

	// {"aps":{"alert":{"title":"Sale","body":"50% off today"},"badge":1,"sound":"default"}}
	msg, err = pushsdk.IOSNotification{AlertTitle: "Sale", AlertBody: "50% off today", Sound: "default", Badge: new(1)}.Msg()
	if err != nil {
		return err
	}
	_, err = ios.PushMsgToAll(ctx, msg, &pushsdk.PushOptions{
		MsgType:      pushsdk.MsgTypeNotification, // iOS apps take notifications only
		DeployStatus: pushsdk.DeployDevelopment,   // for apps built with a development certificate
	})
	// README: end
	return err
}

func TestReadmeNotifications(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	defer srv.Close()
	android, err := srv.NewChannel()
	require.NoError(t, err)
	iosApp := srv.NewApp(pushsdk.DeviceIOS)
	ios, err := srv.NewChannelFor(iosApp)
	require.NoError(t, err)
	require.NoError(t, srv.Bind("3973380163216521844"))
	require.NoError(t, iosApp.Bind("5473380163216521844"))

	require.NoError(t, readmeNotifications(context.Background(), android, ios))
	srv.Advance(time.Second)
	a := srv.Received("3973380163216521844")
	require.Len(t, a, 1)
	assert.JSONEq(t, `{"title":"Sale","description":"50% off today","notification_basic_style":3,"open_type":1,"url":"https://example.com/sale","custom_content":{"campaign":"autumn"}}`, a[0].Msg)
	i := iosApp.Received("5473380163216521844")
	require.Len(t, i, 1)
	assert.JSONEq(t, `{"aps":{"alert":{"title":"Sale","body":"50% off today"},"badge":1,"sound":"default"}}`, i[0].Msg)
}

// README: pushtest
func TestWelcomeNotification(t *testing.T) {
	srv := pushtest.NewServer() // the whole service, in memory, on a loopback port
	defer srv.Close()
	c, err := srv.NewChannel() // a *pushsdk.Channel for the emulator's app, on its clock
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// The code under test pushes; here, directly.
	if _, err := c.PushMsgToSingleDevice(ctx, "3973380163216521844", "welcome", nil); err != nil {
		t.Fatal(err)
	}
	srv.Advance(2 * time.Second) // pending → sending → delivered
	if got := srv.Received("3973380163216521844"); len(got) != 1 || got[0].Msg != "welcome" {
		t.Fatalf("the device got %+v", got)
	}

	// Timed pushes: take the time from srv.Now(), which Advance moves, not time.Now().
	res, err := c.PushMsgToAll(ctx, "good morning", &pushsdk.PushOptions{SendTime: srv.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Hour + 2*time.Second) // the timer fires, the message is delivered
	if m, _ := srv.DefaultApp().Message(res.MsgID); m.Status != pushsdk.StatusSent {
		t.Fatalf("status %v", m.Status)
	}

	// Faults: the next push/all fails with 30600, as the service does when
	// it may or may not have acted.
	srv.FailNext("push/all", 1, pushtest.Fault{Code: pushsdk.CodeInternalError})
	_, err = c.PushMsgToAll(ctx, "hi", nil)
	var ce *pushsdk.ChannelError
	if !errors.As(err, &ce) || ce.Code != pushsdk.CodeInternalError || !ce.MaybeProcessed() {
		t.Fatalf("got %v", err)
	}
}

// README: end
