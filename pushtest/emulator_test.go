package pushtest_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const dev1, dev2, dev3 = "3973380163216521844", "3973380163216521843", "1000000000000000001"

func frozen() pushtest.Option { return pushtest.WithFrozenClock(time.Now().Truncate(time.Second)) }

func TestAuthentication(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	p := map[string]string{"tag": "x"}
	// Correct requests pass.
	c.ok("app/query_tags", nil)
	// A wrong secret, an unknown key, a tampered parameter: 30603.
	c.fail(req{path: "app/create_tag", params: p, secret: "wrong"}, 30603, 403)
	c.fail(req{path: "app/create_tag", params: map[string]string{"tag": "x", "apikey": "nosuchkey"}}, 30603, 403)
	c.fail(req{path: "app/create_tag", params: p, tamper: func(f url.Values) { f.Set("tag", "y") }}, 30603, 403)
	c.fail(req{path: "app/create_tag", params: p, tamper: func(f url.Values) { f.Set("sign", strings.ToUpper(f.Get("sign"))) }}, 30603, 403)
	// Signed over another URL (port, scheme or path): 30603.
	c.fail(req{path: "app/create_tag", params: p, signURL: strings.Replace(c.srv.URL, "http:", "https:", 1) + "/rest/3.0/app/create_tag"}, 30603, 403)
	c.fail(req{path: "app/create_tag", params: p, signURL: "http://api.push.baidu.com/rest/3.0/app/create_tag"}, 30603, 403)
	// Missing common parameters: 30602.
	r := c.fail(req{path: "app/create_tag", params: p, tamper: func(f url.Values) { f.Del("sign") }}, 30602, 400)
	assert.Equal(t, "Request Params Not Valid, sign: is required", r.msg())
	c.fail(req{path: "app/create_tag", params: p, tamper: func(f url.Values) { f.Del("timestamp") }}, 30602, 400)
	c.fail(req{path: "app/create_tag", params: p, tamper: func(f url.Values) { f.Del("apikey") }}, 30602, 400)
	// Extra parameters are signed and otherwise ignored: the Python SDK
	// posts its secret as secretKey.
	c.ok("app/create_tag", map[string]string{"tag": "py", "secretKey": c.secret, "whatever": "1"})
	// A parameter given twice is refused.
	c.fail(req{path: "app/create_tag", params: p, tamper: func(f url.Values) { f.Add("tag", "x") }}, 30602, 400)
}

func TestTimestampWindowAndExpires(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	now := c.srv.Now().Unix()
	c.ok("app/query_tags", nil)
	for _, ts := range []int64{now - 600, now + 600} {
		r := c.do(req{path: "app/query_tags", timestamp: ts})
		assert.Equal(t, 200, r.status, "timestamp %+d is inside the window", ts-now)
	}
	for _, ts := range []int64{now - 601, now + 601, 1} {
		r := c.fail(req{path: "app/query_tags", timestamp: ts}, 30606, 408)
		assert.Contains(t, r.msg(), "Request Time Expires Timeout")
	}
	// expires in the future: fine; past (and after timestamp): 30606.
	c.ok("app/query_tags", map[string]string{"expires": strconv.FormatInt(now+30, 10)})
	c.fail(req{path: "app/query_tags", params: map[string]string{"expires": strconv.FormatInt(now-1, 10)}, timestamp: now - 10}, 30606, 408)
	// expires at or below timestamp is ignored (the official samples send 300).
	c.ok("app/query_tags", map[string]string{"expires": "300"})
	c.ok("app/query_tags", map[string]string{"expires": strconv.FormatInt(now, 10)})
	c.fail(req{path: "app/query_tags", params: map[string]string{"expires": "soon"}}, 30602, 400)
	// After Advance, old timestamps are stale.
	c.srv.Advance(11 * time.Minute)
	c.fail(req{path: "app/query_tags", timestamp: now}, 30606, 408)
	c.ok("app/query_tags", nil)
}

