package pushsdk_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite README.md's conformance table from TestConformance")

// conformance is one row of the conformance table: something the official
// Python SDK's documentation (or the PHP or Java SDK, for the extras this
// project implements) offers, the Go that expresses it, and the exact wire
// parameters that Go produces.
type conformance struct {
	source string // "py", "php", "java", "rest": who documents it
	python string // the method or option as the official SDK spells it
	golang string // the Go that expresses it
	path   string // endpoint below /rest/3.0/; "" when nothing is sent
	call   func(c *pushsdk.Channel) error
	// params are the exact parameters sent besides apikey, timestamp and
	// sign (and expires, unless it is listed here).
	params map[string]string
	// refused names the Go field refused with code 3 when the SDK does not
	// send the option at all (the protocol has no such parameter).
	refused string
}

var bg = context.Background()

func pushOpts(o pushsdk.PushOptions) *pushsdk.PushOptions { return &o }

// conformanceRows lists, for every method of the Python SDK 3.0
// documentation, every option key it documents, and every PHP/Java extra
// pushsdk implements, the Go call and its wire parameters.
func conformanceRows(future time.Time) []conformance {
	const ft = "{SendTime.Unix()}" // replaced by the time sent
	ios := `{"aps":{"alert":"hi"}}`
	notif := `{"title":"t","description":"d"}`
	rs, re := time.Unix(1764000000, 0), time.Unix(1764086400, 0)
	return []conformance{
		// The Channel's own settings.
		{"py", "setApiKey(k) / setSecretKey(s)", "c.SetCredentials(apiKey, secretKey)", "app/query_tags", func(c *pushsdk.Channel) error {
			if err := c.SetCredentials(testKey2, testSecret2); err != nil {
				return err
			}
			_, err := c.QueryTags(bg, nil)
			return err
		}, map[string]string{"apikey": testKey2}, ""},
		{"py", "device_type (3 android, 4 iOS)", "WithDeviceType(pushsdk.DeviceIOS)", "push/all", func(c *pushsdk.Channel) error {
			ic, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost(hostOf(c)), pushsdk.WithDeviceType(pushsdk.DeviceIOS), pushsdk.WithRetry(pushsdk.RetryPolicy{}))
			if err != nil {
				return err
			}
			_, err = ic.PushMsgToAll(bg, ios, pushOpts(pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification}))
			return err
		}, map[string]string{"msg": ios, "msg_type": "1", "device_type": "4"}, ""},
		{"py", "device_type, for one call", "PushOptions.DeviceType", "push/all", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", pushOpts(pushsdk.PushOptions{DeviceType: pushsdk.DeviceAndroid}))
			return err
		}, map[string]string{"msg": "m", "device_type": "3"}, ""},
		{"py", "opts 'expires' (the samples' signature lifetime)", "WithSignatureTTL(300 * time.Second)", "push/all", func(c *pushsdk.Channel) error {
			tc, err := pushsdk.NewChannel(testKey, testSecret, pushsdk.WithHost(hostOf(c)), pushsdk.WithSignatureTTL(300*time.Second), pushsdk.WithRetry(pushsdk.RetryPolicy{}))
			if err != nil {
				return err
			}
			_, err = tc.PushMsgToAll(bg, "m", nil)
			return err
		}, map[string]string{"msg": "m", "expires": "{timestamp+300}"}, ""},

		// pushMsgToSingleDevice
		{"py", "pushMsgToSingleDevice(channel_id, msg)", "PushMsgToSingleDevice(ctx, channelID, msg, nil)", "push/single_device", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSingleDevice(bg, "3973380163216521844", "hello", nil)
			return err
		}, map[string]string{"channel_id": "3973380163216521844", "msg": "hello"}, ""},
		{"py", "pushMsgToSingleDevice opts msg_type", "PushOptions.MsgType", "push/single_device", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSingleDevice(bg, "1", notif, pushOpts(pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification}))
			return err
		}, map[string]string{"channel_id": "1", "msg": notif, "msg_type": "1"}, ""},
		{"py", "pushMsgToSingleDevice opts msg_expires", "PushOptions.MsgExpires", "push/single_device", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSingleDevice(bg, "1", "m", pushOpts(pushsdk.PushOptions{MsgExpires: time.Hour}))
			return err
		}, map[string]string{"channel_id": "1", "msg": "m", "msg_expires": "3600"}, ""},
		{"py", "pushMsgToSingleDevice opts deploy_status", "PushOptions.DeployStatus", "push/single_device", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSingleDevice(bg, "1", ios, pushOpts(pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, DeployStatus: pushsdk.DeployDevelopment}))
			return err
		}, map[string]string{"channel_id": "1", "msg": ios, "msg_type": "1", "deploy_status": "1"}, ""},
		{"py", "pushMsgToSingleDevice opts msg_topic", "— (push/single_device takes no topic; PushOptions.TopicID is refused)", "", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSingleDevice(bg, "1", "m", pushOpts(pushsdk.PushOptions{TopicID: "news"}))
			return err
		}, nil, "TopicID"},

		// pushMsgToAll
		{"py", "pushMsgToAll(msg)", "PushMsgToAll(ctx, msg, nil)", "push/all", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", nil)
			return err
		}, map[string]string{"msg": "m"}, ""},
		{"py", "pushMsgToAll opts msg_type", "PushOptions.MsgType", "push/all", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, notif, pushOpts(pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification}))
			return err
		}, map[string]string{"msg": notif, "msg_type": "1"}, ""},
		{"py", "pushMsgToAll opts msg_expires", "PushOptions.MsgExpires", "push/all", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", pushOpts(pushsdk.PushOptions{MsgExpires: 2 * time.Hour}))
			return err
		}, map[string]string{"msg": "m", "msg_expires": "7200"}, ""},
		{"py", "pushMsgToAll opts deploy_status", "PushOptions.DeployStatus", "push/all", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, ios, pushOpts(pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, DeployStatus: pushsdk.DeployProduction}))
			return err
		}, map[string]string{"msg": ios, "msg_type": "1", "deploy_status": "2"}, ""},
		{"py", "pushMsgToAll opts send_time", "PushOptions.SendTime", "push/all", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", pushOpts(pushsdk.PushOptions{SendTime: future}))
			return err
		}, map[string]string{"msg": "m", "send_time": ft}, ""},

		// pushMsgToTag
		{"py", "pushMsgToTag(tag, msg, type=1)", "PushMsgToTag(ctx, tag, msg, nil)", "push/tags", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToTag(bg, "beta testers", "m", nil)
			return err
		}, map[string]string{"tag": "beta testers", "type": "1", "msg": "m"}, ""},
		{"py", "pushMsgToTag opts msg_type", "PushOptions.MsgType", "push/tags", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToTag(bg, "t", notif, pushOpts(pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification}))
			return err
		}, map[string]string{"tag": "t", "type": "1", "msg": notif, "msg_type": "1"}, ""},
		{"py", "pushMsgToTag opts msg_expires", "PushOptions.MsgExpires", "push/tags", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToTag(bg, "t", "m", pushOpts(pushsdk.PushOptions{MsgExpires: time.Minute}))
			return err
		}, map[string]string{"tag": "t", "type": "1", "msg": "m", "msg_expires": "60"}, ""},
		{"py", "pushMsgToTag opts deploy_status", "PushOptions.DeployStatus", "push/tags", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToTag(bg, "t", ios, pushOpts(pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, DeployStatus: pushsdk.DeployDevelopment}))
			return err
		}, map[string]string{"tag": "t", "type": "1", "msg": ios, "msg_type": "1", "deploy_status": "1"}, ""},
		{"py", "pushMsgToTag opts send_time", "PushOptions.SendTime", "push/tags", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToTag(bg, "t", "m", pushOpts(pushsdk.PushOptions{SendTime: future}))
			return err
		}, map[string]string{"tag": "t", "type": "1", "msg": "m", "send_time": ft}, ""},

		// pushBatchUniMsg
		{"py", "pushBatchUniMsg(channel_ids, msg)", "PushBatchUniMsg(ctx, channelIDs, msg, nil)", "push/batch_device", func(c *pushsdk.Channel) error {
			_, err := c.PushBatchUniMsg(bg, []string{"3973380163216521844", "3973380163216521843"}, "m", nil)
			return err
		}, map[string]string{"channel_ids": `["3973380163216521844","3973380163216521843"]`, "msg": "m"}, ""},
		{"py", "pushBatchUniMsg opts msg_type", "PushOptions.MsgType", "push/batch_device", func(c *pushsdk.Channel) error {
			_, err := c.PushBatchUniMsg(bg, []string{"1"}, notif, pushOpts(pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification}))
			return err
		}, map[string]string{"channel_ids": `["1"]`, "msg": notif, "msg_type": "1"}, ""},
		{"py", "pushBatchUniMsg opts msg_expires", "PushOptions.MsgExpires", "push/batch_device", func(c *pushsdk.Channel) error {
			_, err := c.PushBatchUniMsg(bg, []string{"1"}, "m", pushOpts(pushsdk.PushOptions{MsgExpires: 7 * 24 * time.Hour}))
			return err
		}, map[string]string{"channel_ids": `["1"]`, "msg": "m", "msg_expires": "604800"}, ""},
		{"py", "pushBatchUniMsg opts deploy_status", "PushOptions.DeployStatus", "push/batch_device", func(c *pushsdk.Channel) error {
			_, err := c.PushBatchUniMsg(bg, []string{"1"}, ios, pushOpts(pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, DeployStatus: pushsdk.DeployDevelopment}))
			return err
		}, map[string]string{"channel_ids": `["1"]`, "msg": ios, "msg_type": "1", "deploy_status": "1"}, ""},
		{"py", "pushBatchUniMsg opts topic_id", "PushOptions.TopicID", "push/batch_device", func(c *pushsdk.Channel) error {
			_, err := c.PushBatchUniMsg(bg, []string{"1"}, "m", pushOpts(pushsdk.PushOptions{TopicID: "topic_1"}))
			return err
		}, map[string]string{"channel_ids": `["1"]`, "msg": "m", "topic_id": "topic_1"}, ""},

		// Reports, timers, topics.
		{"py", "queryMsgStatus(msg_id)", "QueryMsgStatus(ctx, msgID)", "report/query_msg_status", func(c *pushsdk.Channel) error {
			_, err := c.QueryMsgStatus(bg, "7205759403792793001")
			return err
		}, map[string]string{"msg_id": "7205759403792793001"}, ""},
		{"php", "queryMsgStatus([msg_id, …])", "QueryMsgStatus(ctx, msgIDs...)", "report/query_msg_status", func(c *pushsdk.Channel) error {
			_, err := c.QueryMsgStatus(bg, "1", "2")
			return err
		}, map[string]string{"msg_id": `["1","2"]`}, ""},
		{"py", "queryTimerRecords(timer_id)", "QueryTimerRecords(ctx, timerID, nil)", "report/query_timer_records", func(c *pushsdk.Channel) error {
			_, err := c.QueryTimerRecords(bg, "9007199254740993001", nil)
			return err
		}, map[string]string{"timer_id": "9007199254740993001"}, ""},
		{"py", "queryTimerRecords opts start, limit", "RecordsOptions.PageOptions{Start, Limit}", "report/query_timer_records", func(c *pushsdk.Channel) error {
			_, err := c.QueryTimerRecords(bg, "9", &pushsdk.RecordsOptions{PageOptions: pushsdk.PageOptions{Start: 20, Limit: 10}})
			return err
		}, map[string]string{"timer_id": "9", "start": "20", "limit": "10"}, ""},
		{"py", "queryTimerRecords opts range_start, range_end", "RecordsOptions{RangeStart, RangeEnd}", "report/query_timer_records", func(c *pushsdk.Channel) error {
			_, err := c.QueryTimerRecords(bg, "9", &pushsdk.RecordsOptions{RangeStart: rs, RangeEnd: re})
			return err
		}, map[string]string{"timer_id": "9", "range_start": "1764000000", "range_end": "1764086400"}, ""},
		{"py", "queryTimerList()", "QueryTimerList(ctx, nil)", "timer/query_list", func(c *pushsdk.Channel) error {
			_, err := c.QueryTimerList(bg, nil)
			return err
		}, map[string]string{}, ""},
		{"py", "queryTimerList opts timer_id, start, limit", "TimerListOptions{TimerID, PageOptions}", "timer/query_list", func(c *pushsdk.Channel) error {
			_, err := c.QueryTimerList(bg, &pushsdk.TimerListOptions{TimerID: "9", PageOptions: pushsdk.PageOptions{Start: 1, Limit: 5}})
			return err
		}, map[string]string{"timer_id": "9", "start": "1", "limit": "5"}, ""},
		{"rest", "timer/cancel (REST; not in the Python SDK)", "CancelTimer(ctx, timerID)", "timer/cancel", func(c *pushsdk.Channel) error {
			_, err := c.CancelTimer(bg, "9")
			return err
		}, map[string]string{"timer_id": "9"}, ""},
		{"py", "queryTopicRecords(topic_id)", "QueryTopicRecords(ctx, topicID, nil)", "report/query_topic_records", func(c *pushsdk.Channel) error {
			_, err := c.QueryTopicRecords(bg, "topic_1", nil)
			return err
		}, map[string]string{"topic_id": "topic_1"}, ""},
		{"py", "queryTopicRecords opts start, limit, range_start, range_end", "RecordsOptions{PageOptions, RangeStart, RangeEnd}", "report/query_topic_records", func(c *pushsdk.Channel) error {
			_, err := c.QueryTopicRecords(bg, "topic_1", &pushsdk.RecordsOptions{PageOptions: pushsdk.PageOptions{Start: 3, Limit: 100}, RangeStart: rs, RangeEnd: re})
			return err
		}, map[string]string{"topic_id": "topic_1", "start": "3", "limit": "100", "range_start": "1764000000", "range_end": "1764086400"}, ""},
		{"py", "queryTopicList()", "QueryTopicList(ctx, nil)", "topic/query_list", func(c *pushsdk.Channel) error {
			_, err := c.QueryTopicList(bg, nil)
			return err
		}, map[string]string{}, ""},
		{"py", "queryTopicList opts start, limit", "PageOptions{Start, Limit}", "topic/query_list", func(c *pushsdk.Channel) error {
			_, err := c.QueryTopicList(bg, &pushsdk.PageOptions{Start: 10, Limit: 10})
			return err
		}, map[string]string{"start": "10", "limit": "10"}, ""},

		// Tags.
		{"py", "createTag(tag)", "CreateTag(ctx, tag)", "app/create_tag", func(c *pushsdk.Channel) error {
			_, err := c.CreateTag(bg, "test_tag")
			return err
		}, map[string]string{"tag": "test_tag"}, ""},
		{"py", "deleteTag(tag)", "DeleteTag(ctx, tag)", "app/del_tag", func(c *pushsdk.Channel) error {
			_, err := c.DeleteTag(bg, "test_tag")
			return err
		}, map[string]string{"tag": "test_tag"}, ""},
		{"py", "queryTags()", "QueryTags(ctx, nil)", "app/query_tags", func(c *pushsdk.Channel) error {
			_, err := c.QueryTags(bg, nil)
			return err
		}, map[string]string{}, ""},
		{"py", "queryTags opts tag, start, limit", "TagsOptions{Tag, PageOptions}", "app/query_tags", func(c *pushsdk.Channel) error {
			_, err := c.QueryTags(bg, &pushsdk.TagsOptions{Tag: "vip", PageOptions: pushsdk.PageOptions{Start: 0, Limit: 1}})
			return err
		}, map[string]string{"tag": "vip", "limit": "1"}, ""},
		{"py", "addDevicesToTag(tag, channel_ids)", "AddDevicesToTag(ctx, tag, channelIDs)", "tag/add_devices", func(c *pushsdk.Channel) error {
			_, err := c.AddDevicesToTag(bg, "tag_new", []string{"1", "2"})
			return err
		}, map[string]string{"tag": "tag_new", "channel_ids": `["1","2"]`}, ""},
		{"py", "delDevicesFromTag(tag, channel_ids)", "DelDevicesFromTag(ctx, tag, channelIDs)", "tag/del_devices", func(c *pushsdk.Channel) error {
			_, err := c.DelDevicesFromTag(bg, "tag_new", []string{"2"})
			return err
		}, map[string]string{"tag": "tag_new", "channel_ids": `["2"]`}, ""},
		{"py", "queryDeviceNumInTag(tag)", "QueryDeviceNumInTag(ctx, tag)", "tag/device_num", func(c *pushsdk.Channel) error {
			_, err := c.QueryDeviceNumInTag(bg, "tag_new")
			return err
		}, map[string]string{"tag": "tag_new"}, ""},

		// Statistics.
		{"py", "queryStatisticDevice()", "QueryStatisticDevice(ctx)", "report/statistic_device", func(c *pushsdk.Channel) error {
			_, err := c.QueryStatisticDevice(bg)
			return err
		}, map[string]string{}, ""},
		{"py", "queryStatisticTopic(topic_id)", "QueryStatisticTopic(ctx, topicID)", "report/statistic_topic", func(c *pushsdk.Channel) error {
			_, err := c.QueryStatisticTopic(bg, "topic_1")
			return err
		}, map[string]string{"topic_id": "topic_1"}, ""},
		{"php", "queryStatisticMsg(query_type)", "QueryStatisticMsg(ctx, pushsdk.RangeBroadcast)", "report/statistic_msg", func(c *pushsdk.Channel) error {
			_, err := c.QueryStatisticMsg(bg, pushsdk.RangeBroadcast)
			return err
		}, map[string]string{"query_type": "1"}, ""},
		{"php", "queryStatisticMsg([0,1,7])", "QueryStatisticMsg(ctx, types...)", "report/statistic_msg", func(c *pushsdk.Channel) error {
			_, err := c.QueryStatisticMsg(bg, pushsdk.RangeTag, pushsdk.RangeBroadcast, pushsdk.RangeUnicast)
			return err
		}, map[string]string{"query_type": `["0","1","7"]`}, ""},

		// Smart tags (PHP pushToSmartTag, Java PushMsgToSmartTagRequest).
		{"php", "pushToSmartTag(type, msg, {selector})", "PushMsgToSmartTag(ctx, kind, selector, msg, nil)", "push/tags", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSmartTag(bg, pushsdk.SmartTagCombination, `{"OR":[{"tag":"a"},{"tag":"b"}]}`, "m", nil)
			return err
		}, map[string]string{"type": "6", "selector": `{"OR":[{"tag":"a"},{"tag":"b"}]}`, "msg": "m"}, ""},
		{"java", "PushMsgToSmartTagRequest type LBS (2)", "PushMsgToSmartTag(ctx, pushsdk.SmartTagLBS, selector, msg, nil)", "push/tags", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSmartTag(bg, pushsdk.SmartTagLBS, `{"lbs":1}`, "m", nil)
			return err
		}, map[string]string{"type": "2", "selector": `{"lbs":1}`, "msg": "m"}, ""},
		{"php", "pushToSmartTag opts msg_type, msg_expires, deploy_status", "PushOptions{MsgType, MsgExpires, DeployStatus}", "push/tags", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSmartTag(bg, pushsdk.SmartTagInterest, `{}`, ios, pushOpts(pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, MsgExpires: time.Hour, DeployStatus: pushsdk.DeployDevelopment}))
			return err
		}, map[string]string{"type": "3", "selector": `{}`, "msg": ios, "msg_type": "1", "msg_expires": "3600", "deploy_status": "1"}, ""},
		{"php", "pushToSmartTag opts send_time", "PushOptions.SendTime", "push/tags", func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSmartTag(bg, pushsdk.SmartTagSex, `{"sex":"f"}`, "m", pushOpts(pushsdk.PushOptions{SendTime: future}))
			return err
		}, map[string]string{"type": "5", "selector": `{"sex":"f"}`, "msg": "m", "send_time": ft}, ""},
	}
}

