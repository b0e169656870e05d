package pushtest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// getJSON GETs a path of srv and decodes the answer.
func getJSON(t *testing.T, base, path string, v any) int {
	t.Helper()
	resp, err := http.Get(base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	return resp.StatusCode
}

// postJSON POSTs body to a path of srv with the headers and decodes the
// answer.
func postJSON(t *testing.T, base, path, body string, headers map[string]string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, val := range headers {
		req.Header.Set(k, val)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	return resp.StatusCode
}

type page[T any] struct {
	Total int `json:"total"`
	Start int `json:"start"`
	Limit int `json:"limit"`
	Items []T `json:"items"`
}

func TestAPIDeliveriesAndRequests(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	ctx := context.Background()
	const id = "3973380163216521844"
	n, err := pushsdk.AndroidNotification{Title: "Sale", Description: "50% off"}.Msg()
	require.NoError(t, err)
	res, err := c.PushMsgToSingleDevice(ctx, id, n, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err)
	_, err = c.PushBatchUniMsg(ctx, []string{id, "2"}, `{"k":"v"}`, &pushsdk.PushOptions{TopicID: "news"})
	require.NoError(t, err)

	var inbox page[pushtest.DeliveryView]
	require.Equal(t, 200, getJSON(t, srv.URL, "/api/v1/devices/"+id+"/messages", &inbox))
	require.Equal(t, 2, inbox.Total)
	assert.Equal(t, "message", inbox.Items[0].MsgType, "newest first")
	assert.Equal(t, "news", inbox.Items[0].TopicID)
	assert.Equal(t, map[string]any{"k": "v"}, inbox.Items[0].JSON)
	assert.Equal(t, res.MsgID, inbox.Items[1].MsgID)
	assert.Equal(t, "notification", inbox.Items[1].MsgType)
	assert.Equal(t, n, inbox.Items[1].Msg)

	require.Equal(t, 200, getJSON(t, srv.URL, "/api/v1/devices/"+id+"/messages?start=1&limit=1", &inbox))
	assert.Equal(t, page[pushtest.DeliveryView]{Total: 2, Start: 1, Limit: 1, Items: inbox.Items}, inbox)
	require.Len(t, inbox.Items, 1)
	assert.Equal(t, res.MsgID, inbox.Items[0].MsgID)

	// A wrong signature: the request log says why.
	require.NoError(t, c.SetCredentials(srv.APIKey, "NotTheSecret0000000000000000000a"))
	_, err = c.PushMsgToAll(ctx, "hi", nil)
	require.Error(t, err)
	var reqs page[pushtest.RequestView]
	require.Equal(t, 200, getJSON(t, srv.URL, "/api/v1/requests?code=30603", &reqs))
	require.Equal(t, 1, reqs.Total)
	assert.Equal(t, "push/all", reqs.Items[0].Endpoint)
	assert.Equal(t, 403, reqs.Items[0].Status)
	assert.Contains(t, reqs.Items[0].Note, "the secret key most likely does not belong to this API key")
	require.Equal(t, 200, getJSON(t, srv.URL, "/api/v1/requests?endpoint=push/single_device", &reqs))
	require.Equal(t, 1, reqs.Total)
	assert.Equal(t, "***", reqs.Items[0].Params["sign"], "the signature is masked")
	assert.Equal(t, id, reqs.Items[0].Params["channel_id"])

	var msg pushtest.MessageView
	require.Equal(t, 200, getJSON(t, srv.URL, "/api/v1/messages/"+res.MsgID, &msg))
	assert.Equal(t, "sent", msg.Status)
	assert.Equal(t, int64(1), msg.Success)
	assert.Equal(t, []string{id}, msg.TargetIDs.Items)
	var e map[string]string
	assert.Equal(t, 404, getJSON(t, srv.URL, "/api/v1/messages/1", &e))
	assert.Contains(t, e["error"], "no message 1")
	assert.Equal(t, 400, getJSON(t, srv.URL, "/api/v1/devices/abc/messages", &e))
	assert.Equal(t, 400, getJSON(t, srv.URL, "/api/v1/requests?limit=1001", &e))
	assert.Contains(t, e["error"], "limit: want 1–1000")
	assert.Equal(t, 404, getJSON(t, srv.URL, "/api/v1/nope", &e))
	assert.Equal(t, 404, getJSON(t, srv.URL, "/api/v1/devices?app=NoSuchApp", &e))

	// Nothing the API says holds a secret key or a signature.
	for _, path := range []string{"/api/v1/apps", "/api/v1/requests?limit=1000", "/api/v1/devices", "/api/v1/messages"} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.NotContains(t, string(body), srv.SecretKey, path)
		assert.NotContains(t, string(body), "NotTheSecret0000000000000000000a", path)
		for _, r := range srv.Requests() {
			if sign := r.Params.Get("sign"); sign != "" {
				assert.NotContains(t, string(body), sign, path)
			}
		}
	}
}

func TestAPIStateViewsAndActions(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0), pushtest.WithRequireBinding())
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	ctx := context.Background()

	var out map[string]any
	require.Equal(t, 200, postJSON(t, srv.URL, "/api/v1/devices/bind", `{"channel_ids":["11","12","13"]}`, nil, &out))
	assert.EqualValues(t, 3, out["bound"])
	require.Equal(t, 200, postJSON(t, srv.URL, "/api/v1/devices/unbind", `{"channel_ids":["13"]}`, nil, &out))
	var devs page[pushtest.DeviceView]
	getJSON(t, srv.URL, "/api/v1/devices", &devs)
	assert.Equal(t, 3, devs.Total)
	assert.Equal(t, []pushtest.DeviceView{{ChannelID: "11", Bound: true}, {ChannelID: "12", Bound: true}, {ChannelID: "13"}}, devs.Items)
	getJSON(t, srv.URL, "/api/v1/devices?q=2", &devs)
	assert.Equal(t, 1, devs.Total)
	assert.Equal(t, 400, postJSON(t, srv.URL, "/api/v1/devices/bind", `{"channel_ids":["x"]}`, nil, &out))
	assert.Equal(t, 400, postJSON(t, srv.URL, "/api/v1/devices/bind", `not json`, nil, &out))

	_, err = c.CreateTag(ctx, "vip")
	require.NoError(t, err)
	_, err = c.AddDevicesToTag(ctx, "vip", []string{"12", "11"})
	require.NoError(t, err)
	var tags page[pushtest.TagView]
	getJSON(t, srv.URL, "/api/v1/tags", &tags)
	require.Equal(t, 2, tags.Total)
	assert.Equal(t, "default", tags.Items[0].Tag)
	assert.Equal(t, 2, tags.Items[1].Members)
	var members page[string]
	getJSON(t, srv.URL, "/api/v1/tags/vip/members", &members)
	assert.Equal(t, []string{"12", "11"}, members.Items, "in the order they joined")
	getJSON(t, srv.URL, "/api/v1/tags/default/members", &members)
	assert.Equal(t, []string{"11", "12"}, members.Items, "the bound devices")
	var dev pushtest.DeviceView
	getJSON(t, srv.URL, "/api/v1/devices/12", &dev)
	assert.Equal(t, []string{"vip"}, dev.Tags)

	// Timers: one pending, one cancelled, one fired after the clock moves.
	t1, err := c.PushMsgToAll(ctx, "later", &pushsdk.PushOptions{SendTime: srv.Now().Add(time.Hour)})
	require.NoError(t, err)
	t2, err := c.PushMsgToAll(ctx, "cancel me", &pushsdk.PushOptions{SendTime: srv.Now().Add(2 * time.Hour)})
	require.NoError(t, err)
	_, err = c.CancelTimer(ctx, t2.TimerID)
	require.NoError(t, err)
	var timers page[pushtest.TimerView]
	getJSON(t, srv.URL, "/api/v1/timers?state=pending", &timers)
	require.Equal(t, 1, timers.Total)
	assert.Equal(t, t1.TimerID, timers.Items[0].TimerID)
	getJSON(t, srv.URL, "/api/v1/timers?state=cancelled", &timers)
	require.Equal(t, 1, timers.Total)
	assert.Equal(t, t2.TimerID, timers.Items[0].TimerID)
	var clock struct {
		Now time.Time `json:"now"`
	}
	before := srv.Now()
	require.Equal(t, 200, postJSON(t, srv.URL, "/api/v1/clock/advance", `{"by":"61m"}`, nil, &clock))
	assert.GreaterOrEqual(t, clock.Now.Sub(before), 61*time.Minute)
	getJSON(t, srv.URL, "/api/v1/timers?state=fired", &timers)
	require.Equal(t, 1, timers.Total, "the clock moved past the timer")
	var inbox page[pushtest.DeliveryView]
	getJSON(t, srv.URL, "/api/v1/devices/11/messages", &inbox)
	require.Equal(t, 1, inbox.Total)
	assert.Equal(t, "later", inbox.Items[0].Msg)
	assert.Equal(t, t1.TimerID, inbox.Items[0].TimerID)
	assert.Equal(t, 400, postJSON(t, srv.URL, "/api/v1/clock/advance", `{"by":"soon"}`, nil, &out))

	_, err = c.PushBatchUniMsg(ctx, []string{"11"}, "t", &pushsdk.PushOptions{TopicID: "news"})
	require.NoError(t, err)
	var topics page[pushtest.TopicView]
	getJSON(t, srv.URL, "/api/v1/topics", &topics)
	require.Equal(t, 1, topics.Total)
	assert.Equal(t, int64(1), topics.Items[0].PushCount)
	var stats pushtest.StatsView
	getJSON(t, srv.URL, "/api/v1/statistics", &stats)
	require.Len(t, stats.Days, 30)
	last := stats.Days[len(stats.Days)-1]
	assert.Equal(t, int64(2), last.TotalDevices)
	var apps page[pushtest.AppView]
	getJSON(t, srv.URL, "/api/v1/apps", &apps)
	assert.Equal(t, srv.APIKey, apps.Items[0].APIKey)

	// Reset forgets the state; the keys stay.
	require.Equal(t, 200, postJSON(t, srv.URL, "/api/v1/reset", ``, nil, &out))
	getJSON(t, srv.URL, "/api/v1/devices", &devs)
	assert.Zero(t, devs.Total)
	getJSON(t, srv.URL, "/api/v1/tags", &tags)
	assert.Equal(t, 1, tags.Total, "only the built-in tag")
	assert.Empty(t, srv.Requests())
	_, err = c.QueryDeviceNumInTag(ctx, "default")
	require.NoError(t, err, "the keys still work")
}