func TestMethodsPathsAndAgent(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	// GET is taken on query endpoints, signed with method GET.
	r := c.do(req{method: http.MethodGet, path: "tag/device_num", params: map[string]string{"tag": "default"}})
	assert.Equal(t, 200, r.status, r.body)
	// GET on a push, PUT anywhere: 30601.
	c.fail(req{method: http.MethodGet, path: "push/all", params: map[string]string{"msg": "m"}}, 30601, 405)
	c.fail(req{method: http.MethodPut, path: "app/query_tags"}, 30601, 405)
	// Unknown paths: 30605.
	c.fail(req{path: "push/nowhere"}, 30605, 404)
	c.fail(req{path: "push/all/"}, 30605, 404)
	resp, err := http.Post(c.srv.URL+"/rest/2.0/channel/channel", "application/x-www-form-urlencoded", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)
	// The User-Agent must start with BCCS_SDK/.
	r = c.fail(req{path: "app/query_tags", ua: ptr("Go-http-client/1.1")}, 30602, 400)
	assert.Contains(t, r.msg(), "User-Agent")
	c.fail(req{path: "app/query_tags", ua: ptr("")}, 30602, 400)
	// A POST body must be a form.
	c.fail(req{path: "app/query_tags", ctype: "application/json"}, 30602, 400)
}

