package pushredis_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushredis"
	"github.com/bdpush/pushsdk/pushredis/redistest"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runEverything creates campaigns on rdb, runs them through a limiter on
// rdb (one batch refused, sent again by the next run), and lists and
// deletes them: the whole API against one kind of Redis deployment.
func runEverything(t *testing.T, rdb redis.UniversalClient, names []string) {
	t.Helper()
	ctx := context.Background()
	emu := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(emu.Close)
	lim, err := pushredis.NewLimiter(rdb, "pushsdk:limit:"+emu.APIKey, 1000, 10)
	require.NoError(t, err)
	c, err := emu.NewChannel(pushsdk.WithRetry(pushsdk.RetryPolicy{}), pushsdk.WithRateLimiter(lim))
	require.NoError(t, err)
	cs, err := pushredis.NewCampaigns(rdb)
	require.NoError(t, err)
	for n, name := range names {
		ids := makeIDs(120, 3900000000000000000+int64(n)*1000)
		_, err := cs.Create(ctx, pushredis.CampaignSpec{Name: name, Msg: "hi", BatchSize: 25}, pushredis.SliceIDs(ids))
		require.NoError(t, err, name)
		emu.FailNext("push/batch_device", 1, pushtest.Fault{Code: pushsdk.CodeInvalidParams})
		res, err := cs.Run(ctx, name, c, &pushredis.RunOptions{Concurrency: 2})
		require.NoError(t, err, name)
		assert.Equal(t, int64(1), res.Failed.Batches, name)
		res, err = cs.Run(ctx, name, c, nil)
		require.NoError(t, err, name)
		assert.Equal(t, int64(1), res.Requeued, name)
		st, err := cs.Status(ctx, name)
		require.NoError(t, err, name)
		assert.True(t, st.Done, name)
		assert.Equal(t, pushredis.Count{IDs: 120, Batches: 5}, st.Succeeded, name)
		assert.False(t, st.Ended.IsZero(), name)
		for _, id := range ids {
			require.Equal(t, 1, emu.DeliveryCount(id), "%s: id %s", name, id)
		}
	}
	list, err := cs.List(ctx)
	require.NoError(t, err)
	assert.Len(t, list, len(names))
	require.NoError(t, cs.Delete(ctx, names[0]))
	_, err = cs.Status(ctx, names[0])
	assert.ErrorIs(t, err, pushredis.ErrNotFound)
	list, err = cs.List(ctx)
	require.NoError(t, err)
	assert.Len(t, list, len(names)-1)
}

// TestOnRedisCluster runs campaigns and the limiter on a real Redis Cluster
// of three masters, through a URL as bpush --redis takes it: each
// campaign's keys share one slot, and campaigns spread over the nodes.
func TestOnRedisCluster(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	rdb, err := pushredis.NewClient(cl.URL())
	require.NoError(t, err)
	defer rdb.Close()
	_, isCluster := rdb.(*redis.ClusterClient)
	require.True(t, isCluster, "%T", rdb)

	names := []string{"sale", "spring", "winter", "vip"}
	runEverything(t, rdb, names)

	// Each campaign's keys are on one node, and the campaigns are spread
	// over more than one.
	ctx := context.Background()
	where := map[string]map[string]int{} // campaign → node → keys
	for _, node := range cl.Nodes {
		nc := client(t, node)
		keys, err := nc.Keys(ctx, "pushsdk:campaign:*").Result()
		require.NoError(t, err)
		for _, k := range keys {
			name := k[strings.Index(k, "{")+1 : strings.Index(k, "}")]
			if where[name] == nil {
				where[name] = map[string]int{}
			}
			where[name][node.Addr()]++
		}
	}
	nodes := map[string]bool{}
	for _, name := range names[1:] {
		require.Len(t, where[name], 1, "%s: %v", name, where[name])
		for addr, n := range where[name] {
			assert.Equal(t, 4, n, name)
			nodes[addr] = true
		}
	}
	assert.Greater(t, len(nodes), 1, "the campaigns are spread over the cluster")
}

// TestThroughRedisSentinel runs campaigns and the limiter through a real
// Redis Sentinel, as a URL with master_name says.
func TestThroughRedisSentinel(t *testing.T) {
	master := redistest.Start(t)
	sentinel := redistest.StartSentinel(t, master, "pushmaster")
	rdb, err := pushredis.NewClient("redis://" + sentinel.Addr() + "?master_name=pushmaster")
	require.NoError(t, err)
	defer rdb.Close()
	runEverything(t, rdb, []string{"sale", "spring"})

	// What the campaigns left is on the master the sentinel names.
	mc := client(t, master)
	n, err := mc.Exists(context.Background(), "pushsdk:campaign:{spring}:meta").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}
