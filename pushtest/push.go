package pushtest

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/bdpush/pushsdk"
)

// The push/* endpoints: one device, all, a tag or a smart tag, a batch.

func validateSingle(in *input) {
	in.ids = []string{in.channelID("channel_id")}
	in.pushParams(true, false)
}

func handleSingle(in *input) (any, *apiError) {
	id := in.ids[0]
	if !in.e.known(in.app, id, in.now) {
		if in.app.devices[id] == nil && !in.e.cfg.requireBinding {
			return nil, errf(pushsdk.CodeBindTooMany, "the app has %d devices, the emulator's limit (--max-devices); channel_id %s is not bound",
				len(in.app.devices), id)
		}
		return nil, errf(pushsdk.CodeBindNotFound, "channel_id %s is not bound", id)
	}
	m := &message{text: in.msg, msgType: in.msgType, rangeType: int(pushsdk.RangeUnicast), targets: id, ntargets: 1}
	in.e.accept(in.app, m, in.now, time.Time{})
	return pushParams{MsgID: m.id, SendTime: m.dispatchAt.Unix()}, nil
}

func validateAll(in *input) { in.pushParams(true, true) }

func handleAll(in *input) (any, *apiError) {
	m := &message{text: in.msg, msgType: in.msgType, rangeType: int(pushsdk.RangeBroadcast)}
	return in.e.acceptMaybeTimed(in, m)
}

func (e *Emulator) acceptMaybeTimed(in *input, m *message) (any, *apiError) {
	if !in.sendTime.IsZero() && len(in.app.pendingTimers()) >= maxPendingTimers {
		return nil, errf(pushsdk.CodeTimerNumExceed, "at most %d pending timers per app", maxPendingTimers)
	}
	e.accept(in.app, m, in.now, in.sendTime)
	out := pushParams{MsgID: m.id, SendTime: m.dispatchAt.Unix()}
	if m.timer != nil {
		out.TimerID = m.timer.id
	}
	return out, nil
}

// smartRange is the range type a smart-tag push is counted under.
var smartRange = map[int]pushsdk.RangeType{
	2: pushsdk.RangeLBS, 3: pushsdk.RangePrecise, 4: pushsdk.RangePrecise, 5: pushsdk.RangePrecise, 6: pushsdk.RangeTagCombination,
}

// validateTags checks push/tags: type 1 with a tag, or a smart tag — type
// 2–6 with a JSON selector and no tag.
func validateTags(in *input) {
	switch t := in.str("type", true); {
	case t == "":
	case t == "1":
		in.tag = in.tagName("tag", true)
		if in.str("selector", false) != "" {
			in.bad("selector", "is not taken with type 1")
		}
	case len(t) == 1 && t[0] >= '2' && t[0] <= '6':
		in.smartType = int(t[0] - '0')
		in.selector = in.str("selector", true)
		if in.selector != "" && !json.Valid([]byte(in.selector)) {
			in.bad("selector", "must be JSON")
		}
		if in.str("tag", false) != "" {
			in.bad("tag", "is not taken with type %s (a smart tag push)", t)
		}
	default:
		in.bad("type", "must be 1 (a tag) or 2-6 (a smart tag), got %q", short(t))
	}
	in.pushParams(true, true)
}

func handleTagPush(in *input) (any, *apiError) {
	if in.smartType != 0 {
		// The selector's grammar is not published: the push is recorded
		// and reaches no device.
		m := &message{text: in.msg, msgType: in.msgType, rangeType: int(smartRange[in.smartType]), smartType: in.smartType, selector: in.selector}
		return in.e.acceptMaybeTimed(in, m)
	}
	if in.tag != defaultTag && in.app.tags[in.tag] == nil {
		return nil, errf(pushsdk.CodeTagNotFound, "tag %s", in.tag)
	}
	m := &message{text: in.msg, msgType: in.msgType, rangeType: int(pushsdk.RangeTag), tag: in.tag}
	return in.e.acceptMaybeTimed(in, m)
}

func validateBatch(in *input) {
	in.ids = in.channelIDs("channel_ids", maxBatchIDs)
	in.topicID = in.topic("topic_id", false)
	in.pushParams(true, false)
}

func handleBatch(in *input) (any, *apiError) {
	seen := make(map[string]struct{}, len(in.ids))
	var targets strings.Builder
	n := 0
	for _, id := range in.ids {
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		in.e.known(in.app, id, in.now) // binds new ids unless binding is required (or the app is full)
		if n > 0 {
			targets.WriteByte('\n')
		}
		targets.WriteString(id)
		n++
	}
	m := &message{text: in.msg, msgType: in.msgType, rangeType: int(pushsdk.RangeBatch), targets: targets.String(), ntargets: n}
	if in.topicID != "" {
		t := in.app.topics[in.topicID]
		if t == nil {
			if len(in.app.topicOrder) >= in.e.cfg.limits.Topics {
				// The oldest topic is forgotten (Limits.Topics).
				old := in.app.topicOrder[0]
				delete(in.app.topics, old.id)
				in.app.topicOrder = slices.Delete(in.app.topicOrder, 0, 1)
			}
			t = &topic{id: in.topicID, ctime: in.now, ackCnt: -1}
			in.app.topics[t.id] = t
			in.app.topicOrder = append(in.app.topicOrder, t)
		}
		t.mtime = in.now
		t.pushCnt += int64(n)
		t.msgs = append(t.msgs, m)
		m.topic = t
	}
	in.e.accept(in.app, m, in.now, time.Time{})
	return pushParams{MsgID: m.id, SendTime: m.dispatchAt.Unix()}, nil
}