func TestProxyFormRequestIsSignedOverTheAbsoluteURL(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	host := strings.TrimPrefix(c.srv.URL, "http://")
	send := func(signURL string) int {
		ts := strconv.FormatInt(c.srv.Now().Unix(), 10)
		p := map[string]string{"apikey": c.key, "timestamp": ts, "tag": "default"}
		p["sign"] = sign("POST", signURL, p, c.secret)
		form := url.Values{}
		for k, v := range p {
			form.Set(k, v)
		}
		body := form.Encode()
		conn, err := net.Dial("tcp", host)
		require.NoError(t, err)
		defer conn.Close()
		fmt.Fprintf(conn, "POST http://api.push.baidu.com/rest/3.0/tag/device_num HTTP/1.1\r\nHost: api.push.baidu.com\r\n"+
			"User-Agent: BCCS_SDK/3.0 proxy\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, send("http://api.push.baidu.com/rest/3.0/tag/device_num"))
	assert.Equal(t, 403, send("http://"+host+"/rest/3.0/tag/device_num"))
}

func TestParameterRules(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	c.ok("app/create_tag", map[string]string{"tag": "vip"})
	now := c.srv.Now().Unix()
	big := strings.Repeat("x", 4097)
	ids := func(n int) string {
		l := make([]string, n)
		for i := range l {
			l[i] = `"` + dev1 + `"`
		}
		return "[" + strings.Join(l, ",") + "]"
	}
	cases := []struct {
		path   string
		params map[string]string
		detail string
	}{
		{"push/single_device", map[string]string{"msg": "m"}, "channel_id: is required"},
		{"push/single_device", map[string]string{"channel_id": "12a", "msg": "m"}, "channel_id: must be 1-64 ASCII digits"},
		{"push/single_device", map[string]string{"channel_id": strings.Repeat("1", 65), "msg": "m"}, "channel_id"},
		{"push/single_device", map[string]string{"channel_id": dev1}, "msg: is required"},
		{"push/all", map[string]string{"msg": big}, "msg: must be at most 4096 bytes"},
		{"push/all", map[string]string{"msg": "m", "msg_type": "2"}, "msg_type: must be 0-1"},
		{"push/all", map[string]string{"msg": "m", "msg_type": "x"}, "msg_type: must be an integer"},
		{"push/all", map[string]string{"msg": "not json", "msg_type": "1"}, "msg: a notification must be a JSON object"},
		{"push/all", map[string]string{"msg": `{"title":"t"}`, "msg_type": "1"}, "description"},
		{"push/all", map[string]string{"msg": "m", "msg_expires": "604801"}, "msg_expires: must be 0-604800"},
		{"push/all", map[string]string{"msg": "m", "msg_expires": "-1"}, "msg_expires"},
		{"push/all", map[string]string{"msg": "m", "deploy_status": "3"}, "deploy_status: must be 1-2"},
		{"push/all", map[string]string{"msg": "m", "send_time": strconv.FormatInt(now+60, 10)}, "send_time: must be more than 60 s"},
		{"push/all", map[string]string{"msg": "m", "send_time": strconv.FormatInt(now+366*86400, 10)}, "send_time"},
		{"push/tags", map[string]string{"tag": "vip", "msg": "m"}, "type: is required"},
		{"push/tags", map[string]string{"type": "2", "tag": "vip", "msg": "m"}, "tag: is not taken with type 2"}, // changed on purpose: type 2 is a smart tag now
		{"push/tags", map[string]string{"type": "1", "tag": strings.Repeat("t", 129), "msg": "m"}, "tag: must be 1-128 bytes"},
		{"push/batch_device", map[string]string{"channel_ids": ids(10001), "msg": "m"}, "channel_ids: must hold 1-10000 entries"},
		{"push/batch_device", map[string]string{"channel_ids": "[]", "msg": "m"}, "channel_ids: must hold 1-10000"},
		{"push/batch_device", map[string]string{"channel_ids": dev1, "msg": "m"}, "channel_ids: must be a JSON array"},
		{"push/batch_device", map[string]string{"channel_ids": `["x"]`, "msg": "m"}, "is not a channel id"},
		{"push/batch_device", map[string]string{"channel_ids": `["1"]`, "msg": "m", "topic_id": "a b"}, "topic_id: must be 1-128 letters"},
		{"report/query_msg_status", nil, "msg_id: is required"},
		{"report/query_msg_status", map[string]string{"msg_id": "abc"}, "msg_id"},
		{"report/query_timer_records", map[string]string{"timer_id": "1", "limit": "101"}, "limit: must be 1-100"},
		{"report/query_timer_records", map[string]string{"timer_id": "1", "start": "-1"}, "start"},
		{"report/query_topic_records", map[string]string{"topic_id": "t", "range_start": "200", "range_end": "100"}, "range_start: must not be after range_end"},
		{"report/query_topic_records", map[string]string{}, "topic_id: is required"},
		{"timer/query_list", map[string]string{"limit": "0"}, "limit"},
		{"timer/cancel", nil, "timer_id: is required"},
		{"topic/query_list", map[string]string{"start": "x"}, "start"},
		{"app/create_tag", nil, "tag: is required"},
		{"tag/add_devices", map[string]string{"tag": "vip", "channel_ids": ids(11)}, "channel_ids: must hold 1-10 entries"},
		{"tag/del_devices", map[string]string{"tag": "vip"}, "channel_ids: is required"},
		{"report/statistic_msg", map[string]string{"query_type": "8"}, "query_type"},
		{"report/statistic_msg", map[string]string{"query_type": "[1,9]"}, "query_type"},
		{"report/statistic_topic", nil, "topic_id: is required"},
		{"push/all", map[string]string{"msg": "m", "device_type": "5"}, "device_type: must be 3 or 4"},
	}
	for _, tc := range cases {
		r := c.fail(req{path: tc.path, params: tc.params}, 30602, 400)
		assert.True(t, strings.HasPrefix(r.msg(), "Request Params Not Valid, "), r.msg())
		assert.Contains(t, r.msg(), tc.detail, "%s %v", tc.path, tc.params)
	}
	// Several problems are reported together.
	r := c.fail(req{path: "push/single_device", params: map[string]string{"channel_id": "x", "msg_type": "5"}}, 30602, 400)
	assert.Contains(t, r.msg(), "channel_id")
	assert.Contains(t, r.msg(), "msg_type")
	assert.Contains(t, r.msg(), "msg: is required")
	// Spaces after commas are accepted; numbers count as ids.
	p := c.ok("push/batch_device", map[string]string{"channel_ids": `["` + dev1 + `", ` + dev2 + `]`, "msg": "m"})
	assert.NotEmpty(t, str(p["msg_id"]))
	// Boundaries pass.
	c.ok("push/all", map[string]string{"msg": strings.Repeat("x", 4096), "msg_expires": "604800", "deploy_status": "1"})
	c.ok("push/all", map[string]string{"msg": "m", "send_time": strconv.FormatInt(now+61, 10)})
	c.ok("push/all", map[string]string{"msg": "m", "msg_expires": "0"})
	c.ok("report/statistic_msg", map[string]string{"query_type": `["1", 2]`})
}

func TestPlatformRules(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen(), pushtest.WithPlatform(pushsdk.DeviceIOS), pushtest.WithMaxIOSMessageBytes(256))
	c.fail(req{path: "push/all", params: map[string]string{"msg": "m"}}, 30602, 400)
	r := c.fail(req{path: "push/all", params: map[string]string{"msg": `{"alert":"x"}`, "msg_type": "1"}}, 30602, 400)
	assert.Contains(t, r.msg(), "aps")
	long := `{"aps":{"alert":"` + strings.Repeat("a", 250) + `"}}`
	r = c.fail(req{path: "push/all", params: map[string]string{"msg": long, "msg_type": "1"}}, 30602, 400)
	assert.Contains(t, r.msg(), "256 bytes")
	c.ok("push/all", map[string]string{"msg": `{"aps":{"alert":"hi"}}`, "msg_type": "1"})
	c.ok("push/all", map[string]string{"msg": `{"aps":{"alert":"hi"}}`, "msg_type": "1", "device_type": "4"})
	// This app is iOS; naming Android gets 30620.
	c.fail(req{path: "push/all", params: map[string]string{"msg": `{"aps":{}}`, "msg_type": "1", "device_type": "3"}}, 30620, 403)

	// An app migrated from 2.0: one key, two platforms, picked by device_type.
	srv := c.srv
	_, err := srv.AddApp(c.key, c.secret, pushsdk.DeviceAndroid)
	require.NoError(t, err)
	c.ok("push/all", map[string]string{"msg": "pass-through", "device_type": "3"})
	_, err = srv.AddApp(c.key, "other secret", pushsdk.DeviceAndroid)
	assert.Error(t, err)
}

func TestTags(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	p := c.ok("app/create_tag", map[string]string{"tag": "测试/tag"})
	assert.Equal(t, map[string]any{"tag": "测试/tag", "result": float64(0)}, p)
	c.fail(req{path: "app/create_tag", params: map[string]string{"tag": "测试/tag"}}, 30610, 409)
	c.fail(req{path: "app/create_tag", params: map[string]string{"tag": "default"}}, 30619, 403)
	c.fail(req{path: "app/del_tag", params: map[string]string{"tag": "default"}}, 30619, 403)
	c.fail(req{path: "tag/add_devices", params: map[string]string{"tag": "default", "channel_ids": `["1"]`}}, 30619, 403)
	c.fail(req{path: "tag/del_devices", params: map[string]string{"tag": "default", "channel_ids": `["1"]`}}, 30619, 403)
	c.fail(req{path: "app/del_tag", params: map[string]string{"tag": "nope"}}, 30611, 404)
	c.fail(req{path: "tag/add_devices", params: map[string]string{"tag": "nope", "channel_ids": `["1"]`}}, 30611, 404)
	c.fail(req{path: "tag/del_devices", params: map[string]string{"tag": "nope", "channel_ids": `["1"]`}}, 30611, 404)
	c.fail(req{path: "tag/device_num", params: map[string]string{"tag": "nope"}}, 30611, 404)
	c.fail(req{path: "push/tags", params: map[string]string{"type": "1", "tag": "nope", "msg": "m"}}, 30611, 404)

	p = c.ok("tag/add_devices", map[string]string{"tag": "测试/tag", "channel_ids": `["` + dev1 + `","` + dev2 + `","` + dev1 + `"]`})
	assert.Equal(t, []any{
		map[string]any{"channel_id": dev1, "result": float64(0)},
		map[string]any{"channel_id": dev2, "result": float64(0)},
		map[string]any{"channel_id": dev1, "result": float64(1)},
	}, p["result"])
	assert.Equal(t, int64(2), num(c.ok("tag/device_num", map[string]string{"tag": "测试/tag"})["device_num"]))
	assert.Equal(t, int64(2), num(c.ok("tag/device_num", map[string]string{"tag": "default"})["device_num"]))
	p = c.ok("tag/del_devices", map[string]string{"tag": "测试/tag", "channel_ids": `["` + dev2 + `","` + dev3 + `"]`})
	assert.Equal(t, []any{
		map[string]any{"channel_id": dev2, "result": float64(0)},
		map[string]any{"channel_id": dev3, "result": float64(1)},
	}, p["result"])
	assert.Equal(t, int64(1), num(c.ok("tag/device_num", map[string]string{"tag": "测试/tag"})["device_num"]))

	p = c.ok("app/query_tags", nil)
	assert.Equal(t, int64(2), num(p["total_num"]))
	tags := list(p["result"])
	assert.Equal(t, "default", str(obj(tags[0])["tag"]))
	assert.Equal(t, "测试/tag", str(obj(tags[1])["tag"]))
	assert.NotEmpty(t, str(obj(tags[1])["tid"]))
	assert.Equal(t, c.srv.Now().Unix(), num(obj(tags[1])["create_time"]))
	p = c.ok("app/query_tags", map[string]string{"tag": "测试/tag"})
	assert.Len(t, list(p["result"]), 1)
	p = c.ok("app/query_tags", map[string]string{"start": "1", "limit": "1"})
	assert.Equal(t, int64(2), num(p["total_num"]))
	assert.Equal(t, "测试/tag", str(obj(list(p["result"])[0])["tag"]))

	assert.Equal(t, map[string]any{"tag": "测试/tag", "result": float64(0)}, c.ok("app/del_tag", map[string]string{"tag": "测试/tag"}))
	c.fail(req{path: "tag/device_num", params: map[string]string{"tag": "测试/tag"}}, 30611, 404)
}

func TestMessageLifecycle(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen(), pushtest.WithRequireBinding())
	require.NoError(t, c.srv.Bind(dev1, dev2))
	// An unbound id: 30608.
	r := c.fail(req{path: "push/single_device", params: map[string]string{"channel_id": dev3, "msg": "m"}}, 30608, 404)
	assert.Contains(t, r.msg(), "Bind Relation Not Found")

	p := c.ok("push/single_device", map[string]string{"channel_id": dev1, "msg": "hello 世界"})
	single := str(p["msg_id"])
	assert.Equal(t, c.srv.Now().Unix(), num(p["send_time"]))
	assert.Greater(t, len(single), 16, "msg ids exceed 2^53")
	p = c.ok("push/batch_device", map[string]string{"channel_ids": `["` + dev2 + `","` + dev3 + `"]`, "msg": "b"})
	batch := str(p["msg_id"])
	p = c.ok("push/batch_device", map[string]string{"channel_ids": `["` + dev3 + `"]`, "msg": "nobody"})
	none := str(p["msg_id"])

	status := func() map[string]int64 {
		p := c.ok("report/query_msg_status", map[string]string{"msg_id": `["` + single + `","` + batch + `","` + none + `"]`})
		out := map[string]int64{}
		assert.Equal(t, int64(3), num(p["total_num"]))
		for _, e := range list(p["result"]) {
			out[str(obj(e)["msg_id"])] = num(obj(e)["status"])*1000 + num(obj(e)["success"])
		}
		return out
	}
	assert.Equal(t, map[string]int64{single: 1000, batch: 1000, none: 1000}, status(), "pending")
	assert.Empty(t, c.srv.Received(dev1))
	c.srv.Advance(time.Second)
	assert.Equal(t, map[string]int64{single: 2000, batch: 2000, none: 2000}, status(), "sending")
	c.srv.Advance(time.Second)
	assert.Equal(t, map[string]int64{single: 1, batch: 1, none: 3000}, status(), "sent; failed for unbound ids")
	got := c.srv.Received(dev1)
	require.Len(t, got, 1)
	assert.Equal(t, "hello 世界", got[0].Msg)
	assert.Equal(t, pushsdk.RangeUnicast, got[0].RangeType)
	assert.Equal(t, 1, c.srv.DeliveryCount(dev2))
	assert.Equal(t, 0, c.srv.DeliveryCount(dev3))
	// One id sent as it is.
	p = c.ok("report/query_msg_status", map[string]string{"msg_id": single})
	assert.Equal(t, single, str(obj(list(p["result"])[0])["msg_id"]))

	// Broadcast and tag pushes reach bound devices; unbinding stops that.
	c.srv.Unbind(dev2)
	c.ok("push/all", map[string]string{"msg": "all"})
	c.srv.Advance(2 * time.Second)
	assert.Equal(t, 2, c.srv.DeliveryCount(dev1))
	assert.Equal(t, 1, c.srv.DeliveryCount(dev2))
	c.fail(req{path: "push/single_device", params: map[string]string{"channel_id": dev2, "msg": "m"}}, 30608, 404)
}

