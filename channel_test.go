package pushsdk_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// future is a send time comfortably inside the allowed window.
var future = time.Now().Add(2 * time.Hour).Truncate(time.Second)

// TestEndpointsOnTheWire calls every method once and checks the exact path
// and parameter set the independent fake service received, and the decoded
// result.
func TestEndpointsOnTheWire(t *testing.T) {
	t.Parallel()
	notif := `{"title":"hi","description":"新版本 ~ v2.0*"}`
	cases := []struct {
		name   string
		call   func(c *pushsdk.Channel) (any, error)
		path   string
		params map[string]string
		reply  string
		want   any
	}{
		{
			name: "PushMsgToSingleDevice",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.PushMsgToSingleDevice(context.Background(), "3973380163216521844", "hello", nil)
			},
			path:   "push/single_device",
			params: map[string]string{"channel_id": "3973380163216521844", "msg": "hello"},
			reply:  `{"msg_id":"8374598374598374598","send_time":1700000000}`,
			want:   &pushsdk.PushResult{RequestID: 987654321012, MsgID: "8374598374598374598", SendTime: time.Unix(1700000000, 0).UTC()},
		},
		{
			name: "PushMsgToSingleDevice all options",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.PushMsgToSingleDevice(context.Background(), "1", `{"aps":{"alert":"x"}}`, &pushsdk.PushOptions{
					MsgType: pushsdk.MsgTypeNotification, MsgExpires: time.Hour, DeployStatus: pushsdk.DeployDevelopment, DeviceType: pushsdk.DeviceIOS,
				})
			},
			path: "push/single_device",
			params: map[string]string{"channel_id": "1", "msg": `{"aps":{"alert":"x"}}`, "msg_type": "1", "msg_expires": "3600",
				"deploy_status": "1", "device_type": "4"},
			reply: `{"msg_id":12,"send_time":"1700000001"}`,
			want:  &pushsdk.PushResult{RequestID: 987654321012, MsgID: "12", SendTime: time.Unix(1700000001, 0).UTC()},
		},
		{
			name: "PushMsgToAll online only",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.PushMsgToAll(context.Background(), "m", &pushsdk.PushOptions{OnlineOnly: true})
			},
			path:   "push/all",
			params: map[string]string{"msg": "m", "msg_expires": "0"},
			reply:  `{"msg_id":"1","send_time":1}`,
			want:   &pushsdk.PushResult{RequestID: 987654321012, MsgID: "1", SendTime: time.Unix(1, 0).UTC()},
		},
		{
			name: "PushMsgToAll timed",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.PushMsgToAll(context.Background(), "m", &pushsdk.PushOptions{SendTime: future})
			},
			path:   "push/all",
			params: map[string]string{"msg": "m", "send_time": strconv.FormatInt(future.Unix(), 10)},
			reply:  `{"msg_id":"5","send_time":` + strconv.FormatInt(future.Unix(), 10) + `,"timer_id":"9007199254740993"}`,
			want:   &pushsdk.PushResult{RequestID: 987654321012, MsgID: "5", SendTime: future.UTC(), TimerID: "9007199254740993"},
		},
		{
			name: "PushMsgToTag",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.PushMsgToTag(context.Background(), "beta testers", notif, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
			},
			path:   "push/tags",
			params: map[string]string{"type": "1", "tag": "beta testers", "msg": notif, "msg_type": "1"},
			reply:  `{"msg_id":"77","send_time":1700000000}`,
			want:   &pushsdk.PushResult{RequestID: 987654321012, MsgID: "77", SendTime: time.Unix(1700000000, 0).UTC()},
		},
		{
			name: "PushBatchUniMsg",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.PushBatchUniMsg(context.Background(), []string{"3973380163216521844", "3973380163216521843"}, "m",
					&pushsdk.PushOptions{TopicID: "topic_1", MsgExpires: 300 * time.Second})
			},
			path:   "push/batch_device",
			params: map[string]string{"channel_ids": `["3973380163216521844","3973380163216521843"]`, "msg": "m", "topic_id": "topic_1", "msg_expires": "300"},
			reply:  `{"msg_id":18446744073709551615,"send_time":1700000000}`,
			want:   &pushsdk.PushResult{RequestID: 987654321012, MsgID: "18446744073709551615", SendTime: time.Unix(1700000000, 0).UTC()},
		},
		{
			name: "PushBatchUniMsg deploy status",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.PushBatchUniMsg(context.Background(), []string{"1"}, `{"aps":{"alert":"x"}}`,
					&pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, DeployStatus: pushsdk.DeployProduction})
			},
			path:   "push/batch_device",
			params: map[string]string{"channel_ids": `["1"]`, "msg": `{"aps":{"alert":"x"}}`, "msg_type": "1", "deploy_status": "2"},
			reply:  `{"msg_id":"1","send_time":1700000000}`,
			want:   &pushsdk.PushResult{RequestID: 987654321012, MsgID: "1", SendTime: time.Unix(1700000000, 0).UTC()},
		},
		{
			name: "PushMsgToSmartTag",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.PushMsgToSmartTag(context.Background(), pushsdk.SmartTagCombination, `{"OR":[{"tag":"vip"},{"tag":"beta"}]}`, notif,
					&pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, MsgExpires: time.Hour, DeployStatus: pushsdk.DeployDevelopment})
			},
			path: "push/tags",
			params: map[string]string{"type": "6", "selector": `{"OR":[{"tag":"vip"},{"tag":"beta"}]}`, "msg": notif, "msg_type": "1",
				"msg_expires": "3600", "deploy_status": "1"},
			reply: `{"msg_id":"78","send_time":1700000000}`,
			want:  &pushsdk.PushResult{RequestID: 987654321012, MsgID: "78", SendTime: time.Unix(1700000000, 0).UTC()},
		},
		{
			name: "PushMsgToSmartTag timed",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.PushMsgToSmartTag(context.Background(), pushsdk.SmartTagLBS, `{"city":"北京"}`, "m", &pushsdk.PushOptions{SendTime: future})
			},
			path:   "push/tags",
			params: map[string]string{"type": "2", "selector": `{"city":"北京"}`, "msg": "m", "send_time": strconv.FormatInt(future.Unix(), 10)},
			reply:  `{"msg_id":"79","send_time":` + strconv.FormatInt(future.Unix(), 10) + `,"timer_id":"9007199254740994"}`,
			want:   &pushsdk.PushResult{RequestID: 987654321012, MsgID: "79", SendTime: future.UTC(), TimerID: "9007199254740994"},
		},
		{
			name:   "QueryMsgStatus one id",
			call:   func(c *pushsdk.Channel) (any, error) { return c.QueryMsgStatus(context.Background(), "12345") },
			path:   "report/query_msg_status",
			params: map[string]string{"msg_id": "12345"},
			reply:  `{"total_num":1,"result":[{"msg_id":"12345","status":0,"send_time":1700000000,"success":250}]}`,
			want: &pushsdk.MsgStatusResult{RequestID: 987654321012, TotalNum: 1, Messages: []pushsdk.MsgStatusEntry{
				{MsgID: "12345", Status: pushsdk.StatusSent, SendTime: time.Unix(1700000000, 0).UTC(), Success: 250}}},
		},
		{
			name:   "QueryMsgStatus many ids",
			call:   func(c *pushsdk.Channel) (any, error) { return c.QueryMsgStatus(context.Background(), "1", "2") },
			path:   "report/query_msg_status",
			params: map[string]string{"msg_id": `["1","2"]`},
			reply:  `{"total_num":2,"result":[{"msg_id":1,"status":1,"send_time":0,"success":0},{"msg_id":"2","status":3,"send_time":5,"success":0}]}`,
			want: &pushsdk.MsgStatusResult{RequestID: 987654321012, TotalNum: 2, Messages: []pushsdk.MsgStatusEntry{
				{MsgID: "1", Status: pushsdk.StatusPending}, {MsgID: "2", Status: pushsdk.StatusFailed, SendTime: time.Unix(5, 0).UTC()}}},
		},
		{
			name: "QueryTimerRecords",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.QueryTimerRecords(context.Background(), "555", &pushsdk.RecordsOptions{
					PageOptions: pushsdk.PageOptions{Start: 10, Limit: 20}, RangeStart: time.Unix(1000, 0), RangeEnd: time.Unix(2000, 0)})
			},
			path:   "report/query_timer_records",
			params: map[string]string{"timer_id": "555", "start": "10", "limit": "20", "range_start": "1000", "range_end": "2000"},
			reply:  `{"timer_id":"555","result":[{"msg_id":"9","status":0,"send_time":1500}]}`,
			want: &pushsdk.TimerRecords{RequestID: 987654321012, TimerID: "555", Records: []pushsdk.Record{
				{MsgID: "9", Status: pushsdk.StatusSent, SendTime: time.Unix(1500, 0).UTC()}}},
		},
		{
			name: "QueryTopicRecords",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.QueryTopicRecords(context.Background(), "topic_1", nil)
			},
			path:   "report/query_topic_records",
			params: map[string]string{"topic_id": "topic_1"},
			reply:  `{"topic_id":"topic_1","result":[]}`,
			want:   &pushsdk.TopicRecords{RequestID: 987654321012, TopicID: "topic_1", Records: []pushsdk.Record{}},
		},
		{
			name: "QueryTimerList",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.QueryTimerList(context.Background(), &pushsdk.TimerListOptions{TimerID: "42", PageOptions: pushsdk.PageOptions{Limit: 5}})
			},
			path:   "timer/query_list",
			params: map[string]string{"timer_id": "42", "limit": "5"},
			reply:  `{"total_num":1,"result":[{"timer_id":"42","msg":"m \/ \u4e2d","send_time":1700000100,"msg_type":1,"range_type":1}]}`,
			want: &pushsdk.TimerList{RequestID: 987654321012, TotalNum: 1, Timers: []pushsdk.Timer{
				{TimerID: "42", Msg: "m / 中", SendTime: time.Unix(1700000100, 0).UTC(), MsgType: pushsdk.MsgTypeNotification, RangeType: pushsdk.RangeBroadcast}}},
		},
		{
			name:   "CancelTimer",
			call:   func(c *pushsdk.Channel) (any, error) { return c.CancelTimer(context.Background(), "42") },
			path:   "timer/cancel",
			params: map[string]string{"timer_id": "42"},
			reply:  `null`,
			want:   &pushsdk.CancelResult{RequestID: 987654321012},
		},
		{
			name: "QueryTopicList",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.QueryTopicList(context.Background(), &pushsdk.PageOptions{Limit: 10})
			},
			path:   "topic/query_list",
			params: map[string]string{"limit": "10"},
			reply:  `{"total_num":1,"result":[{"topic_id":"t","ctime":100,"mtime":200,"push_cnt":3,"ack_cnt":-1}]}`,
			want: &pushsdk.TopicList{RequestID: 987654321012, TotalNum: 1, Topics: []pushsdk.Topic{
				{TopicID: "t", FirstSent: time.Unix(100, 0).UTC(), LastSent: time.Unix(200, 0).UTC(), PushCount: 3, AckCount: -1}}},
		},
		{
			name:   "QueryTags",
			call:   func(c *pushsdk.Channel) (any, error) { return c.QueryTags(context.Background(), nil) },
			path:   "app/query_tags",
			params: map[string]string{},
			reply:  `{"total_num":1,"result":[{"tid":"7","tag":"default","info":"default","type":2,"create_time":1400000000}]}`,
			want: &pushsdk.TagList{RequestID: 987654321012, TotalNum: 1, Tags: []pushsdk.Tag{
				{TID: "7", Name: "default", Info: "default", Type: 2, CreateTime: time.Unix(1400000000, 0).UTC()}}},
		},
		{
			name: "QueryTags by name",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.QueryTags(context.Background(), &pushsdk.TagsOptions{Tag: "vip"})
			},
			path:   "app/query_tags",
			params: map[string]string{"tag": "vip"},
			reply:  `{"total_num":1,"tags":[{"tid":8,"tag":"vip","info":"","type":1,"createtime":"1400000001"}]}`,
			want: &pushsdk.TagList{RequestID: 987654321012, TotalNum: 1, Tags: []pushsdk.Tag{
				{TID: "8", Name: "vip", Type: 1, CreateTime: time.Unix(1400000001, 0).UTC()}}},
		},
		{
			name:   "CreateTag",
			call:   func(c *pushsdk.Channel) (any, error) { return c.CreateTag(context.Background(), "test_tag") },
			path:   "app/create_tag",
			params: map[string]string{"tag": "test_tag"},
			reply:  `{"tag":"test_tag","result":0}`,
			want:   &pushsdk.TagResult{RequestID: 987654321012, Tag: "test_tag", OK: true},
		},
		{
			name:   "DeleteTag",
			call:   func(c *pushsdk.Channel) (any, error) { return c.DeleteTag(context.Background(), "test_tag") },
			path:   "app/del_tag",
			params: map[string]string{"tag": "test_tag"},
			reply:  `{"tag":"test_tag","result":1}`,
			want:   &pushsdk.TagResult{RequestID: 987654321012, Tag: "test_tag", OK: false},
		},
		{
			name: "AddDevicesToTag",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.AddDevicesToTag(context.Background(), "tag_new", []string{"0000000000000000001", "0000000000000000002"})
			},
			path:   "tag/add_devices",
			params: map[string]string{"tag": "tag_new", "channel_ids": `["0000000000000000001","0000000000000000002"]`},
			reply:  `{"result":[{"channel_id":"0000000000000000001","result":0},{"channel_id":"0000000000000000002","result":1}]}`,
			want: &pushsdk.DeviceResults{RequestID: 987654321012, Devices: []pushsdk.DeviceResult{
				{ChannelID: "0000000000000000001", OK: true}, {ChannelID: "0000000000000000002", OK: false}}},
		},
		{
			name: "DelDevicesFromTag",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.DelDevicesFromTag(context.Background(), "tag_new", []string{"1"})
			},
			path:   "tag/del_devices",
			params: map[string]string{"tag": "tag_new", "channel_ids": `["1"]`},
			reply:  `{"devices":[{"channel_id":1,"result":0}]}`,
			want:   &pushsdk.DeviceResults{RequestID: 987654321012, Devices: []pushsdk.DeviceResult{{ChannelID: "1", OK: true}}},
		},
		{
			name:   "QueryDeviceNumInTag",
			call:   func(c *pushsdk.Channel) (any, error) { return c.QueryDeviceNumInTag(context.Background(), "default") },
			path:   "tag/device_num",
			params: map[string]string{"tag": "default"},
			reply:  `{"device_num":123}`,
			want:   &pushsdk.DeviceNum{RequestID: 987654321012, DeviceNum: 123},
		},
		{
			name:   "QueryStatisticDevice",
			call:   func(c *pushsdk.Channel) (any, error) { return c.QueryStatisticDevice(context.Background()) },
			path:   "report/statistic_device",
			params: map[string]string{},
			reply: `{"total_num":2,"result":{"1430064000":{"new_term":1,"del_term":0,"online_term":-1,"addup_term":5,"total_term":4},` +
				`"1429977600":{"new_term":3,"del_term":1,"online_term":2,"addup_term":4,"total_term":3}}}`,
			want: &pushsdk.DeviceStatistics{RequestID: 987654321012, TotalNum: 2, Days: []pushsdk.DeviceStat{
				{Day: beijingDay(1429977600), New: 3, Deleted: 1, Online: 2, Cumulative: 4, Total: 3},
				{Day: beijingDay(1430064000), New: 1, Deleted: 0, Online: -1, Cumulative: 5, Total: 4}}},
		},
		{
			name:   "QueryStatisticTopic",
			call:   func(c *pushsdk.Channel) (any, error) { return c.QueryStatisticTopic(context.Background(), "topic_1") },
			path:   "report/statistic_topic",
			params: map[string]string{"topic_id": "topic_1"},
			reply:  `{"total_num":2,"result":{"1430064000":{"ack":-1},"1429977600":{"ack":7}}}`,
			want: &pushsdk.TopicStatistics{RequestID: 987654321012, TotalNum: 2, Days: []pushsdk.TopicStat{
				{Day: beijingDay(1429977600), Ack: 7}, {Day: beijingDay(1430064000), Ack: -1}}},
		},
		{
			name: "QueryStatisticMsg",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.QueryStatisticMsg(context.Background(), pushsdk.RangeBroadcast, pushsdk.RangeBatch)
			},
			path:   "report/statistic_msg",
			params: map[string]string{"query_type": `["1","2"]`},
			reply: `{"total_num":2,"result":[{"range_type":1,"total_num":1,"result":{"1429977600":{"push":10,"ack":8,"del":-1,"click":-1}}},` +
				`{"range_type":2,"total_num":0,"result":[]}]}`,
			want: &pushsdk.MsgStatistics{RequestID: 987654321012, TotalNum: 2, Ranges: []pushsdk.RangeStatistics{
				{RangeType: pushsdk.RangeBroadcast, TotalNum: 1, Days: []pushsdk.MsgStat{{Day: beijingDay(1429977600), Push: 10, Ack: 8, Del: -1, Click: -1}}},
				{RangeType: pushsdk.RangeBatch, TotalNum: 0, Days: []pushsdk.MsgStat{}}}},
		},
		{
			name: "QueryStatisticMsg one type",
			call: func(c *pushsdk.Channel) (any, error) {
				return c.QueryStatisticMsg(context.Background(), pushsdk.RangeUnicast)
			},
			path:   "report/statistic_msg",
			params: map[string]string{"query_type": "7"},
			reply:  `{"total_num":0,"result":[]}`,
			want:   &pushsdk.MsgStatistics{RequestID: 987654321012, Ranges: []pushsdk.RangeStatistics{}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeService(t, func(*seen) reply { return ok(tc.reply) })
			got, err := tc.call(f.channel())
			require.NoError(t, err)
			s := f.only()
			assert.Equal(t, tc.path, s.Path)
			assert.Equal(t, tc.params, params(s))
			assert.Equal(t, tc.want, got)
		})
	}
}