// TestAPIActionsAreGuarded: an action is refused to a cross-site browser
// request, and beyond loopback without the API token.
func TestAPIActionsAreGuarded(t *testing.T) {
	srv := pushtest.NewServer()
	t.Cleanup(srv.Close)
	var out map[string]any
	for _, h := range []map[string]string{{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}} {
		assert.Equal(t, 403, postJSON(t, srv.URL, "/api/v1/reset", ``, h, &out), "%v", h)
		assert.Contains(t, out["error"], "may not change the emulator")
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	assert.Equal(t, 200, postJSON(t, srv.URL, "/api/v1/reset", ``, map[string]string{"Origin": srv.URL, "Sec-Fetch-Site": "same-origin"}, &out),
		"the inspector's own pages may act (%s)", host)

	// Beyond loopback: the handler sees a connection on another address.
	for _, tc := range []struct {
		opts []pushtest.Option
		auth string
		want int
	}{
		{nil, "", 403},
		{[]pushtest.Option{pushtest.WithAPIToken("s3cret-token")}, "", 401},
		{[]pushtest.Option{pushtest.WithAPIToken("s3cret-token")}, "Bearer wrong", 401},
		{[]pushtest.Option{pushtest.WithAPIToken("s3cret-token")}, "Bearer s3cret-token", 200},
	} {
		e := pushtest.New(tc.opts...)
		req := httptest.NewRequest(http.MethodPost, "http://10.1.2.3:8088/api/v1/reset", nil)
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 8088}))
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		assert.Equal(t, tc.want, rec.Code, "%s: %s", tc.auth, rec.Body.String())
		assert.NotContains(t, rec.Body.String(), "s3cret-token")
	}
	// Reads need no token.
	e := pushtest.New()
	req := httptest.NewRequest(http.MethodGet, "http://10.1.2.3:8088/api/v1/devices", nil)
	req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 8088}))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	assert.Equal(t, 200, rec.Code)
}

