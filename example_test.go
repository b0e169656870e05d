package pushsdk_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
)

// The examples mirror those of the official Python SDK's documentation. They
// run against the offline emulator (package pushtest) with a frozen clock,
// so that their output can be checked; in production create the Channel
// with pushsdk.NewChannel(apiKey, secretKey) or from sdk.conf.

var exampleClock = pushtest.WithFrozenClock(time.Date(2026, 1, 15, 2, 0, 0, 0, time.UTC))

// emulator starts an offline emulator and a Channel for its app.
func emulator(opts ...pushtest.Option) (*pushtest.Server, *pushsdk.Channel) {
	srv := pushtest.NewServer(append([]pushtest.Option{exampleClock}, opts...)...)
	c, err := srv.NewChannel()
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

func ExampleNewChannel() {
	c, err := pushsdk.NewChannel("tf9G7QicWAh2aEGFlrI1Ohyb", "qQ1h43yGQYG6H6mYgSPizDuCmtbMj6Ld",
		pushsdk.WithDeviceType(pushsdk.DeviceAndroid),
		pushsdk.WithTimeout(10*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c) // the secret key is never shown
	// Output: pushsdk.Channel{host: "https://api.push.baidu.com", apikey: "tf9G…Ohyb", device_type: android}
}

func ExampleLoadConfig() {
	dir, _ := os.MkdirTemp("", "pushsdk")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sdk.conf")
	_ = os.WriteFile(path, []byte("[SDK]\nhost = api.tuisong.baidu.com\napiKey = tf9G7QicWAh2aEGFlrI1Ohyb\n"+
		"secretKey = qQ1h43yGQYG6H6mYgSPizDuCmtbMj6Ld\ndeviceType = 3\n[curl]\ntimeout = 20\nconnecttimeout = 5\n"), 0o600)

	cfg, err := pushsdk.LoadConfig(path) // BAIDU_PUSH_* environment variables override the file
	if err != nil {
		log.Fatal(err)
	}
	c, err := pushsdk.NewChannelFromConfig(cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c, cfg.Timeout)
	// Output: pushsdk.Channel{host: "https://api.tuisong.baidu.com", apikey: "tf9G…Ohyb", device_type: android} 20s
}

func ExampleChannelError() {
	srv, c := emulator()
	defer srv.Close()

	ctx := context.Background()

	// README: errors
	_, err := c.PushMsgToTag(ctx, "no_such_tag", "msg to tag", nil)
	var ce *pushsdk.ChannelError
	if errors.As(err, &ce) {
		fmt.Println("code:", ce.Code, "http:", ce.HTTPStatus, "request id:", ce.RequestID)
		fmt.Println("tag not found:", ce.Code == pushsdk.CodeTagNotFound)
	}

	// Bad arguments never reach the network: code 3 names every bad field.
	_, err = c.PushMsgToSingleDevice(ctx, "abc", "", nil)
	fmt.Println(err)
	// README: end

	// Output:
	// code: 30611 http: 404 request id: 3141592660
	// tag not found: true
	// pushsdk: SDK params error: channel_id: must be 1–64 ASCII digits, got "abc"; msg: must not be empty (code 3)
}

func ExampleChannel_PushMsgToSingleDevice() {
	srv, c := emulator()
	defer srv.Close()

	// msg = 'msg to single device'; opts = {'msg_type':0, 'expires':300}
	res, err := c.PushMsgToSingleDevice(context.Background(), "0000000000000000001", "msg to single device",
		&pushsdk.PushOptions{MsgType: pushsdk.MsgTypeMessage, MsgExpires: 300 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.MsgID, res.SendTime.Unix(), res.RequestID)
	// Output: 7205759403792793001 1768442400 3141592660
}

func ExampleChannel_PushMsgToAll() {
	srv, c := emulator()
	defer srv.Close()

	res, err := c.PushMsgToAll(context.Background(), "msg to all", &pushsdk.PushOptions{MsgExpires: 300 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.MsgID, res.SendTime.Format(time.RFC3339))
	// Output: 7205759403792793001 2026-01-15T02:00:00Z
}

func ExampleChannel_PushMsgToTag() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.CreateTag(ctx, "tag_name"); err != nil {
		log.Fatal(err)
	}
	// A notification for Android: a JSON object with a description.
	res, err := c.PushMsgToTag(ctx, "tag_name", `{"title":"hello","description":"msg to tag"}`,
		&pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.MsgID)
	// Output: 7205759403792793001
}

func ExampleChannel_PushBatchUniMsg() {
	srv, c := emulator()
	defer srv.Close()

	channelIDs := []string{"3973380163216521844", "3973380163216521843"}
	res, err := c.PushBatchUniMsg(context.Background(), channelIDs, "msg to batch devices",
		&pushsdk.PushOptions{MsgExpires: 300 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.MsgID, res.SendTime.Unix())
	// Output: 7205759403792793001 1768442400
}

func ExampleChannel_QueryMsgStatus() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()
	_ = srv.Bind("3973380163216521844", "3973380163216521843")

	res, err := c.PushMsgToAll(ctx, "msg to all", nil)
	if err != nil {
		log.Fatal(err)
	}
	srv.Advance(120 * time.Second) // the Python example sleeps 120 s
	st, err := c.QueryMsgStatus(ctx, res.MsgID)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range st.Messages {
		fmt.Println(m.MsgID, m.Status, m.Success)
	}
	// Output: 7205759403792793001 sent 2
}

func ExampleChannel_QueryTimerRecords() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()

	// A broadcast 70 s from now; look at its records 120 s later.
	res, err := c.PushMsgToAll(ctx, "msg to all", &pushsdk.PushOptions{SendTime: srv.Now().Add(70 * time.Second)})
	if err != nil {
		log.Fatal(err)
	}
	srv.Advance(120 * time.Second)
	recs, err := c.QueryTimerRecords(ctx, res.TimerID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(recs.TimerID)
	for _, r := range recs.Records {
		fmt.Println(r.MsgID, r.Status, r.SendTime.Format(time.RFC3339))
	}
	// Output:
	// 9007199254740993001
	// 7205759403792793001 sent 2026-01-15T02:01:10Z
}

func ExampleChannel_QueryTimerList() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()

	// A broadcast five minutes from now, and the list of pending timers.
	if _, err := c.PushMsgToAll(ctx, "msg to all", &pushsdk.PushOptions{SendTime: srv.Now().Add(5 * time.Minute)}); err != nil {
		log.Fatal(err)
	}
	list, err := c.QueryTimerList(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range list.Timers {
		fmt.Println(t.TimerID, t.Msg, t.RangeType, t.SendTime.Format(time.Kitchen))
	}
	// Output: 9007199254740993001 msg to all broadcast 2:05AM
}

func ExampleChannel_CancelTimer() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()

	res, err := c.PushMsgToAll(ctx, "msg to all", &pushsdk.PushOptions{SendTime: srv.Now().Add(time.Hour)})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.CancelTimer(ctx, res.TimerID); err != nil {
		log.Fatal(err)
	}
	_, err = c.CancelTimer(ctx, res.TimerID)
	fmt.Println(pushsdk.ErrorCode(err) == pushsdk.CodeTimerNotExist)
	// Output: true
}

func ExampleChannel_QueryTopicRecords() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()

	channelIDs := []string{"3973380163216521844", "3973380163216521843"}
	if _, err := c.PushBatchUniMsg(ctx, channelIDs, "msg to all", &pushsdk.PushOptions{TopicID: "topic_1"}); err != nil {
		log.Fatal(err)
	}
	recs, err := c.QueryTopicRecords(ctx, "topic_1", nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range recs.Records {
		fmt.Println(recs.TopicID, r.MsgID, r.Status)
	}
	// Output: topic_1 7205759403792793001 pending
}

func ExampleChannel_QueryTopicList() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()
	_, _ = c.PushBatchUniMsg(ctx, []string{"3973380163216521844"}, "m", &pushsdk.PushOptions{TopicID: "topic_1"})
	srv.Advance(time.Minute)

	// The topics in use, and the last ten messages of each.
	topics, err := c.QueryTopicList(ctx, &pushsdk.PageOptions{Limit: 10})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range topics.Topics {
		recs, err := c.QueryTopicRecords(ctx, t.TopicID, &pushsdk.RecordsOptions{PageOptions: pushsdk.PageOptions{Limit: 10}})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(t.TopicID, t.PushCount, t.AckCount, len(recs.Records))
	}
	// Output: topic_1 1 1 1
}

func ExampleChannel_CreateTag() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()

	created, err := c.CreateTag(ctx, "test_tag")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.Tag, created.OK)
	_, err = c.CreateTag(ctx, "test_tag")
	fmt.Println(pushsdk.ErrorCode(err) == pushsdk.CodeDuplicateOperation)
	// Output:
	// test_tag true
	// true
}