func beijingDay(ts int64) time.Time { return time.Unix(ts, 0).In(time.FixedZone("CST", 8*3600)) }

func TestCommonParameters(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, nil)
	fixed := time.Unix(time.Now().Unix(), 0)
	c := f.channel(pushsdk.WithDeviceType(pushsdk.DeviceAndroid), pushsdk.WithSignatureTTL(90*time.Second),
		pushsdk.WithClockForTest(func() time.Time { return fixed }), pushsdk.WithUserAgent("myapp/2.1"))
	_, err := c.CancelTimer(ctx(t), "1")
	require.NoError(t, err)
	s := f.only()
	assert.Equal(t, testKey, s.Form.Get("apikey"))
	assert.Equal(t, strconv.FormatInt(fixed.Unix(), 10), s.Form.Get("timestamp"))
	assert.Equal(t, strconv.FormatInt(fixed.Unix()+90, 10), s.Form.Get("expires"))
	assert.Equal(t, "3", s.Form.Get("device_type"))
	assert.Regexp(t, `^[0-9a-f]{32}$`, s.Form.Get("sign"))
	wantUA := fmt.Sprintf("BCCS_SDK/3.0 (%s; %s) Go/%s (Baidu Push Server SDK for Go v%s) myapp/2.1",
		runtime.GOOS, runtime.GOARCH, strings.TrimPrefix(runtime.Version(), "go"), pushsdk.Version)
	assert.Equal(t, wantUA, s.UserAgent)

	// Without the options neither expires nor device_type is sent.
	f2 := newFakeService(t, nil)
	_, err = f2.channel().CancelTimer(ctx(t), "1")
	require.NoError(t, err)
	s2 := f2.only()
	assert.NotContains(t, s2.Form, "expires")
	assert.NotContains(t, s2.Form, "device_type")
	assert.Len(t, s2.Form, 4, "apikey, timestamp, sign, timer_id: %v", s2.Form)
}