// TestInspectorOff: WithInspector(false) serves neither the API nor the
// pages.
func TestInspectorOff(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithInspector(false))
	t.Cleanup(srv.Close)
	for _, path := range []string{"/api/v1/requests", "/ui/", "/ui/devices/1", "/api/v1/events"} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 404, resp.StatusCode, path)
	}
	// Inspector serves them alone, on an address of its own.
	ins := httptest.NewServer(srv.Inspector())
	t.Cleanup(ins.Close)
	var reqs page[pushtest.RequestView]
	assert.Equal(t, 200, getJSON(t, ins.URL, "/api/v1/requests", &reqs))
}

// TestUIPages: every page renders without JavaScript, escapes what clients
// sent, and never shows a secret.
func TestUIPages(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	ctx := context.Background()
	const id = "3973380163216521844"
	msg := `{"title":"<script>alert(1)</script>","description":"50% off"}`
	res, err := c.PushMsgToSingleDevice(ctx, id, msg, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err)
	_, err = c.CreateTag(ctx, "vip")
	require.NoError(t, err)
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 200 && !strings.HasPrefix(path, "/ui/static/") {
			assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'", path)
		}
		return resp.StatusCode, string(body)
	}
	for _, path := range []string{"/ui/", "/ui/requests", "/ui/devices", "/ui/devices?q=3973", "/ui/devices/" + id, "/ui/messages",
		"/ui/messages/" + res.MsgID, "/ui/tags", "/ui/tags/vip", "/ui/tags/default", "/ui/timers", "/ui/timers?state=fired", "/ui/topics", "/ui/stats"} {
		code, body := get(path)
		assert.Equal(t, 200, code, path)
		assert.Contains(t, body, "pushtest emulator", path)
		assert.NotContains(t, body, "<script>alert(1)</script>", path)
		assert.NotContains(t, body, srv.SecretKey, path)
	}
	_, body := get("/ui/devices/" + id)
	assert.Contains(t, body, `class="note android"`)
	assert.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, body, "50% off")
	code, _ := get("/ui/devices/abc")
	assert.Equal(t, 400, code)
	code, _ = get("/ui/messages/1")
	assert.Equal(t, 404, code)
	code, _ = get("/ui/nosuchpage")
	assert.Equal(t, 404, code)
	code, js := get("/ui/static/live.js")
	assert.Equal(t, 200, code)
	assert.Contains(t, js, "EventSource")
}

