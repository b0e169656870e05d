package pushsdk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestValidationBeforeSending checks every value rule of docs/PROTOCOL.md ("Value rules"): each
// bad call is a code-3 error naming exactly the bad fields, and nothing
// reaches the network.
func TestValidationBeforeSending(t *testing.T) {
	t.Parallel()
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "3973380163216521844"
		}
		return out
	}
	big := strings.Repeat("x", 4097)
	now := time.Now()
	bg := context.Background()
	cases := []struct {
		name   string
		opts   []pushsdk.Option
		call   func(c *pushsdk.Channel) error
		fields []string
	}{
		{"channel id letters", nil, func(c *pushsdk.Channel) error { _, err := c.PushMsgToSingleDevice(bg, "12ab", "m", nil); return err }, []string{"channel_id"}},
		{"channel id empty", nil, func(c *pushsdk.Channel) error { _, err := c.PushMsgToSingleDevice(bg, "", "m", nil); return err }, []string{"channel_id"}},
		{"channel id 65 digits", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSingleDevice(bg, strings.Repeat("1", 65), "m", nil)
			return err
		}, []string{"channel_id"}},
		{"empty msg and bad id at once", nil, func(c *pushsdk.Channel) error { _, err := c.PushMsgToSingleDevice(bg, "x", "", nil); return err }, []string{"channel_id", "msg"}},
		{"msg over 4096", nil, func(c *pushsdk.Channel) error { _, err := c.PushMsgToAll(bg, big, nil); return err }, []string{"msg"}},
		{"iOS msg over 256", []pushsdk.Option{pushsdk.WithDeviceType(pushsdk.DeviceIOS)}, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, `{"aps":{"alert":"`+strings.Repeat("a", 250)+`"}}`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
			return err
		}, []string{"msg"}},
		{"iOS pass-through", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{DeviceType: pushsdk.DeviceIOS})
			return err
		}, []string{"msg_type"}},
		{"iOS notification without aps", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, `{"alert":"x"}`, &pushsdk.PushOptions{DeviceType: pushsdk.DeviceIOS, MsgType: pushsdk.MsgTypeNotification})
			return err
		}, []string{"msg"}},
		{"android notification without description", []pushsdk.Option{pushsdk.WithDeviceType(pushsdk.DeviceAndroid)}, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, `{"title":"x"}`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
			return err
		}, []string{"msg"}},
		{"android notification empty description", []pushsdk.Option{pushsdk.WithDeviceType(pushsdk.DeviceAndroid)}, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, `{"description":""}`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
			return err
		}, []string{"msg"}},
		{"notification not an object", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, `["x"]`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
			return err
		}, []string{"msg"}},
		{"notification not JSON", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, `hello`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
			return err
		}, []string{"msg"}},
		{"msg type 2", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{MsgType: 2})
			return err
		}, []string{"msg_type"}},
		{"msg_expires too long", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{MsgExpires: 8 * 24 * time.Hour})
			return err
		}, []string{"msg_expires"}},
		{"msg_expires negative", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{MsgExpires: -time.Second})
			return err
		}, []string{"msg_expires"}},
		{"msg_expires fractional", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{MsgExpires: 1500 * time.Millisecond})
			return err
		}, []string{"msg_expires"}},
		{"online only and expires", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{MsgExpires: time.Hour, OnlineOnly: true})
			return err
		}, []string{"msg_expires"}},
		{"deploy status 3", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{DeployStatus: 3})
			return err
		}, []string{"deploy_status"}},
		{"deploy status 3 on batch", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushBatchUniMsg(bg, ids(1), "m", &pushsdk.PushOptions{DeployStatus: 3})
			return err
		}, []string{"deploy_status"}},
		{"smart tag type 1", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSmartTag(bg, 1, `{"tag":"a"}`, "m", nil)
			return err
		}, []string{"type"}},
		{"smart tag type 7", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSmartTag(bg, 7, `{"tag":"a"}`, "m", nil)
			return err
		}, []string{"type"}},
		{"smart tag empty selector", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSmartTag(bg, pushsdk.SmartTagCombination, " ", "m", nil)
			return err
		}, []string{"selector"}},
		{"smart tag selector not JSON", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSmartTag(bg, pushsdk.SmartTagLBS, `{"city":`, "m", nil)
			return err
		}, []string{"selector"}},
		{"smart tag with a topic", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSmartTag(bg, pushsdk.SmartTagAge, `{}`, "m", &pushsdk.PushOptions{TopicID: "t"})
			return err
		}, []string{"TopicID"}},
		{"smart tag, every problem at once", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSmartTag(bg, 0, "", "", &pushsdk.PushOptions{SendTime: now.Add(time.Minute)})
			return err
		}, []string{"type", "selector", "msg", "send_time"}},
		{"send time 60 s ahead", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{SendTime: now.Add(60 * time.Second)})
			return err
		}, []string{"send_time"}},
		{"send time in the past", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToTag(bg, "t", "m", &pushsdk.PushOptions{SendTime: now.Add(-time.Hour)})
			return err
		}, []string{"send_time"}},
		{"send time beyond a year", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{SendTime: now.Add(366 * 24 * time.Hour)})
			return err
		}, []string{"send_time"}},
		{"send time on single device", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSingleDevice(bg, "1", "m", &pushsdk.PushOptions{SendTime: now.Add(time.Hour)})
			return err
		}, []string{"SendTime"}},
		{"send time on batch", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushBatchUniMsg(bg, ids(1), "m", &pushsdk.PushOptions{SendTime: now.Add(time.Hour)})
			return err
		}, []string{"SendTime"}},
		{"topic on single device", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToSingleDevice(bg, "1", "m", &pushsdk.PushOptions{TopicID: "t"})
			return err
		}, []string{"TopicID"}},
		{"topic on broadcast", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{TopicID: "t"})
			return err
		}, []string{"TopicID"}},
		{"bad topic id", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushBatchUniMsg(bg, ids(1), "m", &pushsdk.PushOptions{TopicID: "a-b"})
			return err
		}, []string{"topic_id"}},
		{"topic id too long", nil, func(c *pushsdk.Channel) error {
			_, err := c.QueryStatisticTopic(bg, strings.Repeat("a", 129))
			return err
		}, []string{"topic_id"}},
		{"device type 5 in call", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{DeviceType: 5})
			return err
		}, []string{"DeviceType"}},
		{"batch of 10001", nil, func(c *pushsdk.Channel) error { _, err := c.PushBatchUniMsg(bg, ids(10001), "m", nil); return err }, []string{"channel_ids"}},
		{"batch empty", nil, func(c *pushsdk.Channel) error { _, err := c.PushBatchUniMsg(bg, nil, "m", nil); return err }, []string{"channel_ids"}},
		{"batch with bad id", nil, func(c *pushsdk.Channel) error {
			_, err := c.PushBatchUniMsg(bg, []string{"1", "x"}, "m", nil)
			return err
		}, []string{"channel_ids[1]"}},
		{"tag devices 11", nil, func(c *pushsdk.Channel) error { _, err := c.AddDevicesToTag(bg, "t", ids(11)); return err }, []string{"channel_ids"}},
		{"tag devices none", nil, func(c *pushsdk.Channel) error { _, err := c.DelDevicesFromTag(bg, "t", nil); return err }, []string{"channel_ids"}},
		{"tag empty", nil, func(c *pushsdk.Channel) error { _, err := c.CreateTag(bg, ""); return err }, []string{"tag"}},
		{"tag 129 bytes", nil, func(c *pushsdk.Channel) error {
			_, err := c.QueryDeviceNumInTag(bg, strings.Repeat("标", 43))
			return err
		}, []string{"tag"}},
		{"create default", nil, func(c *pushsdk.Channel) error { _, err := c.CreateTag(bg, "default"); return err }, []string{"tag"}},
		{"delete default", nil, func(c *pushsdk.Channel) error { _, err := c.DeleteTag(bg, "default"); return err }, []string{"tag"}},
		{"add to default", nil, func(c *pushsdk.Channel) error { _, err := c.AddDevicesToTag(bg, "default", ids(1)); return err }, []string{"tag"}},
		{"remove from default", nil, func(c *pushsdk.Channel) error { _, err := c.DelDevicesFromTag(bg, "default", ids(1)); return err }, []string{"tag"}},
		{"push to tag empty", nil, func(c *pushsdk.Channel) error { _, err := c.PushMsgToTag(bg, "", "m", nil); return err }, []string{"tag"}},
		{"no msg ids", nil, func(c *pushsdk.Channel) error { _, err := c.QueryMsgStatus(bg); return err }, []string{"msg_id"}},
		{"empty msg id", nil, func(c *pushsdk.Channel) error { _, err := c.QueryMsgStatus(bg, "1", ""); return err }, []string{"msg_id[1]"}},
		{"empty timer id", nil, func(c *pushsdk.Channel) error { _, err := c.QueryTimerRecords(bg, "", nil); return err }, []string{"timer_id"}},
		{"cancel empty timer", nil, func(c *pushsdk.Channel) error { _, err := c.CancelTimer(bg, ""); return err }, []string{"timer_id"}},
		{"negative start and big limit", nil, func(c *pushsdk.Channel) error {
			_, err := c.QueryTopicList(bg, &pushsdk.PageOptions{Start: -1, Limit: 101})
			return err
		}, []string{"start", "limit"}},
		{"negative limit", nil, func(c *pushsdk.Channel) error {
			_, err := c.QueryTags(bg, &pushsdk.TagsOptions{PageOptions: pushsdk.PageOptions{Limit: -5}})
			return err
		}, []string{"limit"}},
		{"timer list limit", nil, func(c *pushsdk.Channel) error {
			_, err := c.QueryTimerList(bg, &pushsdk.TimerListOptions{PageOptions: pushsdk.PageOptions{Limit: 1000}})
			return err
		}, []string{"limit"}},
		{"range order", nil, func(c *pushsdk.Channel) error {
			_, err := c.QueryTopicRecords(bg, "t", &pushsdk.RecordsOptions{RangeStart: now, RangeEnd: now.Add(-time.Hour)})
			return err
		}, []string{"range_start"}},
		{"query type 8", nil, func(c *pushsdk.Channel) error { _, err := c.QueryStatisticMsg(bg, 1, 8); return err }, []string{"query_type[1]"}},
		{"nil context", nil, func(c *pushsdk.Channel) error {
			//lint:ignore SA1012 a nil context must be refused, not panic
			_, err := c.QueryStatisticDevice(nil) //nolint:staticcheck
			return err
		}, []string{"ctx"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeService(t, nil)
			err := tc.call(f.channel(tc.opts...))
			require.Error(t, err)
			var ce *pushsdk.ChannelError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, pushsdk.CodeSDKParams, ce.Code)
			var ve *pushsdk.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.fields, fieldsOf(ve), "problems: %v", ve)
			assert.Zero(t, ce.HTTPStatus)
			assert.Empty(t, f.requests(), "nothing may reach the network")
			assert.True(t, (pushsdk.ErrorCode(err) == pushsdk.CodeSDKParams))
		})
	}
}

