package pushredis_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"testing"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushredis"
	"github.com/bdpush/pushsdk/pushredis/redistest"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/redis/go-redis/v9"
)

// redisAddr is the Redis the examples use: one of the tests' own
// (in production, yours: "10.0.0.5:6379", say).
var redisAddr string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pushredis-examples")
	if err != nil {
		log.Fatal(err)
	}
	srv, err := redistest.New(dir)
	if err != nil {
		log.Fatal(err)
	}
	redisAddr = srv.Addr()
	code := m.Run()
	srv.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Every process of the app takes the same limiter key: together they stay
// within the app's quota, and a 30699 seen by one slows them all.
func ExampleNewLimiter() {
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	emu := pushtest.NewServer() // stands in for the service
	defer emu.Close()

	lim, err := pushredis.NewLimiter(rdb, "pushsdk:limit:"+emu.APIKey, 50, 1) // 50 calls a second, for all processes
	if err != nil {
		log.Fatal(err)
	}
	c, err := pushsdk.NewChannel(emu.APIKey, emu.SecretKey, pushsdk.WithHost(emu.URL), pushsdk.WithRateLimiter(lim))
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.PushMsgToAll(context.Background(), "hello", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent:", res.MsgID != "", "shared rate:", lim.Rate())
	// Output: sent: true shared rate: 50
}

// A backend that runs campaign workers inside its own service: create the
// campaign once, then run a worker in as many replicas as you like.
func ExampleCampaigns() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	emu := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0)) // stands in for the service
	defer emu.Close()
	c, err := emu.NewChannel()
	if err != nil {
		log.Fatal(err)
	}

	cs, err := pushredis.NewCampaigns(rdb, pushredis.WithPrefix("example:"))
	if err != nil {
		log.Fatal(err)
	}
	ids := []string{"3973380163216521844", "3973380163216521843", "3973380163216521842", "3973380163216521844"}
	spec := pushredis.CampaignSpec{Name: "welcome", Msg: "welcome aboard", BatchSize: 2}
	st, err := cs.Create(ctx, spec, pushredis.SliceIDs(ids))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", st.IDs, "distinct ids in", st.Batches, "batches")

	// One worker; it returns when no batch is left.
	res, err := cs.Run(ctx, "welcome", c, &pushredis.RunOptions{Concurrency: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("this worker sent:", res.Succeeded.IDs, "ids")

	st, err = cs.Status(ctx, "welcome")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("done:", st.Done, "succeeded:", st.Succeeded.IDs, "failed:", st.Failed.IDs, "uncertain:", st.Uncertain.IDs)
	// Output:
	// created: 3 distinct ids in 2 batches
	// this worker sent: 3 ids
	// done: true succeeded: 3 failed: 0 uncertain: 0
}

// Status lists the ids that failed (safe to send again; the next Run does)
// and those whose outcome is unknown.
func ExampleCampaigns_IDs() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	emu := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	defer emu.Close()
	c, err := emu.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{}))
	if err != nil {
		log.Fatal(err)
	}
	cs, err := pushredis.NewCampaigns(rdb, pushredis.WithPrefix("example:"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = cs.Create(ctx, pushredis.CampaignSpec{Name: "retry", Msg: "hi", BatchSize: 1}, pushredis.SliceIDs([]string{"1001", "1002"}))
	if err != nil {
		log.Fatal(err)
	}
	emu.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams}) // refused: not processed
	if _, err := cs.Run(ctx, "retry", c, nil); err != nil {
		log.Fatal(err)
	}
	err = cs.IDs(ctx, "retry", "failed", func(ids []string) error {
		fmt.Println("failed:", ids)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output: failed: [1001]
}