func TestPerCallDeviceTypeOverridesChannel(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, func(*seen) reply { return ok(`{"msg_id":"1","send_time":1}`) })
	c := f.channel(pushsdk.WithDeviceType(pushsdk.DeviceAndroid))
	_, err := c.PushMsgToAll(ctx(t), `{"aps":{"alert":"hi"}}`, &pushsdk.PushOptions{DeviceType: pushsdk.DeviceIOS, MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err)
	assert.Equal(t, "4", f.only().Form.Get("device_type"))
}

func TestSetCredentialsRotatesKeys(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, nil)
	f.secrets["NewKey000000000000000000"] = "NewSecret0000000000000000000000X"
	c := f.channel()
	_, err := c.CancelTimer(ctx(t), "1")
	require.NoError(t, err)
	require.NoError(t, c.SetCredentials("NewKey000000000000000000", "NewSecret0000000000000000000000X"))
	_, err = c.CancelTimer(ctx(t), "1")
	require.NoError(t, err)
	reqs := f.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, testKey, reqs[0].Form.Get("apikey"))
	assert.Equal(t, "NewKey000000000000000000", reqs[1].Form.Get("apikey"))
	for _, r := range reqs {
		assert.Empty(t, r.Problems)
	}
	assert.Equal(t, "NewKey000000000000000000", pushsdk.APIKeyForTest(c))

	err = c.SetCredentials("", "x")
	assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	assert.Equal(t, "NewKey000000000000000000", pushsdk.APIKeyForTest(c), "a refused rotation changes nothing")
}

