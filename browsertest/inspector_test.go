package browsertest

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var screenshots = flag.String("screenshots", "", "keep the screenshots in this directory (default: the test's temporary one)")

// browser starts a headless Chromium for one test and returns a tab's
// context, ended with the test. The flags keep it off the network:
// nothing but the emulator on loopback.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Fatal("no Chromium: install Debian's chromium (apt-get install chromium); .ci/run installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 820),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	tab, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The first run starts the browser, which lives as long as tab; the
	// steps then run under a bound against hanging (not a measure).
	require.NoError(t, chromedp.Do(tab), "starting %s", bin)
	ctx, cancelTimeout := context.WithTimeout(tab, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

// shoot saves a screenshot of the page as name.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	dir := *screenshots
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// TestDeviceInboxIsLive opens a device's page, pushes to the device with
// the SDK, and sees the notification appear without a reload.
func TestDeviceInboxIsLive(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(200*time.Millisecond, 200*time.Millisecond))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	const id = "3973380163216521844"
	ctx := browser(t)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/ui/devices/"+id),
		chromedp.WaitVisible(chromedp.CSS(`#inbox`)),
		// A mark on this page: a reload would lose it.
		mark(),
		// The live stream is open.
		chromedp.WaitVisible(chromedp.CSS(`body.is-live`)),
	))
	empty, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#inbox`)))
	require.NoError(t, err)
	assert.Contains(t, empty, "No message for this device yet")

	msg, err := pushsdk.AndroidNotification{Title: "Flash sale", Description: "50% off everything, today only"}.Msg()
	require.NoError(t, err)
	res, err := c.PushMsgToSingleDevice(context.Background(), id, msg, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err)
	_, err = c.PushMsgToSingleDevice(context.Background(), id, `{"order":42,"status":"shipped"}`, nil)
	require.NoError(t, err)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`.note.android[data-msg-id="`+res.MsgID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.passthrough`)),
	))
	assert.Equal(t, "Flash sale", text(t, ctx, `.note.android .title`))
	assert.Equal(t, "50% off everything, today only", text(t, ctx, `.note.android .body`))
	assert.Contains(t, text(t, ctx, `.passthrough pre`), `"status": "shipped"`, "a pass-through message as formatted JSON")
	assert.Equal(t, "this page", marked(t, ctx), "the page was not reloaded")
	shoot(t, ctx, "inspector-device.png")
}

// TestRequestsPageShowsDiagnosis sends a request with a wrong signature and
// sees the emulator's diagnosis appear on the requests page.
func TestRequestsPageShowsDiagnosis(t *testing.T) {
	srv := pushtest.NewServer()
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	ctx := browser(t)
	_, err = c.QueryDeviceNumInTag(context.Background(), "default")
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/ui/requests"),
		chromedp.WaitVisible(chromedp.CSS(`body.is-live`)),
		mark(),
	))
	require.NoError(t, c.SetCredentials(srv.APIKey, "AnotherAppsSecretKey000000000000"))
	_, err = c.PushMsgToAll(context.Background(), "hi", nil)
	require.Equal(t, pushsdk.CodeAuthFailed, pushsdk.ErrorCode(err))

	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`tr.auth .diagnosis`))))
	diagnosis := text(t, ctx, `tr.auth .diagnosis`)
	assert.Contains(t, diagnosis, "signature mismatch")
	assert.Contains(t, diagnosis, "the secret key most likely does not belong to this API key")
	assert.Equal(t, "this page", marked(t, ctx), "the page was not reloaded")
	shoot(t, ctx, "inspector-requests.png")
}

// TestPagesWorkWithoutJavaScript reads every page with scripts off: the
// content is there, rendered on the server, and the links lead on.
func TestPagesWorkWithoutJavaScript(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	const id = "3973380163216521845"
	res, err := c.PushMsgToSingleDevice(context.Background(), id, "no script needed", nil)
	require.NoError(t, err)
	_, err = c.CreateTag(context.Background(), "vip")
	require.NoError(t, err)
	ctx := browser(t)
	_, err = chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	require.NoError(t, err)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/ui/devices?q=3973380163216521845"),
		chromedp.Click(chromedp.CSS(`a[href="/ui/devices/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.passthrough`)),
	))
	assert.Contains(t, text(t, ctx, `#inbox`), "no script needed")
	class, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`body`), "class"))
	require.NoError(t, err)
	assert.NotContains(t, class.Value, "is-live", "no script ran")
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.__pushtestLive !== "undefined"`))
	require.NoError(t, err)
	assert.False(t, ran)

	for path, want := range map[string]string{
		"/ui/":                      "Latest requests",
		"/ui/requests":              "push/single_device",
		"/ui/messages":              res.MsgID,
		"/ui/messages/" + res.MsgID: "no script needed",
		"/ui/tags":                  "vip",
		"/ui/timers":                "No timer",
		"/ui/topics":                "No topic yet",
		"/ui/stats":                 "Statistics",
	} {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)), path)
		got := text(t, ctx, `main`)
		assert.True(t, strings.Contains(got, want), "%s shows %q:\n%s", path, want, got)
	}
}

// mark leaves a mark on the page: a reload would lose it.
func mark() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[string](`window.__pushtestMark = "this page"`)(ctx, t)
		return err
	})
}

// marked reads the mark.
func marked(t *testing.T, ctx context.Context) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__pushtestMark || ""`))
	require.NoError(t, err)
	return v
}

// text is the visible text of the first element that matches a CSS
// selector.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(t, err, sel)
	return v
}
