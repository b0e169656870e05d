package pushtest_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSmartTagPush: push/tags with type 2-6 and a JSON selector is accepted,
// recorded with its type and selector, scheduled when asked, and reaches no
// device; its rules are those of docs/PROTOCOL.md ("Value rules").
func TestSmartTagPush(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	c.ok("push/single_device", map[string]string{"channel_id": dev1, "msg": "bind me"})
	for kind := 2; kind <= 6; kind++ {
		p := c.ok("push/tags", map[string]string{"type": strconv.Itoa(kind), "selector": `{"OR":[{"tag":"a"}]}`, "msg": "smart", "deploy_status": "1"})
		msgID := str(p["msg_id"])
		m, ok := c.srv.DefaultApp().Message(msgID)
		require.True(t, ok)
		assert.Equal(t, pushsdk.SmartTagType(kind), m.SmartTag)
		assert.Equal(t, `{"OR":[{"tag":"a"}]}`, m.Selector)
		assert.Empty(t, m.Tag)
		assert.Empty(t, m.Targets, "the selector's grammar is not published: no device is reached")
	}
	want := map[pushsdk.SmartTagType]pushsdk.RangeType{2: pushsdk.RangeLBS, 3: pushsdk.RangePrecise, 6: pushsdk.RangeTagCombination}
	for _, m := range c.srv.DefaultApp().Messages() {
		if rt, ok := want[m.SmartTag]; ok {
			assert.Equal(t, rt, m.RangeType, "smart tag %v", m.SmartTag)
		}
	}
	c.srv.Advance(3 * time.Second)
	assert.Len(t, c.srv.Received(dev1), 1, "only the single push reached the device")

	// A timed smart tag push is a timer.
	now := c.srv.Now().Unix()
	p := c.ok("push/tags", map[string]string{"type": "6", "selector": `{}`, "msg": "later", "send_time": strconv.FormatInt(now+3600, 10)})
	assert.NotEmpty(t, str(p["timer_id"]))
	assert.Equal(t, now+3600, num(p["send_time"]))

	for _, tc := range []struct {
		params map[string]string
		detail string
	}{
		{map[string]string{"type": "7", "selector": `{}`, "msg": "m"}, "type: must be 1 (a tag) or 2-6"},
		{map[string]string{"type": "0", "tag": "t", "msg": "m"}, "type: must be 1 (a tag) or 2-6"},
		{map[string]string{"type": "6", "msg": "m"}, "selector: is required"},
		{map[string]string{"type": "6", "selector": `{"a":`, "msg": "m"}, "selector: must be JSON"},
		{map[string]string{"type": "6", "selector": `{}`, "tag": "vip", "msg": "m"}, "tag: is not taken with type 6"},
		{map[string]string{"type": "1", "tag": "vip", "selector": `{}`, "msg": "m"}, "selector: is not taken with type 1"},
		{map[string]string{"type": "1", "msg": "m"}, "tag: is required"},
		{map[string]string{"type": "3", "selector": `{}`, "msg": "m", "deploy_status": "5"}, "deploy_status: must be 1-2"},
	} {
		r := c.fail(req{path: "push/tags", params: tc.params}, pushsdk.CodeInvalidParams, 400)
		assert.Contains(t, r.msg(), tc.detail)
	}
}

// TestDeployStatusOnBatchPush: push/batch_device takes deploy_status, as the
// Python doc lists and the PHP SDK sends, with its range checked.
func TestDeployStatusOnBatchPush(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen())
	c.ok("push/batch_device", map[string]string{"channel_ids": `["` + dev1 + `"]`, "msg": "m", "deploy_status": "1"})
	r := c.fail(req{path: "push/batch_device", params: map[string]string{"channel_ids": `["` + dev1 + `"]`, "msg": "m", "deploy_status": "3"}},
		pushsdk.CodeInvalidParams, 400)
	assert.Contains(t, r.msg(), "deploy_status: must be 1-2")
}