const (
	testKey2    = "TestApiKey0000000000000B"
	testSecret2 = "TestSecretKey000000000000000000T"
)

func hostOf(c *pushsdk.Channel) string { return pushsdk.BaseURLForTest(c) }

// TestConformance runs every row against the independent fake service and
// checks the exact parameters on the wire; a refused option is refused
// before anything is sent. It also holds README.md's conformance table to
// the rows.
func TestConformance(t *testing.T) {
	t.Parallel()
	future := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	rows := conformanceRows(future)
	for _, row := range rows {
		t.Run(row.python, func(t *testing.T) {
			f := newFakeService(t, func(s *seen) reply {
				if strings.HasPrefix(s.Path, "push/") {
					return ok(`{"msg_id":"1","send_time":1}`)
				}
				return ok(replyFor(s.Path))
			})
			f.secrets[testKey2] = testSecret2
			c := f.channel()
			err := row.call(c)
			if row.refused != "" {
				var ve *pushsdk.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, []string{row.refused}, fieldsOf(ve))
				assert.Empty(t, f.requests(), "nothing was sent")
				return
			}
			require.NoError(t, err)
			s := f.only()
			assert.Equal(t, row.path, s.Path)
			got := params(s)
			want := map[string]string{}
			for k, v := range row.params {
				want[k] = v
			}
			if want["expires"] == "{timestamp+300}" {
				ts, _ := strconv.ParseInt(s.Form.Get("timestamp"), 10, 64)
				want["expires"] = strconv.FormatInt(ts+300, 10)
			}
			if want["send_time"] == "{SendTime.Unix()}" {
				want["send_time"] = strconv.FormatInt(future.Unix(), 10)
			}
			if key, ok := want["apikey"]; ok {
				assert.Equal(t, key, s.Form.Get("apikey"))
				delete(want, "apikey")
			}
			assert.Equal(t, want, got)
		})
	}

	// The methods of the Python doc that send nothing: their Go.
	t.Run("getRequestId, getLastErrorCode, getLastErrorMsg", func(t *testing.T) {
		f := newFakeService(t, func(*seen) reply {
			return reply{404, `{"request_id":4242,"error_code":30611,"error_msg":"Tag Not Found, tag nope"}`}
		})
		_, err := f.channel().QueryDeviceNumInTag(bg, "nope")
		var ce *pushsdk.ChannelError
		require.True(t, errors.As(err, &ce))
		assert.Equal(t, int64(4242), ce.RequestID)         // getRequestId
		assert.Equal(t, 30611, pushsdk.ErrorCode(err))     // getLastErrorCode
		assert.Equal(t, "Tag Not Found, tag nope", ce.Msg) // getLastErrorMsg
	})

	table := renderConformance(rows)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	re := regexp.MustCompile(`(?s)<!-- conformance:begin -->\n.*<!-- conformance:end -->`)
	block := "<!-- conformance:begin -->\n" + table + "<!-- conformance:end -->"
	if *updateReadme {
		require.True(t, re.Match(readme), "README.md has no conformance markers")
		require.NoError(t, os.WriteFile("README.md", re.ReplaceAll(readme, []byte(block)), 0o644))
		return
	}
	assert.Contains(t, string(readme), block, "README.md's conformance table differs from the rows of TestConformance; run go test -run TestConformance -update-readme")
}

