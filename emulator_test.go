package pushsdk_test

import (
	"context"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the SDK against the emulator, for what a stateless fake
// cannot show: state, error codes from real rules, and that retries never
// deliver a push twice. The wire itself is checked independently in
// channel_test.go.

func newEmulator(t *testing.T, opts ...pushtest.Option) (*pushtest.Server, *pushsdk.Channel) {
	t.Helper()
	srv := pushtest.NewServer(append([]pushtest.Option{pushtest.WithFrozenClock(time.Now().Truncate(time.Second))}, opts...)...)
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel(fastRetry)
	require.NoError(t, err)
	return srv, c
}

func TestAgainstEmulatorTagLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t)
	bg := context.Background()
	created, err := c.CreateTag(bg, "beta testers")
	require.NoError(t, err)
	assert.True(t, created.OK)
	assert.NotZero(t, created.RequestID)
	_, err = c.CreateTag(bg, "beta testers")
	assert.Equal(t, pushsdk.CodeDuplicateOperation, pushsdk.ErrorCode(err))

	added, err := c.AddDevicesToTag(bg, "beta testers", []string{"1", "2", "1"})
	require.NoError(t, err)
	assert.Equal(t, []pushsdk.DeviceResult{{ChannelID: "1", OK: true}, {ChannelID: "2", OK: true}, {ChannelID: "1", OK: false}}, added.Devices)
	assert.Equal(t, []string{"1"}, rejectedIDs(added))
	n, err := c.QueryDeviceNumInTag(bg, "beta testers")
	require.NoError(t, err)
	assert.Equal(t, int64(2), n.DeviceNum)
	removed, err := c.DelDevicesFromTag(bg, "beta testers", []string{"2", "3"})
	require.NoError(t, err)
	assert.Equal(t, []pushsdk.DeviceResult{{ChannelID: "2", OK: true}, {ChannelID: "3", OK: false}}, removed.Devices)

	tags, err := c.QueryTags(bg, nil)
	require.NoError(t, err)
	require.Len(t, tags.Tags, 2)
	assert.Equal(t, "default", tags.Tags[0].Name)
	assert.Equal(t, "beta testers", tags.Tags[1].Name)
	assert.Equal(t, srv.Now().Unix(), tags.Tags[1].CreateTime.Unix())

	res, err := c.PushMsgToTag(bg, "beta testers", `{"title":"hi","description":"新版本"}`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err)
	srv.Advance(2 * time.Second)
	got := srv.Received("1")
	require.Len(t, got, 1)
	assert.Equal(t, res.MsgID, got[0].MsgID)
	assert.Equal(t, 0, srv.DeliveryCount("2"))

	_, err = c.DeleteTag(bg, "beta testers")
	require.NoError(t, err)
	_, err = c.PushMsgToTag(bg, "beta testers", "m", nil)
	assert.Equal(t, pushsdk.CodeTagNotFound, pushsdk.ErrorCode(err))
	var ce *pushsdk.ChannelError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 404, ce.HTTPStatus)
	assert.NotZero(t, ce.RequestID)
}

func TestAgainstEmulatorTimersAndStatus(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t)
	bg := context.Background()
	require.NoError(t, srv.Bind("3973380163216521844"))
	res, err := c.PushMsgToAll(bg, "msg to all", &pushsdk.PushOptions{SendTime: srv.Now().Add(70 * time.Second)})
	require.NoError(t, err)
	require.NotEmpty(t, res.TimerID)
	list, err := c.QueryTimerList(bg, nil)
	require.NoError(t, err)
	require.Len(t, list.Timers, 1)
	assert.Equal(t, pushsdk.Timer{TimerID: res.TimerID, Msg: "msg to all", SendTime: res.SendTime, RangeType: pushsdk.RangeBroadcast}, list.Timers[0])

	srv.Advance(10 * time.Second)
	_, err = c.CancelTimer(bg, res.TimerID)
	assert.Equal(t, pushsdk.CodeTimerCannotCancel, pushsdk.ErrorCode(err), "60 s before its run time it can no longer be cancelled")

	srv.Advance(120 * time.Second)
	recs, err := c.QueryTimerRecords(bg, res.TimerID, nil)
	require.NoError(t, err)
	require.Len(t, recs.Records, 1)
	assert.Equal(t, pushsdk.Record{MsgID: res.MsgID, Status: pushsdk.StatusSent, SendTime: res.SendTime}, recs.Records[0])
	st, err := c.QueryMsgStatus(bg, res.MsgID)
	require.NoError(t, err)
	assert.Equal(t, []pushsdk.MsgStatusEntry{{MsgID: res.MsgID, Status: pushsdk.StatusSent, SendTime: res.SendTime, Success: 1}}, st.Messages)
	_, err = c.CancelTimer(bg, res.TimerID)
	assert.Equal(t, pushsdk.CodeTimerHasBeenExecuted, pushsdk.ErrorCode(err))

	// A pending timer far enough ahead can be cancelled, once.
	res2, err := c.PushMsgToAll(bg, "later", &pushsdk.PushOptions{SendTime: srv.Now().Add(time.Hour)})
	require.NoError(t, err)
	cancelled, err := c.CancelTimer(bg, res2.TimerID)
	require.NoError(t, err)
	assert.NotZero(t, cancelled.RequestID)
	_, err = c.CancelTimer(bg, res2.TimerID)
	assert.Equal(t, pushsdk.CodeTimerNotExist, pushsdk.ErrorCode(err))
}