func ExampleChannel_DeleteTag() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.CreateTag(ctx, "test_tag"); err != nil {
		log.Fatal(err)
	}
	deleted, err := c.DeleteTag(ctx, "test_tag")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(deleted.Tag, deleted.OK)
	// Output: test_tag true
}

func ExampleChannel_QueryTags() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()
	_, _ = c.CreateTag(ctx, "vip")

	tags, err := c.QueryTags(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tags.Tags {
		fmt.Println(t.Name, t.CreateTime.Format(time.DateOnly))
	}
	// Output:
	// default 2026-01-15
	// vip 2026-01-15
}

func ExampleChannel_AddDevicesToTag() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()

	channelIDs := []string{"0000000000000000001", "0000000000000000002"}
	if _, err := c.CreateTag(ctx, "tag_new"); err != nil {
		log.Fatal(err)
	}
	res, err := c.AddDevicesToTag(ctx, "tag_new", channelIDs)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range res.Devices {
		fmt.Println(d.ChannelID, d.OK)
	}
	// Output:
	// 0000000000000000001 true
	// 0000000000000000002 true
}

func ExampleChannel_DelDevicesFromTag() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()
	_, _ = c.CreateTag(ctx, "tag_new")
	_, _ = c.AddDevicesToTag(ctx, "tag_new", []string{"0000000000000000001"})

	res, err := c.DelDevicesFromTag(ctx, "tag_new", []string{"0000000000000000001", "0000000000000000002"})
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range res.Devices {
		fmt.Println(d.ChannelID, d.OK) // not OK: it was not in the tag
	}
	// Output:
	// 0000000000000000001 true
	// 0000000000000000002 false
}