// TestLiveEvents: the live stream sends requests and deliveries as they
// happen; a client past the cap is refused; the clock catches up while
// someone watches.
func TestLiveEvents(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(50*time.Millisecond, 50*time.Millisecond), pushtest.WithLiveClients(1))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/events", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))

	second, err := http.Get(srv.URL + "/api/v1/events")
	require.NoError(t, err)
	second.Body.Close()
	assert.Equal(t, 503, second.StatusCode, "one live client at most")

	_, err = c.PushMsgToSingleDevice(context.Background(), "3973380163216521844", "hi", nil)
	require.NoError(t, err)
	sc := bufio.NewScanner(resp.Body)
	var kinds []string
	for sc.Scan() && len(kinds) < 2 {
		if k, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			kinds = append(kinds, k)
		}
	}
	// The delivery falls due 100 ms later: no request makes it happen,
	// the live stream's own ticks do.
	assert.Equal(t, []string{"request", "delivery"}, kinds)

	// Ticks with nothing due leave the stream open: a later request still
	// shows.
	time.Sleep(300 * time.Millisecond)
	_, err = c.QueryDeviceNumInTag(context.Background(), "default")
	require.NoError(t, err)
	var next string
	for sc.Scan() {
		if k, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			next = k
			break
		}
	}
	assert.Equal(t, "request", next, "the stream is still open: %v", sc.Err())
}

