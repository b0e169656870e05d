package pushredis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/redis/go-redis/v9"
)

// RunOptions are the settings of one worker.
type RunOptions struct {
	// Concurrency is how many batches the worker sends at once (default 1;
	// at most 256).
	Concurrency int
	// Lease is how long a batch stays with a worker that stops renewing
	// it (default 30 s): a live worker renews its leases every Lease/3,
	// however long a call takes; a dead one's batches go to the others
	// when it expires.
	Lease time.Duration
	// ResendUncertain sends again the batches whose outcome is unknown
	// (started, never answered): they may be delivered twice.
	ResendUncertain bool
	// Worker names the worker in Redis (its consumer name); default
	// host-pid-random. Two live workers must not share a name.
	Worker string
	// App is the app the worker pushes for (its API key); a campaign
	// created for another app is refused. Empty: not checked.
	App string
	// Stop, when it ends, makes the worker claim no new batch and return
	// once the batches under way are sent and recorded (ctx, when it ends,
	// also cancels the calls under way).
	Stop context.Context
	// OnBatch, when set, is called with each batch's outcome, one call at
	// a time, once it is recorded (or could not be).
	OnBatch func(BatchOutcome)
}

// BatchOutcome is what became of one batch a worker handled.
type BatchOutcome struct {
	Batch int64 // its number, from 0
	IDs   int   // how many ids it holds
	// State is BatchSucceeded, BatchFailed or BatchUncertain.
	State  pushsdk.BatchState
	Result *pushsdk.PushResult // BatchSucceeded: the service's answer
	Err    error               // BatchFailed, BatchUncertain: why
	// Recorded is false when Redis could not be told: the batch stays
	// "started" there, and will be reported uncertain.
	Recorded bool
	// Sent is false for a batch this worker found started by a worker
	// that was lost (uncertain) and did not send.
	Sent bool
}

// RunResult sums up what one worker did.
type RunResult struct {
	Worker    string `json:"worker"`
	Succeeded Count  `json:"succeeded"`
	Failed    Count  `json:"failed"`
	Uncertain Count  `json:"uncertain"`
	// Requeued counts the batches this run queued again at its start:
	// failed ones, and uncertain ones with ResendUncertain.
	Requeued int64 `json:"requeued"`
	// Unrecorded are the outcomes Redis could not be told (it was
	// unreachable): they stay "started" in Redis.
	Unrecorded []BatchOutcome `json:"-"`
}

