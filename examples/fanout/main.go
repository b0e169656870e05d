// Command fanout shows what pushsdk adds to the Python SDK, offline against
// the built-in emulator: a push to a quarter of a million devices in
// batches, with failures injected and retried exactly; a tag filled with a
// thousand devices under a rate limit; typed notifications; paging with
// iterators; and a signature explained with the secret masked.
//
//	go run ./examples/fanout
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
)

func main() {
	if err := run(context.Background(), os.Stdout, 250000); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer, devices int) error {
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0), pushtest.WithRateLimit(200, 20))
	defer srv.Close()
	c, err := srv.NewChannel(
		pushsdk.WithRateLimit(400, 20), // more than the emulator allows: the Channel backs off on 30699
		pushsdk.WithRetry(pushsdk.RetryPolicy{MaxRetries: 8, BaseDelay: 50 * time.Millisecond, MaxDelay: time.Second}), // patient with 30699
	)
	if err != nil {
		return err
	}

	// 1. A typed Android notification to many devices.
	msg, err := pushsdk.AndroidNotification{Title: "Launch", Description: "Version 2.0 is here", OpenType: pushsdk.OpenURL, URL: "https://example.com/v2"}.Msg()
	if err != nil {
		return err
	}
	opts := &pushsdk.PushOptions{MsgType: pushsdk.MsgTypeNotification, TopicID: "launch"}
	ids := make([]string, devices)
	for i := range ids {
		ids[i] = fmt.Sprintf("%019d", 3973380163216500000+int64(i))
	}
	// Two batches will be refused (not processed: safe to send again), and
	// one will be processed but its answer lost behind a gateway error
	// (uncertain: sending it again could deliver twice).
	srv.FailNext("push/batch_device", 2, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
	srv.FailNext("push/batch_device", 1, pushtest.Fault{Status: 502, AfterProcessing: true})
	start := time.Now()
	res, err := c.PushToDevices(ctx, ids, msg, opts, pushsdk.FanoutConcurrency(4))
	if res == nil {
		return err // the arguments were refused: nothing was sent
	}
	fmt.Fprintf(out, "pushed to %d devices in %d batches in %v: %d succeeded, %d failed, %d uncertain\n",
		len(ids), len(res.Batches), time.Since(start).Round(time.Millisecond),
		len(res.SucceededChannelIDs()), len(res.FailedChannelIDs()), len(res.UncertainChannelIDs()))
	uncertain := res.UncertainChannelIDs()
	for round := 1; round <= 3 && len(res.FailedChannelIDs()) > 0 && ctx.Err() == nil; round++ {
		retry := res.FailedChannelIDs()
		res, err = c.PushToDevices(ctx, retry, msg, opts) // never processed: safe to send again
		uncertain = append(uncertain, res.UncertainChannelIDs()...)
		fmt.Fprintf(out, "sent the %d failed ids again: %d failed now (error: %v)\n", len(retry), len(res.FailedChannelIDs()), err)
	}
	fmt.Fprintf(out, "%d ids are uncertain: left for a person to decide (here they were in fact delivered)\n", len(uncertain))
	twice := 0
	for _, id := range ids {
		if srv.DeliveryCount(id) > 1 {
			twice++
		}
	}
	fmt.Fprintf(out, "devices that received the notification twice: %d\n", twice)

	// 2. A thousand devices into a tag, ten per call, under the rate limit.
	if _, err := c.CreateTag(ctx, "early_adopters"); err != nil {
		return err
	}
	tagged, err := c.TagDevices(ctx, "early_adopters", ids[:1000])
	if err != nil {
		return err
	}
	n, err := c.QueryDeviceNumInTag(ctx, "early_adopters")
	if err != nil {
		return err
	}
	refused := 0
	for _, r := range srv.Requests() {
		if r.Code == pushsdk.CodeTooFrequent {
			refused++
		}
	}
	fmt.Fprintf(out, "tagged %d devices (%d rejected); the tag holds %d; %d calls were refused for rate and waited out\n",
		len(tagged.SucceededChannelIDs()), rejected(tagged), n.DeviceNum, refused)

	// 3. An iOS notification, and iterating over topics.
	ios, err := pushsdk.IOSNotification{Alert: "Version 2.0 is here", Badge: new(1), Sound: "default"}.Msg()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "iOS payload: %s\n", ios)
	for topic, err := range c.Topics(ctx, nil) {
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "topic %s: pushed to %d, reached %d\n", topic.TopicID, topic.PushCount, topic.AckCount)
	}

	// 4. Why would a call get 30603? The signature, with the secret masked.
	e := c.ExplainSignature("push/all", url.Values{"msg": {"hello"}})
	fmt.Fprintf(out, "signature of a broadcast:\n%s", e)
	return nil
}

// rejected counts the ids the service answered with result 1: their call
// succeeded, but they were not added (already in the tag, or not a device;
// the service gives no reason).
func rejected(r *pushsdk.DeviceResults) int {
	n := 0
	for _, d := range r.Devices {
		if d.Err == nil && !d.OK {
			n++
		}
	}
	return n
}
