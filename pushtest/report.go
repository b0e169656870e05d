package pushtest

import (
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
		if !m.dispatched || m.cancelled || m.dispatchAt.Before(in.rangeStart) || m.dispatchAt.After(in.rangeEnd) {
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

func handleStatDevice(in *input) (any, *apiError) {
	days := statDayKeys(in.now)
	out := dayResult[deviceStat]{TotalNum: len(days), Result: make(map[string]deviceStat, len(days))}
	for _, d := range days {
		end := d.AddDate(0, 0, 1)
		var st deviceStat
		st.Online = -1 // the emulator does not model connections
		for _, ev := range in.app.bindEvents {
			if !ev.at.Before(end) {
				continue
			}
			inDay := !ev.at.Before(d)
			switch {
			case ev.bound:
				st.Total++
				if ev.fresh {
					st.Addup++
				}
				if inDay {
					st.New++
				}
			default:
				st.Total--
				if inDay {
					st.Del++
				}
			}
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
		var st ackStat
		end := d.AddDate(0, 0, 1)
		for _, m := range t.msgs {
			if m.final && !m.doneAt.Before(d) && m.doneAt.Before(end) {
				st.Ack += m.success
			}
		}
		out.Result[dayKey(d)] = st
	}
	return out, nil
}

func handleStatMsg(in *input) (any, *apiError) {
	days := statDayKeys(in.now)
	out := listResult[rangeStat]{Result: []rangeStat{}}
	var msgs []*message
	for _, m := range in.app.messages {
		if m.dispatched && !m.cancelled {
			msgs = append(msgs, m)
		}
	}
	for _, rt := range in.queryTypes {
		rs := rangeStat{RangeType: rt, TotalNum: len(days), Result: make(map[string]msgStat, len(days))}
		modelled := rt == int(pushsdk.RangeTag) || rt == int(pushsdk.RangeBroadcast) || rt == int(pushsdk.RangeBatch) || rt == int(pushsdk.RangeUnicast)
		for _, d := range days {
			st := msgStat{Push: -1, Ack: -1, Del: -1, Click: -1}
			if modelled {
				st.Push, st.Ack = 0, 0
				end := d.AddDate(0, 0, 1)
				for _, m := range msgs {
					if m.rangeType != rt {
						continue
					}
					if !m.dispatchAt.Before(d) && m.dispatchAt.Before(end) {
						st.Push += int64(len(m.targets))
					}
					if m.final && !m.doneAt.Before(d) && m.doneAt.Before(end) {
						st.Ack += m.success
					}
				}
			}
			rs.Result[dayKey(d)] = st
		}
		out.Result = append(out.Result, rs)
	}
	out.TotalNum = len(out.Result)
	return out, nil
}