// Run is one worker of a campaign: it claims batches one at a time (per
// RunOptions.Concurrency), records each batch's start in Redis before
// sending it through c and its outcome after, and returns when no batch is
// left — none queued, none in flight with any worker — or when
// RunOptions.Stop or ctx ends. First it queues again the batches that
// failed (and with ResendUncertain the uncertain ones). Start as many
// workers as you like, on any machines; they share the work. c should
// carry a shared rate limit ([NewLimiter], [pushsdk.WithRateLimiter]).
//
// A batch found started by a worker whose lease expired is recorded
// uncertain and not sent (unless ResendUncertain); a batch that worker
// claimed but had not started is sent. When Redis cannot be reached Run
// stops claiming, finishes the calls under way, tries to record their
// outcomes for a few seconds, and returns an error; the outcomes it could
// not record are in RunResult.Unrecorded (and stay "started" in Redis).
// The message is checked before anything is claimed: one the SDK refuses
// is an error, and nothing is sent.
func (cs *Campaigns) Run(ctx context.Context, name string, c *pushsdk.Channel, opts *RunOptions) (*RunResult, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	o, err := runDefaults(opts)
	if err != nil {
		return nil, err
	}
	k := cs.keys(name)
	m, err := cs.readMeta(ctx, k)
	if err != nil {
		return nil, err
	}
	switch {
	case m.state != metaReady:
		return nil, fmt.Errorf("pushredis: campaign %s is still being created (or its creation was interrupted: delete it and create it again)", name)
	case o.App != "" && m.spec.App != "" && o.App != m.spec.App:
		return nil, fmt.Errorf("pushredis: campaign %s is for app %s, not %s", name, m.spec.App, o.App)
	}
	// The SDK checks the message and options first: a refused one sends
	// nothing (the ctx is already cancelled).
	dry, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.PushToDevices(dry, []string{"1"}, m.spec.Msg, m.spec.Options); pushsdk.ErrorCode(err) == pushsdk.CodeSDKParams || pushsdk.ErrorCode(err) == pushsdk.CodeSDKInit {
		return nil, fmt.Errorf("pushredis: campaign %s cannot be sent: %w", name, err)
	}
	w := &worker{cs: cs, k: k, m: m, c: c, o: o, res: &RunResult{Worker: o.Worker}}
	if err := w.requeue(ctx); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	for range o.Concurrency {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
	if w.fatal != nil {
		return w.res, w.fatal
	}
	if ctx.Err() == nil && o.Stop.Err() == nil {
		// The campaign ended, as far as this worker saw: expire it Keep
		// from now (whichever worker gets here, once is enough).
		if _, err := endScript.Run(ctx, cs.rdb, k.all(), group, m.spec.Keep.Milliseconds(), time.Now().UnixMilli()).Result(); err != nil && !errors.Is(err, redis.Nil) {
			return w.res, fmt.Errorf("pushredis: Redis: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return w.res, err
	}
	return w.res, nil
}

func runDefaults(opts *RunOptions) (RunOptions, error) {
	var o RunOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case o.Concurrency == 0:
		o.Concurrency = 1
	case o.Concurrency < 0 || o.Concurrency > 256:
		return o, fmt.Errorf("pushredis: RunOptions.Concurrency %d: want 1–256", o.Concurrency)
	}
	switch {
	case o.Lease == 0:
		o.Lease = 30 * time.Second
	case o.Lease < 100*time.Millisecond:
		return o, fmt.Errorf("pushredis: RunOptions.Lease %v: want at least 100ms", o.Lease)
	}
	if o.Worker == "" {
		host, _ := os.Hostname()
		o.Worker = host + "-" + strconv.Itoa(os.Getpid()) + "-" + randomToken()[:8]
	}
	if o.Stop == nil {
		o.Stop = context.Background()
	}
	return o, nil
}

// worker is one Run.
type worker struct {
	cs *Campaigns
	k  keys
	m  *meta
	c  *pushsdk.Channel
	o  RunOptions

	mu    sync.Mutex // guards res, fatal and OnBatch calls
	res   *RunResult
	fatal error
}

// requeue queues again the failed batches (and the uncertain ones with
// ResendUncertain), each atomically: workers that start together queue
// each batch once.
func (w *worker) requeue(ctx context.Context) error {
	var again []int64
	err := w.cs.scanStates(ctx, w.k, func(i int64, rec record) error {
		if rec.State == stateFailed || w.o.ResendUncertain && rec.State == stateUncertain {
			again = append(again, i)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, i := range again {
		n, err := requeueScript.Run(ctx, w.cs.rdb, []string{w.k.queue, w.k.state, w.k.meta}, i, boolArg(w.o.ResendUncertain)).Int()
		if err != nil {
			return fmt.Errorf("pushredis: Redis: %w", err)
		}
		w.res.Requeued += int64(n)
	}
	if w.res.Requeued > 0 {
		// The campaign runs again: it no longer expires.
		pipe := w.cs.rdb.TxPipeline()
		for _, key := range w.k.all() {
			pipe.Persist(ctx, key)
		}
		pipe.HDel(ctx, w.k.meta, "ended")
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("pushredis: Redis: %w", err)
		}
	}
	return nil
}

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// fail records the first Redis failure: the worker claims nothing more.
func (w *worker) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fatal == nil {
		w.fatal = fmt.Errorf("pushredis: campaign %s: Redis: %w", w.m.spec.Name, err)
	}
}

func (w *worker) failed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fatal != nil
}

// loop claims and sends batches until none is left, Stop or ctx ends, or
// Redis fails.
func (w *worker) loop(ctx context.Context) {
	poll := min(w.o.Lease/4, 500*time.Millisecond)
	for ctx.Err() == nil && w.o.Stop.Err() == nil && !w.failed() {
		id, batch, found, err := w.claim(ctx)
		if err != nil {
			if ctx.Err() == nil {
				w.fail(err)
			}
			return
		}
		if found {
			w.handle(ctx, id, batch)
			continue
		}
		// Nothing to claim now: done when no batch is in flight with any
		// worker; otherwise wait, in case a lease expires.
		inFlight, err := w.cs.rdb.XPending(ctx, w.k.queue, group).Result()
		if err != nil {
			if ctx.Err() == nil {
				w.fail(err)
			}
			return
		}
		if inFlight.Count == 0 {
			return
		}
		select {
		case <-ctx.Done():
		case <-w.o.Stop.Done():
		case <-time.After(poll):
		}
	}
}

// claim takes a batch: first one whose lease expired, else a new one.
func (w *worker) claim(ctx context.Context) (id string, batch int64, found bool, err error) {
	for start := "0-0"; ; {
		msgs, next, err := w.cs.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: w.k.queue, Group: group, Consumer: w.o.Worker,
			MinIdle: w.o.Lease, Start: start, Count: 1}).Result()
		if err != nil {
			if isNoGroup(err) {
				return "", 0, false, fmt.Errorf("campaign %s was deleted", w.m.spec.Name)
			}
			return "", 0, false, err
		}
		if len(msgs) > 0 {
			b, err := batchOf(msgs[0])
			return msgs[0].ID, b, true, err
		}
		if next == "0-0" || next == "" {
			break
		}
		start = next
	}
	streams, err := w.cs.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: w.o.Worker,
		Streams: []string{w.k.queue, ">"}, Count: 1, Block: -1}).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", 0, false, nil
	case err != nil:
		if isNoGroup(err) {
			return "", 0, false, fmt.Errorf("campaign %s was deleted", w.m.spec.Name)
		}
		return "", 0, false, err
	}
	for _, s := range streams {
		for _, msg := range s.Messages {
			b, err := batchOf(msg)
			return msg.ID, b, true, err
		}
	}
	return "", 0, false, nil
}