// TestAPIInputLimits: every number the API takes is checked at its exact
// limits.
func TestAPIInputLimits(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithFrozenClock(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)))
	t.Cleanup(srv.Close)
	var out map[string]any
	for path, want := range map[string]int{
		"/api/v1/devices?start=0":       200,
		"/api/v1/devices?start=-1":      400,
		"/api/v1/devices?limit=1":       200,
		"/api/v1/devices?limit=1000":    200,
		"/api/v1/devices?limit=1001":    400,
		"/api/v1/devices?limit=0":       400,
		"/api/v1/messages?start=-1":     400,
		"/api/v1/messages?limit=1001":   400,
		"/api/v1/messages?app=NotAnApp": 404,
		"/api/v1/requests?limit=1001":   400,
	} {
		assert.Equal(t, want, getJSON(t, srv.URL, path, &out), path)
	}

	ids := func(n int) string {
		list := make([]string, n)
		for i := range list {
			list[i] = strconv.Quote(strconv.Itoa(1_000_000 + i))
		}
		return `{"channel_ids":[` + strings.Join(list, ",") + `]}`
	}
	assert.Equal(t, 200, postJSON(t, srv.URL, "/api/v1/devices/bind", ids(10000), nil, &out), "10 000 ids at once")
	assert.EqualValues(t, 10000, out["bound"])
	assert.Equal(t, 400, postJSON(t, srv.URL, "/api/v1/devices/bind", ids(10001), nil, &out))
	assert.Contains(t, out["error"], "channel_ids: want 1–10000 ids")
	assert.Equal(t, 400, postJSON(t, srv.URL, "/api/v1/devices/bind", ids(0), nil, &out))

	// A body of exactly 1 MiB is read; one byte more is refused.
	body := `{"by":"1s"}`
	exact := body + strings.Repeat(" ", 1<<20-len(body))
	assert.Equal(t, 200, postJSON(t, srv.URL, "/api/v1/clock/advance", exact, nil, &out))
	assert.Equal(t, 400, postJSON(t, srv.URL, "/api/v1/clock/advance", exact+" ", nil, &out))
	assert.Contains(t, out["error"], "larger than 1 MiB")

	// The clock moves by more than 0 and at most a year (366 days).
	before := srv.Now()
	assert.Equal(t, 200, postJSON(t, srv.URL, "/api/v1/clock/advance", `{"by":"8784h"}`, nil, &out))
	assert.Equal(t, 8784*time.Hour, srv.Now().Sub(before))
	for _, by := range []string{"8784h0m0.000000001s", "0s", "-1s"} {
		assert.Equal(t, 400, postJSON(t, srv.URL, "/api/v1/clock/advance", `{"by":"`+by+`"}`, nil, &out), by)
	}
	assert.Equal(t, 200, postJSON(t, srv.URL, "/api/v1/clock/advance", `{"by":"1ns"}`, nil, &out))
}

// TestLimitsBoundTheState: past each cap the emulator answers as the
// service would, or forgets the oldest.
func TestLimitsBoundTheState(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0), pushtest.WithLimits(pushtest.Limits{Devices: 5, Messages: 3, Deliveries: 2, Tags: 2, Topics: 2, Timers: 1}))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{}))
	require.NoError(t, err)
	ctx := context.Background()

	// Devices: the sixth new id is not bound.
	res, err := c.PushBatchUniMsg(ctx, []string{"1", "2", "3", "4", "5", "6"}, "m", nil)
	require.NoError(t, err)
	m, _ := srv.DefaultApp().Message(res.MsgID)
	assert.Equal(t, int64(5), m.Success)
	assert.Equal(t, int64(1), m.Failed)
	_, err = c.PushMsgToSingleDevice(ctx, "7", "m", nil)
	assert.Equal(t, pushsdk.CodeBindTooMany, pushsdk.ErrorCode(err))
	assert.ErrorContains(t, err, "the emulator's limit (--max-devices)")
	_, err = c.PushMsgToSingleDevice(ctx, "1", "m", nil)
	require.NoError(t, err, "a bound device still gets its pushes")
	assert.Error(t, srv.Bind("8"))

	// Deliveries: a device keeps the newest two.
	for i := range 3 {
		_, err = c.PushMsgToSingleDevice(ctx, "2", "n"+strconv.Itoa(i), nil)
		require.NoError(t, err)
	}
	got := srv.Received("2")
	require.Len(t, got, 2)
	assert.Equal(t, []string{"n1", "n2"}, []string{got[0].Msg, got[1].Msg})

	// Messages: the newest three are kept, the older forgotten.
	all := srv.DefaultApp().Messages()
	require.Len(t, all, 3)
	st, err := c.QueryMsgStatus(ctx, res.MsgID)
	require.NoError(t, err)
	assert.Zero(t, st.TotalNum, "a forgotten message's status is not known")

	// Tags: the third gets 30602.
	for _, tag := range []string{"a", "b"} {
		_, err = c.CreateTag(ctx, tag)
		require.NoError(t, err)
	}
	_, err = c.CreateTag(ctx, "c")
	assert.Equal(t, pushsdk.CodeInvalidParams, pushsdk.ErrorCode(err))
	assert.ErrorContains(t, err, "the emulator's limit (--max-tags)")

	// Topics: the oldest is forgotten.
	for _, topic := range []string{"t1", "t2", "t3"} {
		_, err = c.PushBatchUniMsg(ctx, []string{"1"}, "m", &pushsdk.PushOptions{TopicID: topic})
		require.NoError(t, err)
	}
	tl, err := c.QueryTopicList(ctx, nil)
	require.NoError(t, err)
	require.Len(t, tl.Topics, 2)
	assert.Equal(t, "t2", tl.Topics[0].TopicID)

	// Timers: one that fired is kept, and the pending ones.
	for range 2 {
		_, err = c.PushMsgToAll(ctx, "x", &pushsdk.PushOptions{SendTime: srv.Now().Add(2 * time.Minute)})
		require.NoError(t, err)
		srv.Advance(3 * time.Minute)
	}
	var timers page[pushtest.TimerView]
	getJSON(t, srv.URL, "/api/v1/timers", &timers)
	assert.Equal(t, 1, timers.Total)
}