func TestAgainstEmulatorTopicsAndStatistics(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
	bg := context.Background()
	res, err := c.PushBatchUniMsg(bg, []string{"3973380163216521844", "3973380163216521843"}, "m", &pushsdk.PushOptions{TopicID: "topic_1"})
	require.NoError(t, err)
	topics, err := c.QueryTopicList(bg, &pushsdk.PageOptions{Limit: 10})
	require.NoError(t, err)
	require.Len(t, topics.Topics, 1)
	assert.Equal(t, pushsdk.Topic{TopicID: "topic_1", FirstSent: res.SendTime, LastSent: res.SendTime, PushCount: 2, AckCount: 2}, topics.Topics[0])
	recs, err := c.QueryTopicRecords(bg, "topic_1", nil)
	require.NoError(t, err)
	assert.Equal(t, []pushsdk.Record{{MsgID: res.MsgID, Status: pushsdk.StatusSent, SendTime: res.SendTime}}, recs.Records)

	ts, err := c.QueryStatisticTopic(bg, "topic_1")
	require.NoError(t, err)
	require.Len(t, ts.Days, 30)
	assert.Equal(t, int64(2), ts.Days[29].Ack)
	for i := 1; i < len(ts.Days); i++ {
		assert.True(t, ts.Days[i-1].Day.Before(ts.Days[i].Day), "days ascending")
	}
	ds, err := c.QueryStatisticDevice(bg)
	require.NoError(t, err)
	assert.Equal(t, pushsdk.DeviceStat{Day: ds.Days[29].Day, New: 2, Online: -1, Cumulative: 2, Total: 2}, ds.Days[29])
	assert.Equal(t, 0, ds.Days[29].Day.Hour(), "a day starts at 00:00 Beijing time")
	ms, err := c.QueryStatisticMsg(bg, pushsdk.RangeBatch, pushsdk.RangeLBS)
	require.NoError(t, err)
	require.Len(t, ms.Ranges, 2)
	assert.Equal(t, pushsdk.RangeBatch, ms.Ranges[0].RangeType)
	assert.Equal(t, int64(2), ms.Ranges[0].Days[29].Push)
	assert.Equal(t, pushsdk.MsgStat{Day: ms.Ranges[1].Days[0].Day, Push: -1, Ack: -1, Del: -1, Click: -1}, ms.Ranges[1].Days[0])
	_ = srv
}

// TestRetriesNeverDeliverTwice counts deliveries in the emulator: a push
// refused for rate is retried and delivered once; a push whose answer was
// lost after it was processed is not retried.
func TestRetriesNeverDeliverTwice(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
	bg := context.Background()
	const id = "3973380163216521844"

	srv.FailNext("push/single_device", 2, pushtest.Fault{Code: pushsdk.CodeTooFrequent})
	_, err := c.PushMsgToSingleDevice(bg, id, "a", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.DeliveryCount(id))
	assert.Len(t, srv.RequestsTo("push/single_device"), 3)

	for _, f := range []pushtest.Fault{
		{Drop: true, AfterProcessing: true},
		{Status: 502, AfterProcessing: true},
		{Code: pushsdk.CodeInternalError, AfterProcessing: true},
	} {
		before := srv.DeliveryCount(id)
		srv.ResetRequests()
		srv.FailNext("push/single_device", 1, f)
		_, err = c.PushMsgToSingleDevice(bg, id, "b", nil)
		require.Error(t, err, "%+v", f)
		assert.Equal(t, before+1, srv.DeliveryCount(id), "processed once: %+v", f)
		assert.Len(t, srv.RequestsTo("push/single_device"), 1, "not retried: %+v", f)
	}

	// Queries are retried through the same faults.
	srv.FailNext("tag/device_num", 1, pushtest.Fault{Drop: true})
	srv.FailNext("tag/device_num", 1, pushtest.Fault{Status: 502})
	n, err := c.QueryDeviceNumInTag(bg, "default")
	require.NoError(t, err)
	assert.Equal(t, int64(1), n.DeviceNum)
}