func ExampleChannel_QueryDeviceNumInTag() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()

	channelIDs := []string{"0000000000000000001", "0000000000000000002"}
	_, _ = c.CreateTag(ctx, "tag_new")
	_, _ = c.AddDevicesToTag(ctx, "tag_new", channelIDs)
	n, err := c.QueryDeviceNumInTag(ctx, "tag_new")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.DeviceNum)
	// Output: 2
}

func ExampleChannel_QueryStatisticDevice() {
	srv, c := emulator()
	defer srv.Close()
	_ = srv.Bind("0000000000000000001", "0000000000000000002")

	stats, err := c.QueryStatisticDevice(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	today := stats.Days[len(stats.Days)-1] // oldest first
	fmt.Println(stats.TotalNum, today.Day.Format(time.DateTime), today.New, today.Total, today.Online)
	// Output: 30 2026-01-15 00:00:00 2 2 -1
}

func ExampleChannel_QueryStatisticTopic() {
	srv, c := emulator(pushtest.WithDeliveryDelay(0, 0))
	defer srv.Close()
	ctx := context.Background()
	_, _ = c.PushBatchUniMsg(ctx, []string{"3973380163216521844", "3973380163216521843"}, "m", &pushsdk.PushOptions{TopicID: "topic_1"})

	stats, err := c.QueryStatisticTopic(ctx, "topic_1")
	if err != nil {
		log.Fatal(err)
	}
	today := stats.Days[len(stats.Days)-1]
	fmt.Println(today.Day.Unix(), today.Ack)
	// Output: 1768406400 2
}

func ExampleChannel_QueryStatisticMsg() {
	srv, c := emulator(pushtest.WithDeliveryDelay(0, 0))
	defer srv.Close()
	ctx := context.Background()
	_ = srv.Bind("3973380163216521844")
	_, _ = c.PushMsgToAll(ctx, "m", nil)

	stats, err := c.QueryStatisticMsg(ctx, pushsdk.RangeBroadcast, pushsdk.RangeLBS)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range stats.Ranges {
		today := r.Days[len(r.Days)-1]
		fmt.Println(r.RangeType, today.Push, today.Ack, today.Click) // -1: no data
	}
	// Output:
	// broadcast 1 1 -1
	// lbs -1 -1 -1
}

func ExampleChannel_SetCredentials() {
	srv, c := emulator()
	defer srv.Close()

	// Rotate keys while other goroutines keep using the Channel.
	next := srv.NewApp(pushsdk.DeviceAndroid)
	if err := c.SetCredentials(next.APIKey, next.SecretKey); err != nil {
		log.Fatal(err)
	}
	_, err := c.QueryTags(context.Background(), nil)
	fmt.Println(err == nil, pushsdk.APIKeyForTest(c) == next.APIKey)
	// Output: true true
}

func ExampleChannel_PushToDevices() {
	srv, c := emulator(pushtest.WithDeliveryDelay(0, 0))
	defer srv.Close()

	// Any number of ids: duplicates are dropped, batches of 10 000 run 4 at a time.
	ids := make([]string, 25000)
	for i := range ids {
		ids[i] = fmt.Sprintf("39733801632165%05d", i)
	}
	// The second batch is refused (not processed), the third is processed
	// but its answer is lost behind a gateway error (uncertain).
	srv.FailNext("push/batch_device", 1, pushtest.Fault{})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Status: 502, AfterProcessing: true})
	ctx := context.Background()
	opts := &pushsdk.PushOptions{TopicID: "launch"}
	res, err := c.PushToDevices(ctx, ids, "hello, everyone", opts, pushsdk.FanoutConcurrency(1))
	if res == nil {
		log.Fatal(err) // the arguments were refused: nothing was sent
	}
	for _, b := range res.Batches {
		fmt.Println(len(b.ChannelIDs), b.State)
	}
	// Send again what was provably not processed, and only that; set the
	// uncertain ids aside: they may have been delivered.
	uncertain := res.UncertainChannelIDs()
	for round := 1; round <= 3 && len(res.FailedChannelIDs()) > 0 && ctx.Err() == nil; round++ {
		res, err = c.PushToDevices(ctx, res.FailedChannelIDs(), "hello, everyone", opts) // never processed: safe to send again
		uncertain = append(uncertain, res.UncertainChannelIDs()...)
	}
	fmt.Println("failed now:", len(res.FailedChannelIDs()), "uncertain:", len(uncertain), "error:", err != nil)
	fmt.Println("delivered to the last id:", srv.DeliveryCount(ids[24999]), "time")
	// Output:
	// 10000 ok
	// 10000 failed
	// 5000 uncertain
	// failed now: 0 uncertain: 5000 error: false
	// delivered to the last id: 1 time
}

