package pushtest

import (
	"slices"
	"time"

	"github.com/bdpush/pushsdk"
)

// The timer/* endpoints: the pending timers, cancelling one.

func validateTimerList(in *input) {
	in.str("timer_id", false)
	in.page()
}

func handleTimerList(in *input) (any, *apiError) {
	pending := in.app.pendingTimers()
	if id := in.p.Get("timer_id"); id != "" {
		pending = slices.DeleteFunc(pending, func(t *timer) bool { return t.id != id })
	}
	out := listResult[timerEntry]{TotalNum: len(pending), Result: []timerEntry{}}
	for _, t := range page(pending, in.start, in.limit) {
		out.Result = append(out.Result, timerEntry{TimerID: t.id, Msg: t.msg.text, SendTime: t.sendTime.Unix(), MsgType: t.msg.msgType, RangeType: t.msg.rangeType})
	}
	return out, nil
}

func page[T any](all []T, start, limit int) []T {
	if start >= len(all) {
		return nil
	}
	return all[start:min(start+limit, len(all))]
}

func validateCancel(in *input) { in.str("timer_id", true) }

func handleCancel(in *input) (any, *apiError) {
	id := in.p.Get("timer_id")
	t := in.app.timers[id]
	switch {
	case t == nil || t.msg.cancelled:
		return nil, errf(pushsdk.CodeTimerNotExist, "timer_id %s", short(id))
	case t.executed:
		return nil, errf(pushsdk.CodeTimerHasBeenExecuted, "timer_id %s ran at %d", id, t.sendTime.Unix())
	case t.sendTime.Sub(in.now) <= time.Minute:
		return nil, errf(pushsdk.CodeTimerCannotCancel, "timer_id %s runs within 60 s", id)
	}
	// A cancelled timer leaves the service's lists (cancelling it again gets
	// 41001); the inspector keeps it in the timers' history.
	t.msg.cancelled = true
	t.cancelled = in.now
	delete(in.app.timers, id)
	delete(in.app.messages, t.msg.id)
	in.e.evictTimers(in.app)
	return nil, nil
}