func TestDefaultModeBindsNewIDs(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen(), pushtest.WithDeliveryDelay(0, 0))
	c.ok("push/single_device", map[string]string{"channel_id": dev1, "msg": "m"})
	assert.Equal(t, 1, c.srv.DeliveryCount(dev1), "delivered at once with zero delay")
	assert.Equal(t, []string{dev1}, c.srv.DefaultApp().Devices())
	c.srv.Unbind(dev1)
	c.fail(req{path: "push/single_device", params: map[string]string{"channel_id": dev1, "msg": "m"}}, 30608, 404)
}

func TestTimers(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	require.NoError(t, c.srv.Bind(dev1))
	now := c.srv.Now().Unix()
	c.ok("app/create_tag", map[string]string{"tag": "vip"})
	c.ok("tag/add_devices", map[string]string{"tag": "vip", "channel_ids": `["` + dev1 + `"]`})
	p := c.ok("push/all", map[string]string{"msg": "later", "send_time": strconv.FormatInt(now+120, 10), "msg_type": "0"})
	timer := str(p["timer_id"])
	msgID := str(p["msg_id"])
	assert.Equal(t, now+120, num(p["send_time"]))
	p = c.ok("push/tags", map[string]string{"type": "1", "tag": "vip", "msg": `{"description":"d"}`, "msg_type": "1", "send_time": strconv.FormatInt(now+3600, 10)})
	tagTimer := str(p["timer_id"])

	p = c.ok("timer/query_list", nil)
	assert.Equal(t, int64(2), num(p["total_num"]))
	first := obj(list(p["result"])[0])
	assert.Equal(t, map[string]any{"timer_id": timer, "msg": "later", "send_time": float64(now + 120), "msg_type": float64(0), "range_type": float64(1)}, first)
	assert.Equal(t, float64(0), obj(list(p["result"])[1])["range_type"], "a tag timer")
	p = c.ok("timer/query_list", map[string]string{"timer_id": tagTimer})
	assert.Len(t, list(p["result"]), 1)

	// The scheduled message is pending until it runs.
	p = c.ok("report/query_msg_status", map[string]string{"msg_id": msgID})
	assert.Equal(t, int64(1), num(obj(list(p["result"])[0])["status"]))

	// Within 60 s of running, it cannot be cancelled.
	c.srv.Advance(61 * time.Second)
	c.fail(req{path: "timer/cancel", params: map[string]string{"timer_id": timer}}, 41004, 400)
	// It fires, leaves the list, sends, and keeps a record.
	c.srv.Advance(62 * time.Second)
	assert.Equal(t, 1, c.srv.DeliveryCount(dev1))
	got := c.srv.Received(dev1)
	assert.Equal(t, timer, got[0].TimerID)
	p = c.ok("timer/query_list", nil)
	assert.Equal(t, int64(1), num(p["total_num"]))
	c.fail(req{path: "timer/cancel", params: map[string]string{"timer_id": timer}}, 41005, 400)
	p = c.ok("report/query_timer_records", map[string]string{"timer_id": timer})
	assert.Equal(t, timer, str(p["timer_id"]))
	assert.Equal(t, []any{map[string]any{"msg_id": msgID, "status": float64(0), "send_time": float64(now + 120)}}, p["result"])
	p = c.ok("report/query_timer_records", map[string]string{"timer_id": timer, "range_end": strconv.FormatInt(now+100, 10)})
	assert.Empty(t, list(p["result"]), "outside the range")

	// Cancelling a pending timer removes it.
	r := c.do(req{path: "timer/cancel", params: map[string]string{"timer_id": tagTimer}})
	require.Equal(t, 200, r.status, r.body)
	assert.NotContains(t, r.env, "response_params")
	c.fail(req{path: "timer/cancel", params: map[string]string{"timer_id": tagTimer}}, 41001, 400)
	c.fail(req{path: "timer/cancel", params: map[string]string{"timer_id": "123"}}, 41001, 400)
	c.fail(req{path: "report/query_timer_records", params: map[string]string{"timer_id": "123"}}, 41001, 400)
	assert.Equal(t, int64(0), num(c.ok("timer/query_list", nil)["total_num"]))
	c.srv.Advance(2 * time.Hour)
	assert.Equal(t, 1, c.srv.DeliveryCount(dev1), "a cancelled timer never fires")

	// At most 10 pending timers.
	later := c.srv.Now().Unix() + 7200
	for i := 0; i < 10; i++ {
		c.ok("push/all", map[string]string{"msg": "t" + strconv.Itoa(i), "send_time": strconv.FormatInt(later, 10)})
	}
	c.fail(req{path: "push/all", params: map[string]string{"msg": "t10", "send_time": strconv.FormatInt(later, 10)}}, 41003, 400)
	c.ok("push/all", map[string]string{"msg": "immediate pushes are not timers"})
	p = c.ok("timer/query_list", map[string]string{"start": "8", "limit": "5"})
	assert.Equal(t, int64(10), num(p["total_num"]))
	assert.Len(t, list(p["result"]), 2)
}