func isNoGroup(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && len(re.Error()) >= 7 && re.Error()[:7] == "NOGROUP"
}

func batchOf(msg redis.XMessage) (int64, error) {
	s, _ := msg.Values["b"].(string)
	b, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("queue entry %s: no batch number", msg.ID)
	}
	return b, nil
}

// handle runs one claimed batch: start, send, outcome, with the lease
// renewed all along.
func (w *worker) handle(ctx context.Context, id string, batch int64) {
	stopBeat := w.heartbeat(ctx, id)
	defer stopBeat()
	start, _ := json.Marshal(record{State: stateStarted, Worker: w.o.Worker, Time: time.Now().UnixMilli()})
	res, err := startScript.Run(ctx, w.cs.rdb, []string{w.k.queue, w.k.state, w.k.meta}, group, w.o.Worker, id, batch,
		string(start), boolArg(w.o.ResendUncertain)).StringSlice()
	if err != nil {
		if ctx.Err() == nil {
			w.fail(err)
		}
		return
	}
	out := BatchOutcome{Batch: batch, IDs: int(w.m.batchSize(batch)), Recorded: true}
	switch res[0] {
	case "send":
	case "uncertain":
		var rec record
		_ = json.Unmarshal([]byte(res[1]), &rec)
		out.State, out.Err = pushsdk.BatchUncertain, errors.New(rec.Msg)
		w.report(out)
		return
	case "gone":
		w.fail(fmt.Errorf("campaign %s was deleted", w.m.spec.Name))
		return
	default: // "lost" (another worker has it), "done" (it has its outcome)
		return
	}
	ids, err := w.cs.batchIDs(ctx, w.k, batch)
	if err != nil {
		// Started and not sent: the record says started; tell Redis it
		// failed, as it provably was not sent.
		out.State, out.Err = pushsdk.BatchFailed, err
		w.finish(ctx, id, out)
		return
	}
	out.Sent = true
	fr, _ := w.c.PushToDevices(ctx, ids, w.m.spec.Msg, w.m.spec.Options, pushsdk.FanoutConcurrency(1))
	switch {
	case fr == nil || len(fr.Batches) != 1:
		out.State, out.Err = pushsdk.BatchFailed, errors.New("the SDK refused the batch")
	default:
		b := fr.Batches[0]
		out.State, out.Result, out.Err = b.State, b.Result, b.Err
	}
	w.finish(ctx, id, out)
}

// finish records a batch's outcome, retrying for a few seconds while Redis
// cannot be reached, and reports it.
func (w *worker) finish(ctx context.Context, id string, out BatchOutcome) {
	rec := record{State: stateNames[out.State], Worker: w.o.Worker, Time: time.Now().UnixMilli()}
	if r := out.Result; r != nil {
		rec.MsgID, rec.RequestID = r.MsgID, r.RequestID
		if !r.SendTime.IsZero() {
			rec.SendTime = r.SendTime.Unix()
		}
	}
	var ce *pushsdk.ChannelError
	if errors.As(out.Err, &ce) && ce != nil {
		rec.Code, rec.Msg, rec.RequestID = ce.Code, ce.Error(), ce.RequestID
	} else if out.Err != nil {
		rec.Msg = out.Err.Error()
	}
	data, _ := json.Marshal(rec)
	// The outcome is recorded even when ctx has ended: the call was made.
	rctx := context.WithoutCancel(ctx)
	var err error
	for wait := 50 * time.Millisecond; ; wait *= 2 {
		err = finishScript.Run(rctx, w.cs.rdb, []string{w.k.queue, w.k.state}, group, w.o.Worker, id, out.Batch, string(data)).Err()
		if err == nil || wait > 4*time.Second {
			break
		}
		time.Sleep(wait)
	}
	if err != nil {
		out.Recorded = false
		w.fail(err)
	}
	w.report(out)
}

var stateNames = map[pushsdk.BatchState]string{
	pushsdk.BatchSucceeded: stateOK, pushsdk.BatchFailed: stateFailed, pushsdk.BatchUncertain: stateUncertain,
}