func ExampleChannel_PushMsgToSmartTag() {
	srv, c := emulator()
	defer srv.Close()

	// The selector is a JSON text the service interprets; its grammar is not
	// published (this one is illustrative). The SDK checks that it is JSON.
	selector := `{"OR":[{"tag":"vip"},{"tag":"beta"}]}`
	res, err := c.PushMsgToSmartTag(context.Background(), pushsdk.SmartTagCombination, selector,
		`{"title":"Sale","description":"50% off today"}`, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	if err != nil {
		log.Fatal(err)
	}
	m, _ := srv.DefaultApp().Message(res.MsgID) // the emulator records it, and delivers it to no device
	fmt.Println(m.SmartTag, m.Selector, m.RangeType)
	// Output: combination {"OR":[{"tag":"vip"},{"tag":"beta"}]} tag_combination
}

func ExampleFanoutJournal() {
	srv, c := emulator(pushtest.WithDeliveryDelay(0, 0))
	defer srv.Close()
	ctx := context.Background()
	ids := make([]string, 30000)
	for i := range ids {
		ids[i] = fmt.Sprintf("39733801632165%05d", i)
	}

	// store stands for the service's own database. A real record function
	// writes in one transaction and returns once it is committed: the SDK
	// sends a batch only after its start is recorded.
	store := map[string]pushsdk.BatchState{}
	record := func(_ int, b pushsdk.BatchResult) error {
		for _, id := range b.ChannelIDs {
			store[id] = b.State
		}
		return nil
	}

	// The first run dies after three records: the second batch was sent,
	// but its outcome never reached the store.
	records := 0
	dying := pushsdk.FanoutJournal(func(batch int, b pushsdk.BatchResult) error {
		if records++; records > 3 {
			return errors.New("killed")
		}
		return record(batch, b)
	})
	_, _ = c.PushToDevices(ctx, ids, "hello", nil, dying, pushsdk.FanoutConcurrency(1))

	// After a restart, the store says what to do with each id.
	var resend, uncertain []string
	for _, id := range ids {
		switch store[id] {
		case pushsdk.BatchSucceeded: // done
		case pushsdk.BatchStarted, pushsdk.BatchUncertain:
			uncertain = append(uncertain, id) // may have been delivered: check before sending again
		default:
			resend = append(resend, id) // never started, or failed: safe to send
		}
	}
	fmt.Println("to send again:", len(resend), "uncertain:", len(uncertain))
	res, err := c.PushToDevices(ctx, resend, "hello", nil, pushsdk.FanoutJournal(record))
	fmt.Println("sent:", len(res.SucceededChannelIDs()), "error:", err)
	fmt.Println("deliveries to an uncertain id:", srv.DeliveryCount(uncertain[0]))
	// Output:
	// to send again: 10000 uncertain: 10000
	// sent: 10000 error: <nil>
	// deliveries to an uncertain id: 1
}

func ExampleChannel_TagDevices() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.CreateTag(ctx, "beta"); err != nil {
		log.Fatal(err)
	}
	ids := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "2"}
	res, err := c.TagDevices(ctx, "beta", ids) // two tag/add_devices calls of at most 10 ids
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Devices), "ids,", len(res.FailedChannelIDs()), "failed")
	n, _ := c.QueryDeviceNumInTag(ctx, "beta")
	fmt.Println(n.DeviceNum, "devices in the tag")
	// Output:
	// 12 ids, 0 failed
	// 12 devices in the tag
}