func TestNewChannelRejectsBadSetup(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		key, secret string
		opts        []pushsdk.Option
		want        string
	}{
		"empty key":           {"", "s", nil, "empty API key"},
		"empty secret":        {"k", " ", nil, "empty secret key"},
		"both empty":          {"", "", nil, "empty API key and secret key"},
		"scheme":              {"k", "s", []pushsdk.Option{pushsdk.WithHost("ftp://x")}, "scheme must be http or https"},
		"query":               {"k", "s", []pushsdk.Option{pushsdk.WithHost("http://x/?a=1")}, "query"},
		"empty host":          {"k", "s", []pushsdk.Option{pushsdk.WithHost("")}, "empty host"},
		"port":                {"k", "s", []pushsdk.Option{pushsdk.WithHost("http://x:99999")}, "port"},
		"port 65536":          {"k", "s", []pushsdk.Option{pushsdk.WithHost("http://x:65536")}, "bad port"},
		"port 0":              {"k", "s", []pushsdk.Option{pushsdk.WithHost("http://x:0")}, "bad port"},
		"device type":         {"k", "s", []pushsdk.Option{pushsdk.WithDeviceType(5)}, "neither"},
		"timeout":             {"k", "s", []pushsdk.Option{pushsdk.WithTimeout(0)}, "not positive"},
		"connect timeout":     {"k", "s", []pushsdk.Option{pushsdk.WithConnectTimeout(-1)}, "not positive"},
		"ios bytes":           {"k", "s", []pushsdk.Option{pushsdk.WithMaxIOSMessageBytes(5000)}, "256…4096"},
		"ttl":                 {"k", "s", []pushsdk.Option{pushsdk.WithSignatureTTL(time.Millisecond)}, "shorter than one second"},
		"retry":               {"k", "s", []pushsdk.Option{pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: -1})}, "negative"},
		"nil client":          {"k", "s", []pushsdk.Option{pushsdk.WithHTTPClient(nil)}, "nil client"},
		"nil option":          {"k", "s", []pushsdk.Option{nil}, "nil"},
		"control in UA":       {"k", "s", []pushsdk.Option{pushsdk.WithUserAgent("a\nb")}, "control character"},
		"rate limit":          {"k", "s", []pushsdk.Option{pushsdk.WithRateLimit(0, 1)}, "perSecond"},
		"nil clock":           {"k", "s", []pushsdk.Option{pushsdk.WithClockForTest(nil)}, "nil clock"},
		"user info in host":   {"k", "s", []pushsdk.Option{pushsdk.WithHost("http://u:p@x")}, `host "http://***@x": a user or password in the URL is not allowed`},
		"no host in host url": {"k", "s", []pushsdk.Option{pushsdk.WithHost("http://")}, "no host"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := pushsdk.NewChannel(tc.key, tc.secret, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			var ce *pushsdk.ChannelError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, pushsdk.CodeSDKInit, ce.Code)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestHostForms(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                            "https://api.push.baidu.com",
		"api.tuisong.baidu.com":       "https://api.tuisong.baidu.com",
		"http://127.0.0.1:8088":       "http://127.0.0.1:8088",
		"http://127.0.0.1:8088/":      "http://127.0.0.1:8088",
		"HTTPS://Example.com:8443/x/": "https://Example.com:8443/x",
		"127.0.0.1:9000":              "https://127.0.0.1:9000",
		"http://127.0.0.1:65535":      "http://127.0.0.1:65535", // the exact limits
		"http://127.0.0.1:1":          "http://127.0.0.1:1",
	} {
		var opts []pushsdk.Option
		if in != "" {
			opts = append(opts, pushsdk.WithHost(in))
		}
		c, err := pushsdk.NewChannel("k", "s", opts...)
		require.NoError(t, err, in)
		assert.Equal(t, want, pushsdk.BaseURLForTest(c), in)
	}
}