func TestValidationAcceptsBoundaries(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, func(*seen) reply { return ok(`{"msg_id":"1","send_time":1}`) })
	bg := context.Background()
	c := f.channel()
	ids := make([]string, 10000)
	for i := range ids {
		ids[i] = "1234567890123456789"
	}
	_, err := c.PushBatchUniMsg(bg, ids, strings.Repeat("x", 4096), &pushsdk.PushOptions{MsgExpires: 7 * 24 * time.Hour, TopicID: strings.Repeat("a", 128)})
	require.NoError(t, err)
	_, err = c.PushMsgToAll(bg, "m", &pushsdk.PushOptions{SendTime: time.Now().Add(62 * time.Second)})
	require.NoError(t, err)
	_, err = c.PushMsgToTag(bg, strings.Repeat("t", 128), "m", &pushsdk.PushOptions{SendTime: time.Now().Add(364 * 24 * time.Hour)})
	require.NoError(t, err)
	_, err = c.PushMsgToTag(bg, "default", "m", nil)
	require.NoError(t, err, "pushing to the default tag is allowed")
	ios := f.channel(pushsdk.WithDeviceType(pushsdk.DeviceIOS), pushsdk.WithMaxIOSMessageBytes(4096))
	_, err = ios.PushMsgToAll(bg, `{"aps":{"alert":"`+strings.Repeat("a", 3000)+`"}}`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err, "a raised iOS limit")
	// Without a platform, only the common rules apply.
	_, err = c.PushMsgToAll(bg, `{"title":"no description"}`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err)
	for _, r := range f.requests() {
		assert.Empty(t, r.Problems)
	}
	assert.Len(t, f.requests(), 6)
}

func TestValidationErrorText(t *testing.T) {
	t.Parallel()
	c, err := pushsdk.NewChannel("k", "s")
	require.NoError(t, err)
	_, err = c.PushMsgToSingleDevice(context.Background(), "abc", "", &pushsdk.PushOptions{TopicID: "x"})
	require.Error(t, err)
	assert.Equal(t, `pushsdk: SDK params error: channel_id: must be 1–64 ASCII digits, got "abc"; msg: must not be empty; `+
		`TopicID: not taken by push/single_device (only push/batch_device files under a topic) (code 3)`, err.Error())
	var ve *pushsdk.ValidationError
	require.True(t, errors.As(err, &ve))
	assert.Len(t, ve.Problems, 3)
}