func ExampleChannel_Tags() {
	srv, c := emulator()
	defer srv.Close()
	ctx := context.Background()
	for _, name := range []string{"vip", "beta", "staff"} {
		_, _ = c.CreateTag(ctx, name)
	}

	// README: iterators
	// Pages through app/query_tags (here two tags a page) until the end.
	for tag, err := range c.Tags(ctx, &pushsdk.TagsOptions{PageOptions: pushsdk.PageOptions{Limit: 2}}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tag.Name)
	}
	// README: end

	// Output:
	// default
	// vip
	// beta
	// staff
}

func ExampleAndroidNotification() {
	msg, err := pushsdk.AndroidNotification{
		Title:         "Sale",
		Description:   "50% off today",
		Style:         pushsdk.StyleClearable | pushsdk.StyleVibrate,
		OpenType:      pushsdk.OpenURL,
		URL:           "https://example.com/sale?src=push&id=7",
		CustomContent: map[string]any{"campaign": "autumn"},
	}.Msg()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(msg)
	// Then: c.PushMsgToAll(ctx, msg, &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification})
	// Output: {"title":"Sale","description":"50% off today","notification_basic_style":3,"open_type":1,"url":"https://example.com/sale?src=push&id=7","custom_content":{"campaign":"autumn"}}
}

func ExampleIOSNotification() {
	msg, err := pushsdk.IOSNotification{
		AlertTitle: "Sale",
		AlertBody:  "50% off today",
		Sound:      "default",
		Badge:      new(1),
		Custom:     map[string]any{"campaign": "autumn"},
	}.Msg()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(msg)
	// Output: {"aps":{"alert":{"title":"Sale","body":"50% off today"},"badge":1,"sound":"default"},"campaign":"autumn"}
}

func ExampleSign() {
	params := url.Values{
		"apikey":      {"tf9G7QicWAh2aEGFlrI1Ohyb"},
		"timestamp":   {"1447401600"},
		"device_type": {"3"},
		"msg":         {`{"title":"hello","description":"test"}`},
		"msg_expires": {"3600"},
		"msg_type":    {"1"},
	}
	fmt.Println(pushsdk.Sign("POST", "http://api.tuisong.baidu.com/rest/3.0/push/all", params, "qQ1h43yGQYG6H6mYgSPizDuCmtbMj6Ld"))
	// Output: f462b3fdac8b92d28bc52fc47c54f56e
}

func ExampleChannel_ExplainSignature() {
	srv := pushtest.NewServer(exampleClock, pushtest.WithKeys("tf9G7QicWAh2aEGFlrI1Ohyb", "qQ1h43yGQYG6H6mYgSPizDuCmtbMj6Ld"))
	defer srv.Close()
	c, err := srv.NewChannel()
	if err != nil {
		log.Fatal(err)
	}
	e := c.ExplainSignature("push/all", url.Values{"msg": {"hi there"}}) // the secret key is masked
	fmt.Println(e.Method, e.Params, e.SecretMask)
	// Output: POST [apikey=tf9G7QicWAh2aEGFlrI1Ohyb msg=hi there timestamp=1768442400] <secret key: 32 bytes, md5 aa840ce1>
}