// report counts an outcome and hands it to OnBatch.
func (w *worker) report(out BatchOutcome) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := Count{IDs: int64(out.IDs), Batches: 1}
	switch out.State {
	case pushsdk.BatchSucceeded:
		w.res.Succeeded.add(n)
	case pushsdk.BatchFailed:
		w.res.Failed.add(n)
	default:
		w.res.Uncertain.add(n)
	}
	if !out.Recorded {
		w.res.Unrecorded = append(w.res.Unrecorded, out)
	}
	if w.o.OnBatch != nil {
		w.o.OnBatch(out)
	}
}

// heartbeat renews the lease on a queue entry every Lease/3 while the
// batch is handled; it stops renewing once another worker owns the entry.
func (w *worker) heartbeat(ctx context.Context, id string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(w.o.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.o.Lease/3)
			mine, err := heartbeatScript.Run(rctx, w.cs.rdb, []string{w.k.queue}, group, id, w.o.Worker).Int()
			cancel()
			if err == nil && mine == 0 {
				return // lost: another worker took it over
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// startScript records a batch's start, if this worker still owns its
// queue entry: "send" (go ahead), "uncertain" (another worker started it
// and was lost: recorded uncertain, not sent), "done" (it has its
// outcome), "lost" (another worker owns the entry now), "gone" (the
// campaign was deleted). KEYS: queue, state, meta. ARGV: group, worker,
// entry id, batch, start record, resend uncertain.
var startScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[3]) == 0 then return {'gone'} end
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return {'lost'} end
local cur = redis.call('HGET', KEYS[2], ARGV[4])
local rec = nil
if cur then rec = cjson.decode(cur) end
if rec == nil or rec.s == 'queued' then
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
  return {'send'}
end
if (rec.s == 'started' or rec.s == 'uncertain') and ARGV[6] == '1' then
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
  return {'send'}
end
if rec.s == 'started' then
  local unc = cjson.encode({s = 'uncertain', w = rec.w, t = rec.t,
    msg = 'started by worker ' .. tostring(rec.w) .. ', which was lost before it recorded the outcome (its lease expired)'})
  redis.call('HSET', KEYS[2], ARGV[4], unc)
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
  return {'uncertain', unc}
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
return {'done'}
`)

// finishScript records a batch's outcome when this worker started it (or
// its start was marked uncertain after its lease expired) and acknowledges
// the entry if this worker still owns it. KEYS: queue, state. ARGV:
// group, worker, entry id, batch, outcome record.
var finishScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[2], ARGV[4])
local mine = false
if cur then
  local rec = cjson.decode(cur)
  mine = (rec.s == 'started' or rec.s == 'uncertain') and rec.w == ARGV[2]
end
if mine then redis.call('HSET', KEYS[2], ARGV[4], ARGV[5]) end
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p > 0 and p[1][2] == ARGV[2] then redis.call('XACK', KEYS[1], ARGV[1], ARGV[3]) end
if mine then return 1 end
return 0
`)

// heartbeatScript renews a lease: it resets the entry's idle time if this
// worker owns it. KEYS: queue. ARGV: group, entry id, worker.
var heartbeatScript = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
`)

// requeueScript queues a failed batch again (an uncertain one too with
// ARGV[2] = 1), once. KEYS: queue, state, meta. ARGV: batch, resend
// uncertain.
var requeueScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if not cur then return 0 end
local rec = cjson.decode(cur)
if rec.s == 'failed' or (ARGV[2] == '1' and rec.s == 'uncertain') then
  redis.call('HSET', KEYS[2], ARGV[1], '{"s":"queued"}')
  redis.call('XADD', KEYS[1], '*', 'b', ARGV[1])
  return 1
end
return 0
`)

// endScript marks a campaign ended and makes its keys expire Keep later,
// when every queue entry was delivered and acknowledged. KEYS: meta,
// batches, state, queue. ARGV: group, keep (ms), now (ms).
var endScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local pending = redis.call('XPENDING', KEYS[4], ARGV[1])
if tonumber(pending[1]) > 0 then return 0 end
local last = redis.call('XREVRANGE', KEYS[4], '+', '-', 'COUNT', 1)
if #last > 0 then
  local groups = redis.call('XINFO', 'GROUPS', KEYS[4])
  for _, g in ipairs(groups) do
    local name, delivered
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1] end
      if g[i] == 'last-delivered-id' then delivered = g[i + 1] end
    end
    if name == ARGV[1] and delivered ~= last[1][1] then return 0 end
  end
end
if redis.call('HGET', KEYS[1], 'ended') then return 1 end
redis.call('HSET', KEYS[1], 'ended', ARGV[3])
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return 1
`)