func TestAgainstEmulatorAuthAndPlatform(t *testing.T) {
	t.Parallel()
	srv, _ := newEmulator(t)
	bad, err := pushsdk.NewChannel(srv.APIKey, "not the secret", pushsdk.WithHost(srv.URL), pushsdk.WithClockForTest(srv.Now))
	require.NoError(t, err)
	_, err = bad.QueryTags(context.Background(), nil)
	assert.True(t, (pushsdk.ErrorCode(err) == pushsdk.CodeAuthFailed))
	assert.NotContains(t, err.Error(), "not the secret")

	ios := srv.NewApp(pushsdk.DeviceIOS)
	c, err := srv.NewChannelFor(ios, pushsdk.WithDeviceType(pushsdk.DeviceIOS))
	require.NoError(t, err)
	_, err = c.PushMsgToAll(context.Background(), `{"aps":{"alert":"hi"}}`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	require.NoError(t, err)
	_, err = c.PushMsgToAll(context.Background(), `{"aps":{"alert":"hi"}}`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, DeviceType: pushsdk.DeviceAndroid})
	assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err), "an Android notification needs a description: refused before sending")
	_, err = c.PushMsgToAll(context.Background(), `{"description":"x"}`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, DeviceType: pushsdk.DeviceAndroid})
	assert.Equal(t, pushsdk.CodeOnePlatformOnly, pushsdk.ErrorCode(err))

	// A stale clock on the client: 30606.
	stale, err := srv.NewChannel(pushsdk.WithClockForTest(func() time.Time { return srv.Now().Add(-11 * time.Minute) }))
	require.NoError(t, err)
	_, err = stale.QueryTags(context.Background(), nil)
	assert.Equal(t, pushsdk.CodeRequestExpired, pushsdk.ErrorCode(err))
	// A signature TTL inside the window passes.
	ttl, err := srv.NewChannel(pushsdk.WithSignatureTTL(30 * time.Second))
	require.NoError(t, err)
	_, err = ttl.QueryTags(context.Background(), nil)
	require.NoError(t, err)

}

// TestSmartTagAndBatchDeployAgainstEmulator: the SDK's smart-tag push and a
// batch push with DeployStatus, end to end.
func TestSmartTagAndBatchDeployAgainstEmulator(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t, pushtest.WithPlatform(pushsdk.DeviceIOS))
	bg := context.Background()
	msg := `{"aps":{"alert":"hi"}}`
	opts := &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, DeployStatus: pushsdk.DeployDevelopment}
	res, err := c.PushBatchUniMsg(bg, []string{"1", "2"}, msg, opts)
	require.NoError(t, err)
	assert.NotEmpty(t, res.MsgID)
	assert.Equal(t, "1", srv.RequestsTo("push/batch_device")[0].Params.Get("deploy_status"))
	fan, err := c.PushToDevices(bg, []string{"3", "4"}, msg, opts)
	require.NoError(t, err)
	assert.Len(t, fan.SucceededChannelIDs(), 2)

	res, err = c.PushMsgToSmartTag(bg, pushsdk.SmartTagInterest, `{"interest":["sports"]}`, msg,
		&pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, SendTime: srv.Now().Add(time.Hour)})
	require.NoError(t, err)
	assert.NotEmpty(t, res.TimerID)
	m, ok := srv.DefaultApp().Message(res.MsgID)
	require.True(t, ok)
	assert.Equal(t, pushsdk.SmartTagInterest, m.SmartTag)
	assert.Equal(t, pushsdk.RangePrecise, m.RangeType)
	timers, err := c.QueryTimerList(bg, nil)
	require.NoError(t, err)
	require.Len(t, timers.Timers, 1)
	assert.Equal(t, pushsdk.RangePrecise, timers.Timers[0].RangeType)
}