func TestHTTPClientIsUsed(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, nil)
	var hits int
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		hits++
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := f.channel(pushsdk.WithHTTPClient(hc))
	_, err := c.CancelTimer(ctx(t), "1")
	require.NoError(t, err)
	assert.Equal(t, 1, hits)
	f.only()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestEnumStrings(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "android", pushsdk.DeviceAndroid.String())
	assert.Equal(t, "ios", pushsdk.DeviceIOS.String())
	assert.Equal(t, "DeviceType(9)", pushsdk.DeviceType(9).String())
	assert.Equal(t, "message", pushsdk.MsgTypeMessage.String())
	assert.Equal(t, "notification", pushsdk.MsgTypeNotification.String())
	assert.Equal(t, "MsgType(2)", pushsdk.MsgType(2).String())
	assert.Equal(t, "development", pushsdk.DeployDevelopment.String())
	assert.Equal(t, "production", pushsdk.DeployProduction.String())
	assert.Equal(t, "DeployStatus(0)", pushsdk.DeployStatus(0).String())
	for kind, want := range map[pushsdk.SmartTagType]string{pushsdk.SmartTagLBS: "lbs", pushsdk.SmartTagInterest: "interest",
		pushsdk.SmartTagAge: "age", pushsdk.SmartTagSex: "sex", pushsdk.SmartTagCombination: "combination", 1: "SmartTagType(1)", 7: "SmartTagType(7)"} {
		assert.Equal(t, want, kind.String())
	}
	assert.Equal(t, []string{"sent", "pending", "sending", "failed", "MsgStatus(4)"},
		[]string{pushsdk.StatusSent.String(), pushsdk.StatusPending.String(), pushsdk.StatusSending.String(), pushsdk.StatusFailed.String(), pushsdk.MsgStatus(4).String()})
	var names []string
	for r := pushsdk.RangeTag; r <= pushsdk.RangeUnicast+1; r++ {
		names = append(names, r.String())
	}
	assert.Equal(t, []string{"tag", "broadcast", "batch", "tag_combination", "precise", "lbs", "reserved", "unicast", "RangeType(8)"}, names)
	assert.Equal(t, "RangeType(-1)", pushsdk.RangeType(-1).String())
}
