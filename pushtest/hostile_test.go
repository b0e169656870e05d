package pushtest_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestFloodOfUnauthenticatedBodies posts 2 MB bodies that fail
// authentication: each is answered, logged without its parameters, and
// forgotten; the heap does not grow with them.
func TestFloodOfUnauthenticatedBodies(t *testing.T) {
	c := newRaw(t, frozen())
	big := strings.Repeat("9", 2<<20-200)
	before := heapInUse()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				params := map[string]string{"channel_ids": big[:len(big)-w-i], "msg": "m"}
				r := c.do(req{path: "push/batch_device", params: params, secret: "not the secret"})
				assert.Equal(t, pushsdk.CodeAuthFailed, r.code())
			}
		})
	}
	wg.Wait()
	after := heapInUse()
	reqs := c.srv.Requests()
	require.Len(t, reqs, 100)
	for _, r := range reqs {
		assert.Nil(t, r.Params, "no parameters kept for a request that failed authentication")
		assert.Contains(t, r.Note, "signature mismatch")
	}
	grew := int64(after) - int64(before)
	t.Logf("heap in use: %d MB before, %d MB after 100 unauthenticated 2 MB bodies", before>>20, after>>20)
	assert.Less(t, grew, int64(16<<20), "the heap kept what it was sent")
}

// TestRequestLogHasAByteBudget: large authenticated requests are kept only
// as far as the log's budget allows, newest first.
func TestRequestLogHasAByteBudget(t *testing.T) {
	t.Parallel()
	c := newRaw(t, frozen(), pushtest.WithRequestLog(1000, 1<<20))
	ids := make([]string, 5000)
	for i := range ids {
		ids[i] = fmt.Sprintf(`"%019d"`, 3973380163216500000+i)
	}
	list := "[" + strings.Join(ids, ",") + "]" // about 110 KB
	for i := range 30 {
		c.ok("push/batch_device", map[string]string{"channel_ids": list, "msg": fmt.Sprint("batch ", i)})
	}
	reqs := c.srv.Requests()
	assert.Less(t, len(reqs), 30, "the oldest were dropped")
	assert.GreaterOrEqual(t, len(reqs), 5)
	var held int
	for _, r := range reqs {
		held += len(r.Params.Get("channel_ids"))
	}
	assert.LessOrEqual(t, held, 1<<20)
	assert.Equal(t, "batch 29", reqs[len(reqs)-1].Params.Get("msg"), "the newest is kept")

	// A request larger than the whole budget is kept without parameters.
	small := newRaw(t, frozen(), pushtest.WithRequestLog(10, 10<<10))
	small.ok("push/batch_device", map[string]string{"channel_ids": list, "msg": "m"})
	got := small.srv.Requests()
	require.Len(t, got, 1)
	assert.Nil(t, got[0].Params)
	assert.Equal(t, "too large to keep", got[0].Note)
}

// TestBroadcastsScaleWithoutPerDeviceRecords binds many devices and
// broadcasts to them: every device receives each broadcast, the counts are
// right, and the heap does not grow with devices × broadcasts.
func TestBroadcastsScaleWithoutPerDeviceRecords(t *testing.T) {
	const devices, broadcasts = 50000, 10
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	ids := make([]string, devices)
	for i := range ids {
		ids[i] = fmt.Sprintf("%019d", 1200000000000000000+i)
	}
	require.NoError(t, srv.Bind(ids...))
	c, err := srv.NewChannel()
	require.NoError(t, err)
	before := heapInUse()
	for i := range broadcasts {
		_, err := c.PushMsgToAll(t.Context(), fmt.Sprint("news ", i), nil)
		require.NoError(t, err)
	}
	n, err := c.QueryDeviceNumInTag(t.Context(), "default")
	require.NoError(t, err)
	after := heapInUse()
	assert.Equal(t, int64(devices), n.DeviceNum)
	t.Logf("heap: %d KB more after %d broadcasts to %d devices", (int64(after)-int64(before))>>10, broadcasts, devices)
	assert.Less(t, int64(after)-int64(before), int64(2<<20), "a broadcast is one record, not one per device")

	for _, id := range []string{ids[0], ids[devices/2], ids[devices-1]} {
		got := srv.Received(id)
		require.Len(t, got, broadcasts, id)
		assert.Equal(t, "news 0", got[0].Msg)
		assert.Equal(t, pushsdk.RangeBroadcast, got[0].RangeType)
	}
	for _, m := range srv.DefaultApp().Messages() {
		assert.Equal(t, int64(devices), m.Success)
		assert.Equal(t, int64(devices), m.Audience)
		assert.Nil(t, m.Targets)
	}
	stats, err := c.QueryStatisticMsg(t.Context(), pushsdk.RangeBroadcast)
	require.NoError(t, err)
	last := stats.Ranges[0].Days[len(stats.Ranges[0].Days)-1]
	assert.Equal(t, int64(devices*broadcasts), last.Push)
	assert.Equal(t, int64(devices*broadcasts), last.Ack)
	dev, err := c.QueryStatisticDevice(t.Context())
	require.NoError(t, err)
	today := dev.Days[len(dev.Days)-1]
	assert.Equal(t, int64(devices), today.New)
	assert.Equal(t, int64(devices), today.Total)
}

// TestDeliveriesFollowBindingAndMembership: a device receives a broadcast
// only while bound, and a tag push only while in the tag, at the moment of
// delivery.
func TestDeliveriesFollowBindingAndMembership(t *testing.T) {
	t.Parallel()
	srv := pushtest.NewServer(pushtest.WithDeliveryDelay(0, 0))
	t.Cleanup(srv.Close)
	c, err := srv.NewChannel()
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, srv.Bind("1", "2", "3"))
	_, err = c.CreateTag(ctx, "t")
	require.NoError(t, err)
	_, err = c.AddDevicesToTag(ctx, "t", []string{"1", "2"})
	require.NoError(t, err)
	_, err = c.PushMsgToAll(ctx, "all 1", nil)
	require.NoError(t, err)
	_, err = c.PushMsgToTag(ctx, "t", "tag 1", nil)
	require.NoError(t, err)
	srv.Unbind("2")
	_, err = c.DelDevicesFromTag(ctx, "t", []string{"1"})
	require.NoError(t, err)
	_, err = c.PushMsgToAll(ctx, "all 2", nil)
	require.NoError(t, err)
	_, err = c.PushMsgToTag(ctx, "t", "tag 2", nil)
	require.NoError(t, err)
	require.NoError(t, srv.Bind("2"))
	msgs := func(id string) []string {
		var out []string
		for _, d := range srv.Received(id) {
			out = append(out, d.Msg)
		}
		return out
	}
	assert.Equal(t, []string{"all 1", "tag 1", "all 2"}, msgs("1"))
	assert.Equal(t, []string{"all 1", "tag 1"}, msgs("2"), "unbound: nothing since, and out of the tag")
	assert.Equal(t, []string{"all 1", "all 2"}, msgs("3"))
	members, _ := srv.DefaultApp().TagMembers("t")
	assert.Empty(t, members)
}
