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
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr}) // the Redis all processes of the app share
	defer rdb.Close()
	emu := pushtest.NewServer() // stands in for the service
	defer emu.Close()
	apiKey, secretKey, host := emu.APIKey, emu.SecretKey, emu.URL

	// README: limiter
	// In every process of the app: one limiter on the app's key, so that
	// together they start at most 50 calls a second.
	lim, err := pushredis.NewLimiter(rdb, "pushsdk:limit:"+apiKey, 50, 1)
	if err != nil {
		log.Fatal(err)
	}
	c, err := pushsdk.NewChannel(apiKey, secretKey, pushsdk.WithHost(host), pushsdk.WithRateLimiter(lim))
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.PushMsgToAll(ctx, "hello", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent:", res.MsgID != "", "shared rate:", lim.Rate())
	// README: end

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
	c, err := emu.NewChannel() // in production: with a shared limiter, as above
	if err != nil {
		log.Fatal(err)
	}
	ids := []string{"3973380163216521844", "3973380163216521843", "3973380163216521842", "3973380163216521844"}

	// README: campaign
	cs, err := pushredis.NewCampaigns(rdb)
	if err != nil {
		log.Fatal(err)
	}
	// Once: the campaign, its ids cut into batches (an id listed twice is
	// pushed once).
	spec := pushredis.CampaignSpec{Name: "welcome", Msg: "welcome aboard", BatchSize: 2}
	st, err := cs.Create(ctx, spec, pushredis.SliceIDs(ids))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", st.IDs, "distinct ids in", st.Batches, "batches")

	// In every replica: a worker, which returns when no batch is left.
	res, err := cs.Run(ctx, "welcome", c, &pushredis.RunOptions{Concurrency: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("this worker sent:", res.Succeeded.IDs, "ids")

	// Anywhere: where it stands.
	st, err = cs.Status(ctx, "welcome")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("done:", st.Done, "succeeded:", st.Succeeded.IDs, "failed:", st.Failed.IDs, "uncertain:", st.Uncertain.IDs)
	// README: end

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