// TestStateLevelsOffUnderAbuse: batch pushes to 10 000 new ids, again and
// again (about 2.9 MB each for good before the limits), leave the
// emulator's heap where it was once its limits are reached.
func TestStateLevelsOffUnderAbuse(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 120 batches of 10 000 ids")
	}
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0), pushtest.WithRequestLog(100, 1<<20),
		pushtest.WithLimits(pushtest.Limits{Devices: 100_000, Messages: 20}))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	next := int64(5_000_000_000_000_000_000)
	batch := func() {
		ids := make([]string, 10_000)
		for i := range ids {
			ids[i] = strconv.FormatInt(next, 10)
			next++
		}
		_, err := c.PushBatchUniMsg(context.Background(), ids, "m", nil)
		require.NoError(t, err)
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for range 40 { // past the limits: 10 batches fill the devices, 20 the messages
		batch()
	}
	at40 := heap()
	for range 80 {
		batch()
	}
	at120 := heap()
	t.Logf("heap after 40 batches: %.1f MB, after 120: %.1f MB", float64(at40)/1e6, float64(at120)/1e6)
	assert.Less(t, float64(at120), float64(at40)*1.15, "the heap levels off")
	var apps page[pushtest.AppView]
	getJSON(t, srv.URL, "/api/v1/apps", &apps)
	assert.Equal(t, 100_000, apps.Items[0].Devices)
	assert.LessOrEqual(t, apps.Items[0].Messages, 20)
}

// TestUIDrawsIOSNotifications: an iOS app's inbox shows the alert's title
// and body, the badge and the sound, as an iPhone does.
func TestUIDrawsIOSNotifications(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0), pushtest.WithPlatform(pushsdk.DeviceIOS))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	msg, err := pushsdk.IOSNotification{AlertTitle: "Level up", AlertBody: "You reached level 7", Badge: new(3), Sound: "chime.caf"}.Msg()
	require.NoError(t, err)
	_, err = c.PushMsgToSingleDevice(context.Background(), "3973380163216521844", msg, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err)
	plain, err := pushsdk.IOSNotification{Alert: "A plain alert"}.Msg()
	require.NoError(t, err)
	_, err = c.PushMsgToSingleDevice(context.Background(), "3973380163216521844", plain, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err)
	resp, err := http.Get(srv.URL + "/ui/devices/3973380163216521844")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	assert.Contains(t, page, `class="note ios"`)
	assert.Contains(t, page, `<div class="title">Level up</div>`)
	assert.Contains(t, page, `<div class="body">You reached level 7</div>`)
	assert.Contains(t, page, `<span class="badge">3</span>`)
	assert.Contains(t, page, "sound chime.caf")
	assert.Contains(t, page, `<div class="body">A plain alert</div>`)
}

// TestBrowserNavigationMayAct: a request a person makes by hand in the
// browser (Sec-Fetch-Site: none) is not cross-site.
func TestBrowserNavigationMayAct(t *testing.T) {
	srv := pushtest.NewServer()
	t.Cleanup(srv.Close)
	var out map[string]any
	assert.Equal(t, 200, postJSON(t, srv.URL, "/api/v1/reset", ``, map[string]string{"Sec-Fetch-Site": "none"}, &out))
}