func TestTopicsAndStatistics(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	c := newRaw(t, pushtest.WithFrozenClock(start), pushtest.WithDeliveryDelay(0, 0))
	require.NoError(t, c.srv.Bind(dev1, dev2))
	p := c.ok("push/batch_device", map[string]string{"channel_ids": `["` + dev1 + `","` + dev2 + `","` + dev3 + `"]`, "msg": "m", "topic_id": "news_1"})
	m1 := str(p["msg_id"])
	c.srv.Advance(24 * time.Hour)
	p = c.ok("push/batch_device", map[string]string{"channel_ids": `["` + dev1 + `"]`, "msg": "m2", "topic_id": "news_1"})
	m2 := str(p["msg_id"])
	c.ok("push/all", map[string]string{"msg": "b"})

	p = c.ok("topic/query_list", nil)
	assert.Equal(t, int64(1), num(p["total_num"]))
	assert.Equal(t, map[string]any{"topic_id": "news_1", "ctime": float64(start.Unix()), "mtime": float64(start.Unix() + 86400),
		"push_cnt": float64(4), "ack_cnt": float64(4)}, obj(list(p["result"])[0]))
	p = c.ok("report/query_topic_records", map[string]string{"topic_id": "news_1"})
	assert.Equal(t, "news_1", str(p["topic_id"]))
	recs := list(p["result"])
	require.Len(t, recs, 2)
	assert.Equal(t, m1, str(obj(recs[0])["msg_id"]))
	assert.Equal(t, m2, str(obj(recs[1])["msg_id"]))
	p = c.ok("report/query_topic_records", map[string]string{"topic_id": "news_1", "start": "1", "limit": "1"})
	assert.Len(t, list(p["result"]), 1)
	p = c.ok("report/query_topic_records", map[string]string{"topic_id": "unused"})
	assert.Empty(t, list(p["result"]))

	day0 := strconv.FormatInt(time.Date(2026, 3, 10, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).Unix(), 10)
	day1 := strconv.FormatInt(time.Date(2026, 3, 11, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).Unix(), 10)
	p = c.ok("report/statistic_topic", map[string]string{"topic_id": "news_1"})
	assert.Equal(t, int64(30), num(p["total_num"]))
	days := obj(p["result"])
	assert.Len(t, days, 30)
	assert.Equal(t, map[string]any{"ack": float64(3)}, days[day0], "dev3 was bound on first use")
	assert.Equal(t, map[string]any{"ack": float64(1)}, days[day1])

	p = c.ok("report/statistic_device", nil)
	days = obj(p["result"])
	assert.Len(t, days, 30)
	assert.Equal(t, map[string]any{"new_term": float64(3), "del_term": float64(0), "online_term": float64(-1), "addup_term": float64(3), "total_term": float64(3)}, days[day0])
	c.srv.Unbind(dev2)
	p = c.ok("report/statistic_device", nil)
	assert.Equal(t, map[string]any{"new_term": float64(0), "del_term": float64(1), "online_term": float64(-1), "addup_term": float64(3), "total_term": float64(2)}, obj(p["result"])[day1])

	p = c.ok("report/statistic_msg", map[string]string{"query_type": "2"})
	assert.Equal(t, int64(1), num(p["total_num"]))
	rs := obj(list(p["result"])[0])
	assert.Equal(t, float64(2), rs["range_type"])
	assert.Equal(t, map[string]any{"push": float64(3), "ack": float64(3), "del": float64(-1), "click": float64(-1)}, obj(rs["result"])[day0])
	p = c.ok("report/statistic_msg", nil)
	assert.Equal(t, int64(8), num(p["total_num"]))
	lbs := obj(list(p["result"])[5])
	assert.Equal(t, map[string]any{"push": float64(-1), "ack": float64(-1), "del": float64(-1), "click": float64(-1)}, obj(lbs["result"])[day1], "-1 where not available")
	bc := obj(list(p["result"])[1])
	assert.Equal(t, float64(3), obj(obj(bc["result"])[day1])["push"], "three devices were bound on day 1")
}