// TestWhatOfficialClientsSend: the emulator keeps accepting what the
// official SDKs and their users send, each case named for its sender.
func TestWhatOfficialClientsSend(t *testing.T) {
	t.Parallel()

	t.Run("PHP SDK: JSON numbers in lists", func(t *testing.T) {
		t.Parallel()
		c := newRaw(t, frozen())
		p := c.ok("push/batch_device", map[string]string{"channel_ids": `[3973380163216521844,3973380163216521843]`, "msg": "m"})
		assert.NotEmpty(t, p["msg_id"])
		c.srv.Advance(3 * time.Second)
		assert.Len(t, c.srv.Received("3973380163216521844"), 1)
		assert.Len(t, c.srv.Received("3973380163216521843"), 1)
		p = c.ok("report/statistic_msg", map[string]string{"query_type": `[0,1,7]`})
		ranges := list(p["result"])
		require.Len(t, ranges, 3)
		assert.Equal(t, int64(7), num(obj(ranges[2])["range_type"]))
		c.ok("app/create_tag", map[string]string{"tag": "php"})
		p = c.ok("tag/add_devices", map[string]string{"tag": "php", "channel_ids": `[3973380163216521844]`})
		assert.Equal(t, "3973380163216521844", str(obj(list(p["result"])[0])["channel_id"]))
		// Not numbers: fractions and negatives are refused.
		c.fail(req{path: "push/batch_device", params: map[string]string{"channel_ids": `[1.5]`, "msg": "m"}}, pushsdk.CodeInvalidParams, 400)
		c.fail(req{path: "push/batch_device", params: map[string]string{"channel_ids": `[-1]`, "msg": "m"}}, pushsdk.CodeInvalidParams, 400)
	})

	t.Run("Python SDK: secretKey in the body", func(t *testing.T) {
		t.Parallel()
		c := newRaw(t, frozen())
		p := c.ok("push/all", map[string]string{"msg": "m", "secretKey": c.secret})
		assert.NotEmpty(t, p["msg_id"], "accepted: signed like any other parameter")
		for _, r := range c.srv.RequestsTo("push/all") {
			assert.Equal(t, "***", r.Params.Get("secretKey"), "masked in the request log")
		}
		// An error answer never echoes it either.
		r := c.fail(req{path: "push/all", params: map[string]string{"secretKey": c.secret}}, pushsdk.CodeInvalidParams, 400)
		assert.NotContains(t, r.body, c.secret)
		r = c.fail(req{path: "push/all", params: map[string]string{"msg": "m", "secretKey": c.secret}, secret: "wrong"}, pushsdk.CodeAuthFailed, 403)
		assert.NotContains(t, r.body, c.secret)
	})

	t.Run("REST clients: GET for queries", func(t *testing.T) {
		t.Parallel()
		c := newRaw(t, frozen())
		for _, path := range []string{"app/query_tags", "tag/device_num", "timer/query_list", "topic/query_list", "report/statistic_device", "report/query_msg_status"} {
			params := map[string]string{}
			switch path {
			case "tag/device_num":
				params["tag"] = "default"
			case "report/query_msg_status":
				params["msg_id"] = "1"
			}
			r := c.do(req{method: http.MethodGet, path: path, params: params})
			assert.Equal(t, 200, r.status, "%s: %s", path, r.body)
		}
		c.fail(req{method: http.MethodGet, path: "app/create_tag", params: map[string]string{"tag": "x"}}, pushsdk.CodeMethodNotAllowed, 405)
	})

	t.Run("hand-written JSON: spaces after commas", func(t *testing.T) {
		t.Parallel()
		c := newRaw(t, frozen())
		p := c.ok("push/batch_device", map[string]string{"channel_ids": `[ "` + dev1 + `", "` + dev2 + `" ]`, "msg": "m"})
		assert.NotEmpty(t, p["msg_id"])
		p = c.ok("report/query_msg_status", map[string]string{"msg_id": `["` + str(p["msg_id"]) + `", "1"]`})
		assert.Equal(t, int64(1), num(p["total_num"]))
		p = c.ok("report/statistic_msg", map[string]string{"query_type": `["1", "2"]`})
		assert.Len(t, list(p["result"]), 2)
		assert.True(t, strings.HasPrefix(c.srv.RequestsTo("report/statistic_msg")[0].Params.Get("query_type"), `["1", `))
	})
}