// TestPendingMessagesOutliveTheLimit: past Limits.Messages the oldest
// delivered messages go, never a pending timer's.
func TestPendingMessagesOutliveTheLimit(t *testing.T) {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0), pushtest.WithLimits(pushtest.Limits{Messages: 2}))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	ctx := context.Background()
	timed, err := c.PushMsgToAll(ctx, "in an hour", &pushsdk.PushOptions{SendTime: srv.Now().Add(time.Hour)})
	require.NoError(t, err)
	for range 5 {
		_, err := c.PushMsgToSingleDevice(ctx, "3973380163216521844", "now", nil)
		require.NoError(t, err)
	}
	st, err := c.QueryMsgStatus(ctx, timed.MsgID)
	require.NoError(t, err)
	require.Len(t, st.Messages, 1, "the timer's message is kept")
	assert.Equal(t, pushsdk.StatusPending, st.Messages[0].Status)
	srv.Advance(time.Hour + time.Second)
	assert.Equal(t, "in an hour", srv.Received("3973380163216521844")[len(srv.Received("3973380163216521844"))-1].Msg, "and it fires")
	assert.LessOrEqual(t, len(srv.DefaultApp().Messages()), 3)
}

// TestAPIPagesAndDays: the messages list reaches the oldest message, a
// tag's members page from any start, and the statistics count each day on
// its own and the devices over the days.
func TestAPIPagesAndDays(t *testing.T) {
	start := time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC) // 12:00 in Beijing
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0), pushtest.WithFrozenClock(start), pushtest.WithRequireBinding())
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	ctx := context.Background()

	require.NoError(t, srv.Bind("11", "12"))
	_, err = c.CreateTag(ctx, "vip")
	require.NoError(t, err)
	_, err = c.AddDevicesToTag(ctx, "vip", []string{"12", "11"})
	require.NoError(t, err)
	var members page[string]
	getJSON(t, srv.URL, "/api/v1/tags/vip/members?start=1&limit=1", &members)
	assert.Equal(t, []string{"11"}, members.Items)
	assert.Equal(t, 2, members.Total)
	getJSON(t, srv.URL, "/api/v1/tags/vip/members?start=0&limit=1", &members)
	assert.Equal(t, []string{"12"}, members.Items)

	srv.Advance(48 * time.Hour)
	require.NoError(t, srv.Bind("13"))
	srv.Unbind("11")
	var ids []string
	for _, m := range []string{"first", "second", "third"} {
		res, err := c.PushMsgToSingleDevice(ctx, "12", m, nil)
		require.NoError(t, err)
		ids = append(ids, res.MsgID)
	}
	var msgs page[pushtest.MessageView]
	getJSON(t, srv.URL, "/api/v1/messages", &msgs)
	require.Equal(t, 3, msgs.Total)
	require.Len(t, msgs.Items, 3)
	assert.Equal(t, []string{ids[2], ids[1], ids[0]}, []string{msgs.Items[0].MsgID, msgs.Items[1].MsgID, msgs.Items[2].MsgID}, "newest first, down to the oldest")

	var stats pushtest.StatsView
	getJSON(t, srv.URL, "/api/v1/statistics", &stats)
	require.Len(t, stats.Days, 30)
	today, yesterday, first, before := stats.Days[29], stats.Days[28], stats.Days[27], stats.Days[26]
	assert.Equal(t, pushtest.DayStat{Day: first.Day, Bound: 2, TotalDevices: 2, Pushed: map[string]int64{}, Delivered: map[string]int64{}}, first)
	assert.Equal(t, pushtest.DayStat{Day: yesterday.Day, TotalDevices: 2, Pushed: map[string]int64{}, Delivered: map[string]int64{}}, yesterday)
	assert.Equal(t, pushtest.DayStat{Day: today.Day, Bound: 1, Unbound: 1, TotalDevices: 2,
		Pushed: map[string]int64{"unicast": 3}, Delivered: map[string]int64{"unicast": 3}}, today)
	assert.Zero(t, before.TotalDevices)
	assert.Equal(t, 24*time.Hour, today.Day.Sub(yesterday.Day))
}