func TestFaults(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen(), pushtest.WithDeliveryDelay(0, 0))
	srv := c.srv
	srv.FailNext("push/single_device", 2, pushtest.Fault{Code: 30600})
	srv.FailNext("*", 1, pushtest.Fault{Status: 502})
	pushIt := req{path: "push/single_device", params: map[string]string{"channel_id": dev1, "msg": "m"}}
	r := c.fail(pushIt, 30600, 500)
	assert.Equal(t, "Internal Server Error, injected fault", r.msg())
	c.fail(pushIt, 30600, 500)
	r = c.do(pushIt)
	assert.Equal(t, 502, r.status)
	assert.Contains(t, r.body, "<html>")
	assert.Equal(t, 0, srv.DeliveryCount(dev1), "refused calls change nothing")
	c.ok(pushIt.path, pushIt.params)
	assert.Equal(t, 1, srv.DeliveryCount(dev1))

	// After processing: delivered, but the answer is lost.
	srv.FailNext("push/single_device", 1, pushtest.Fault{Drop: true, AfterProcessing: true})
	hr, _ := http.NewRequest(http.MethodPost, srv.URL+"/rest/3.0/push/single_device", strings.NewReader("x=1"))
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err := http.DefaultClient.Do(hr)
	assert.Error(t, err, "dropped connection")
	srv.FailNext("push/single_device", 1, pushtest.Fault{Code: 30699, AfterProcessing: true})
	c.fail(pushIt, 30699, 402)
	assert.Equal(t, 2, srv.DeliveryCount(dev1), "processed once, though answered with a fault")

	// Latency.
	srv.FailNext("app/query_tags", 1, pushtest.Fault{Delay: 150 * time.Millisecond})
	begin := time.Now()
	c.ok("app/query_tags", nil)
	assert.GreaterOrEqual(t, time.Since(begin), 150*time.Millisecond)

	// A custom body.
	srv.FailNext("app/query_tags", 1, pushtest.Fault{Status: 200, Body: `{"request_id":1,"response_params":{"total_num"`})
	resp, err := http.Post(srv.URL+"/rest/3.0/app/query_tags", "application/x-www-form-urlencoded", strings.NewReader("a=1"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, `{"request_id":1,"response_params":{"total_num"`, string(body))
	srv.ClearFaults()

	// Recorded requests.
	reqs := srv.RequestsTo("push/single_device")
	assert.GreaterOrEqual(t, len(reqs), 6)
	assert.Equal(t, 30600, reqs[0].Code)
	assert.Equal(t, dev1, reqs[0].Params.Get("channel_id"))
	assert.Equal(t, 500, reqs[0].Status)
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen(), pushtest.WithRateLimit(1, 3))
	codes := map[int]int{}
	for i := 0; i < 6; i++ {
		codes[c.do(req{path: "app/query_tags"}).code()]++
	}
	assert.Equal(t, 3, codes[0])
	assert.Equal(t, 3, codes[30699])
	r := c.fail(req{path: "app/query_tags"}, 30699, 402)
	assert.Equal(t, "Requests Are Too Frequent", r.msg())
}

func TestJSONIsASCIIWithEscapes(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	// An emoji needs a surrogate pair; the checks in do() verify ASCII-only.
	c.ok("app/create_tag", map[string]string{"tag": "a/b 🚀 中"})
	r := c.do(req{path: "app/query_tags", params: map[string]string{"tag": "a/b 🚀 中"}})
	assert.Contains(t, r.body, `"tag":"a\/b \ud83d\ude80 \u4e2d"`)
	assert.Equal(t, "a/b 🚀 中", str(obj(list(r.params()["result"])[0])["tag"]))
}