// replyFor is a minimal success answer for an endpoint.
func replyFor(path string) string {
	switch path {
	case "app/create_tag", "app/del_tag":
		return `{"tag":"t","result":0}`
	case "tag/add_devices", "tag/del_devices":
		return `{"result":[{"channel_id":"1","result":0},{"channel_id":"2","result":0}]}`
	case "tag/device_num":
		return `{"device_num":1}`
	case "report/statistic_device", "report/statistic_topic":
		return `{"total_num":0,"result":[]}`
	case "report/query_timer_records", "report/query_topic_records":
		return `{"result":[]}`
	}
	return `{"total_num":0,"result":[]}`
}

// renderConformance lays the rows out as README's markdown table.
func renderConformance(rows []conformance) string {
	var b strings.Builder
	b.WriteString("| from | official SDK | pushsdk | on the wire |\n|---|---|---|---|\n")
	for _, r := range rows {
		wire := "refused before sending (code 3, `" + r.refused + "`)"
		if r.refused == "" {
			wire = "`" + r.path + "`"
			for _, k := range slices.Sorted(maps.Keys(r.params)) {
				wire += " `" + strings.ReplaceAll(k+"="+r.params[k], "|", "\\|") + "`"
			}
		}
		fmt.Fprintf(&b, "| %s | `%s` | `%s` | %s |\n", r.source, r.python, r.golang, wire)
	}
	return b.String()
}