func ExampleWithRateLimit() {
	// The emulator answers 30699 beyond 50 calls a second; the Channel starts
	// at 100 a second, backs off when refused, and sends a refused call
	// again as its RetryPolicy allows: nothing is lost.
	srv := pushtest.NewServer(exampleClock, pushtest.WithRateLimit(50, 5))
	defer srv.Close()
	c, err := srv.NewChannel(pushsdk.WithRateLimit(100, 10),
		pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 8, BaseDelay: 50 * time.Millisecond, MaxDelay: time.Second}))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateTag(ctx, "limited"); err != nil {
		log.Fatal(err)
	}
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprint(1000 + i)
	}
	res, err := c.TagDevices(ctx, "limited", ids) // 20 calls
	if err != nil {
		log.Fatal(err)
	}
	n, _ := c.QueryDeviceNumInTag(ctx, "limited")
	fmt.Println(len(res.FailedChannelIDs()), "failed;", n.DeviceNum, "in the tag")
	// Output: 0 failed; 200 in the tag
}

// sharedLimiter stands for a rate limiter that every instance of a service
// shares, such as a token bucket kept in Redis; here it is a token bucket
// behind a mutex, shared by two Channels. It allows perSecond attempts a
// second, one at a time, and counts the answers 30699 it is told of.
type sharedLimiter struct {
	mu        sync.Mutex
	perSecond float64
	tokens    float64
	last      time.Time
	throttled int
}

func (l *sharedLimiter) Wait(ctx context.Context) (func(throttled bool), error) {
	for {
		l.mu.Lock()
		now := time.Now()
		l.tokens = min(1, l.tokens+now.Sub(l.last).Seconds()*l.perSecond)
		l.last = now
		if l.tokens >= 1 {
			l.tokens--
			l.mu.Unlock()
			return l.observe, nil
		}
		wait := time.Duration((1 - l.tokens) / l.perSecond * float64(time.Second))
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (l *sharedLimiter) observe(throttled bool) {
	if throttled {
		l.mu.Lock()
		l.throttled++
		l.mu.Unlock()
	}
}

func ExampleWithRateLimiter() {
	// The service allows the app 40 calls a second. Two instances of a
	// service share one limiter, set below that, so that together they are
	// never refused for rate.
	srv := pushtest.NewServer(exampleClock, pushtest.WithRateLimit(40, 4))
	defer srv.Close()
	shared := &sharedLimiter{perSecond: 30}
	ctx := context.Background()
	if err := srv.Bind("1"); err != nil {
		log.Fatal(err)
	}
	var wg sync.WaitGroup
	for instance := range 2 {
		c, err := srv.NewChannel(pushsdk.WithRateLimiter(shared))
		if err != nil {
			log.Fatal(err)
		}
		wg.Go(func() {
			for i := range 10 {
				if _, err := c.PushMsgToSingleDevice(ctx, "1", fmt.Sprint("from ", instance, ": ", i), nil); err != nil {
					log.Fatal(err)
				}
			}
		})
	}
	wg.Wait()
	fmt.Println("pushes:", len(srv.RequestsTo("push/single_device")), "refused for rate:", shared.throttled)
	// Output: pushes: 20 refused for rate: 0
}

func ExampleSignatureExplanation() {
	srv, c := emulator(pushtest.WithKeys("tf9G7QicWAh2aEGFlrI1Ohyb", "qQ1h43yGQYG6H6mYgSPizDuCmtbMj6Ld"))
	defer srv.Close()
	other, addErr := srv.AddApp("OtherAppKey0000000000000", "OtherAppSecret000000000000000000", pushsdk.DeviceAndroid)
	if addErr != nil {
		log.Fatal(addErr)
	}
	c.SetCredentials(srv.APIKey, other.SecretKey) // the key of one app with the secret of another
	ctx := context.Background()

	// README: signature
	_, err := c.PushMsgToAll(ctx, "hi", nil)
	var e *pushsdk.SignatureExplanation
	if errors.As(err, &e) { // a 30603: how the SDK signed the request, the secret masked
		fmt.Println(err)
		fmt.Println(e.Params, e.SecretMask)
	}
	// README: end

	// Output:
	// pushsdk: Authentication Failed, signature mismatch: it was signed with the secret key of another app (apikey OtherAppKey0000000000000); bpush sign --explain shows what a correct client signs; pushsdk signs correctly, so check that the secret key (secret key: 32 bytes, md5 efea4600) is the one of API key tf9G…Ohyb: another app's key or a typo is the usual cause (code 30603, request id 3141592660, http 403)
	// [apikey=tf9G7QicWAh2aEGFlrI1Ohyb msg=hi timestamp=1768442400] <secret key: 32 bytes, md5 efea4600>
}
