package pushtest

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bdpush/pushsdk"
)

// The report/* endpoints: message status, timer and topic records.

func validateMsgStatus(in *input) {
	s := in.str("msg_id", true)
	switch {
	case s == "":
	case strings.HasPrefix(strings.TrimSpace(s), "["):
		in.ids = in.stringList("msg_id", 1, 1<<20)
	default:
		in.ids = []string{s}
	}
	for _, id := range in.ids {
		if !isDigits(id) {
			in.bad("msg_id", "%q is not a message id", short(id))
			return
		}
	}
}

func handleMsgStatus(in *input) (any, *apiError) {
	out := listResult[msgStatusEntry]{Result: []msgStatusEntry{}}
	for _, id := range in.ids {
		m := in.app.messages[id]
		if m == nil || m.cancelled {
			continue
		}
		out.Result = append(out.Result, msgStatusEntry{MsgID: m.id, Status: m.status(in.now, in.e.cfg.pendingFor), SendTime: m.dispatchAt.Unix(), Success: m.success})
	}
	out.TotalNum = len(out.Result)
	return out, nil
}

func validateTimerRecords(in *input) {
	in.str("timer_id", true)
	in.page()
	in.timeRange()
}

// records lists the dispatched messages sent within the range, a page of
// them.
func records(in *input, msgs []*message) []record {
	out := []record{}
	n := 0
	for _, m := range msgs {
		if !m.dispatched || m.cancelled || m.evicted || m.dispatchAt.Before(in.rangeStart) || m.dispatchAt.After(in.rangeEnd) {
			continue
		}
		if n >= in.start && len(out) < in.limit {
			out = append(out, record{MsgID: m.id, Status: m.status(in.now, in.e.cfg.pendingFor), SendTime: m.dispatchAt.Unix()})
		}
		n++
	}
	return out
}

func handleTimerRecords(in *input) (any, *apiError) {
	id := in.p.Get("timer_id")
	t := in.app.timers[id]
	if t == nil || t.msg.cancelled {
		return nil, errf(pushsdk.CodeTimerNotExist, "timer_id %s", short(id))
	}
	return timerRecords{TimerID: t.id, Result: records(in, []*message{t.msg})}, nil
}

func validateTopicRecords(in *input) {
	in.topicID = in.topic("topic_id", true)
	in.page()
	in.timeRange()
}

func handleTopicRecords(in *input) (any, *apiError) {
	var msgs []*message
	if t := in.app.topics[in.topicID]; t != nil {
		msgs = t.msgs
	}
	return topicRecords{TopicID: in.topicID, Result: records(in, msgs)}, nil
}

// The statistics endpoints (report/statistic_*).

// statDayKeys returns the last 30 days, oldest first, as day starts.
func statDayKeys(now time.Time) []time.Time {
	today := dayStart(now)
	out := make([]time.Time, statDays)
	for i := range out {
		out[i] = today.AddDate(0, 0, i-statDays+1)
	}
	return out
}

func dayKey(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// handleStatDevice reads the day counters: the work grows with the days
// that saw binds or unbinds, not with the devices.
func handleStatDevice(in *input) (any, *apiError) {
	days := statDayKeys(in.now)
	a := in.app
	keys := make([]int64, 0, len(a.days))
	for k := range a.days {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := dayResult[deviceStat]{TotalNum: len(days), Result: make(map[string]deviceStat, len(days))}
	var total, addup int64 // up to the day being reported
	next := 0
	for _, d := range days {
		for ; next < len(keys) && keys[next] <= d.Unix(); next++ {
			c := a.days[keys[next]]
			total += c.binds - c.unbinds
			addup += c.fresh
		}
		st := deviceStat{Online: -1, Total: total, Addup: addup} // the emulator does not model connections
		if c := a.days[d.Unix()]; c != nil {
			st.New, st.Del = c.binds, c.unbinds
		}
		out.Result[dayKey(d)] = st
	}
	return out, nil
}

func handleStatTopic(in *input) (any, *apiError) {
	t := in.app.topics[in.topicID]
	if t == nil {
		return dayResult[ackStat]{Result: map[string]ackStat{}}, nil
	}
	days := statDayKeys(in.now)
	out := dayResult[ackStat]{TotalNum: len(days), Result: make(map[string]ackStat, len(days))}
	for _, d := range days {
		out.Result[dayKey(d)] = ackStat{Ack: t.ackByDay[d.Unix()]}
	}
	return out, nil
}

func handleStatMsg(in *input) (any, *apiError) {
	days := statDayKeys(in.now)
	out := listResult[rangeStat]{Result: []rangeStat{}}
	for _, rt := range in.queryTypes {
		rs := rangeStat{RangeType: rt, TotalNum: len(days), Result: make(map[string]msgStat, len(days))}
		modelled := rt == int(pushsdk.RangeTag) || rt == int(pushsdk.RangeBroadcast) || rt == int(pushsdk.RangeBatch) || rt == int(pushsdk.RangeUnicast)
		for _, d := range days {
			st := msgStat{Push: -1, Ack: -1, Del: -1, Click: -1}
			if modelled {
				st.Push, st.Ack = 0, 0
				if c := in.app.days[d.Unix()]; c != nil {
					st.Push, st.Ack = c.push[rt], c.ack[rt]
				}
			}
			rs.Result[dayKey(d)] = st
		}
		out.Result = append(out.Result, rs)
	}
	out.TotalNum = len(out.Result)
	return out, nil
}
