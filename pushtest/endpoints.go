package pushtest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bdpush/pushsdk"
)

// endpointDef is one REST endpoint: its checks (run outside the lock) and
// its handler (run under the lock, after the clock has caught up).
type endpointDef struct {
	path     string
	query    bool
	validate func(in *input)
	handle   func(in *input) (any, *apiError)
}

var endpointsByPath = map[string]*endpointDef{}

func init() {
	for _, ep := range []*endpointDef{
		{path: "push/single_device", validate: validateSingle, handle: handleSingle},
		{path: "push/all", validate: validateAll, handle: handleAll},
		{path: "push/tags", validate: validateTags, handle: handleTagPush},
		{path: "push/batch_device", validate: validateBatch, handle: handleBatch},
		{path: "report/query_msg_status", query: true, validate: validateMsgStatus, handle: handleMsgStatus},
		{path: "report/query_timer_records", query: true, validate: validateTimerRecords, handle: handleTimerRecords},
		{path: "report/query_topic_records", query: true, validate: validateTopicRecords, handle: handleTopicRecords},
		{path: "timer/query_list", query: true, validate: validateTimerList, handle: handleTimerList},
		{path: "timer/cancel", validate: validateCancel, handle: handleCancel},
		{path: "topic/query_list", query: true, validate: func(in *input) { in.page() }, handle: handleTopicList},
		{path: "app/query_tags", query: true, validate: validateQueryTags, handle: handleQueryTags},
		{path: "app/create_tag", validate: validateTagName, handle: handleCreateTag},
		{path: "app/del_tag", validate: validateTagName, handle: handleDelTag},
		{path: "tag/add_devices", validate: validateTagDevices, handle: handleAddDevices},
		{path: "tag/del_devices", validate: validateTagDevices, handle: handleDelDevices},
		{path: "tag/device_num", query: true, validate: validateTagName, handle: handleDeviceNum},
		{path: "report/statistic_msg", query: true, validate: func(in *input) { in.rangeTypes() }, handle: handleStatMsg},
		{path: "report/statistic_device", query: true, validate: func(*input) {}, handle: handleStatDevice},
		{path: "report/statistic_topic", query: true, validate: func(in *input) { in.topicID = in.topic("topic_id", true) }, handle: handleStatTopic},
	} {
		endpointsByPath[ep.path] = ep
	}
}

// Wire shapes of response_params. Ids are strings; times and counts numbers.
type pushParams struct {
	MsgID    string `json:"msg_id"`
	SendTime int64  `json:"send_time"`
	TimerID  string `json:"timer_id,omitempty"`
}

type msgStatusEntry struct {
	MsgID    string `json:"msg_id"`
	Status   int    `json:"status"`
	SendTime int64  `json:"send_time"`
	Success  int64  `json:"success"`
}

type listResult[T any] struct {
	TotalNum int `json:"total_num"`
	Result   []T `json:"result"`
}

type record struct {
	MsgID    string `json:"msg_id"`
	Status   int    `json:"status"`
	SendTime int64  `json:"send_time"`
}

type timerRecords struct {
	TimerID string   `json:"timer_id"`
	Result  []record `json:"result"`
}

type topicRecords struct {
	TopicID string   `json:"topic_id"`
	Result  []record `json:"result"`
}

type timerEntry struct {
	TimerID   string `json:"timer_id"`
	Msg       string `json:"msg"`
	SendTime  int64  `json:"send_time"`
	MsgType   int    `json:"msg_type"`
	RangeType int    `json:"range_type"`
}

type topicEntry struct {
	TopicID string `json:"topic_id"`
	CTime   int64  `json:"ctime"`
	MTime   int64  `json:"mtime"`
	PushCnt int64  `json:"push_cnt"`
	AckCnt  int64  `json:"ack_cnt"`
}

type tagEntry struct {
	TID        string `json:"tid"`
	Tag        string `json:"tag"`
	Info       string `json:"info"`
	Type       int    `json:"type"`
	CreateTime int64  `json:"create_time"`
}

type tagResult struct {
	Tag    string `json:"tag"`
	Result int    `json:"result"`
}

type deviceResult struct {
	ChannelID string `json:"channel_id"`
	Result    int    `json:"result"`
}

type deviceResults struct {
	Result []deviceResult `json:"result"`
}

type deviceNum struct {
	DeviceNum int `json:"device_num"`
}

type deviceStat struct {
	New    int64 `json:"new_term"`
	Del    int64 `json:"del_term"`
	Online int64 `json:"online_term"`
	Addup  int64 `json:"addup_term"`
	Total  int64 `json:"total_term"`
}

type ackStat struct {
	Ack int64 `json:"ack"`
}

type msgStat struct {
	Push  int64 `json:"push"`
	Ack   int64 `json:"ack"`
	Del   int64 `json:"del"`
	Click int64 `json:"click"`
}

type dayResult[T any] struct {
	TotalNum int          `json:"total_num"`
	Result   map[string]T `json:"result"`
}

type rangeStat struct {
	RangeType int                `json:"range_type"`
	TotalNum  int                `json:"total_num"`
	Result    map[string]msgStat `json:"result"`
}

// --- pushes ---

func validateSingle(in *input) {
	in.ids = []string{in.channelID("channel_id")}
	in.pushParams(true, false)
}

func handleSingle(in *input) (any, *apiError) {
	id := in.ids[0]
	if !in.e.known(in.app, id, in.now) {
		return nil, errf(pushsdk.CodeBindNotFound, "channel_id %s is not bound", id)
	}
	m := &message{text: in.msg, msgType: in.msgType, rangeType: int(pushsdk.RangeUnicast), targets: []string{id}}
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
	targets := make([]string, 0, len(in.ids))
	for _, id := range in.ids {
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		in.e.known(in.app, id, in.now) // binds new ids unless binding is required
		targets = append(targets, id)
	}
	m := &message{text: in.msg, msgType: in.msgType, rangeType: int(pushsdk.RangeBatch), targets: targets}
	if in.topicID != "" {
		t := in.app.topics[in.topicID]
		if t == nil {
			t = &topic{id: in.topicID, ctime: in.now, ackCnt: -1}
			in.app.topics[t.id] = t
			in.app.topicOrder = append(in.app.topicOrder, t)
		}
		t.mtime = in.now
		t.pushCnt += int64(len(targets))
		t.msgs = append(t.msgs, m)
		m.topic = t
	}
	in.e.accept(in.app, m, in.now, time.Time{})
	return pushParams{MsgID: m.id, SendTime: m.dispatchAt.Unix()}, nil
}

// --- reports ---

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

// --- timers ---

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
	t.msg.cancelled = true
	delete(in.app.timers, id)
	delete(in.app.messages, t.msg.id)
	in.app.timerOrder = slices.DeleteFunc(in.app.timerOrder, func(x *timer) bool { return x == t })
	return nil, nil
}

// --- topics ---

func handleTopicList(in *input) (any, *apiError) {
	out := listResult[topicEntry]{TotalNum: len(in.app.topicOrder), Result: []topicEntry{}}
	for _, t := range page(in.app.topicOrder, in.start, in.limit) {
		out.Result = append(out.Result, topicEntry{TopicID: t.id, CTime: t.ctime.Unix(), MTime: t.mtime.Unix(), PushCnt: t.pushCnt, AckCnt: t.ackCnt})
	}
	return out, nil
}

// --- tags ---

func validateTagName(in *input) { in.tag = in.tagName("tag", true) }

func validateQueryTags(in *input) {
	in.tag = in.tagName("tag", false)
	in.page()
}

func (a *appState) tagEntry(t *tag) tagEntry {
	return tagEntry{TID: strconv.FormatInt(t.tid, 10), Tag: t.name, Info: t.name, Type: 1, CreateTime: t.created.Unix()}
}

func handleQueryTags(in *input) (any, *apiError) {
	a := in.app
	all := []tagEntry{{TID: "1", Tag: defaultTag, Info: defaultTag, Type: 0, CreateTime: a.created.Unix()}}
	for _, t := range a.tagOrder {
		all = append(all, a.tagEntry(t))
	}
	if in.tag != "" {
		all = slices.DeleteFunc(all, func(t tagEntry) bool { return t.Tag != in.tag })
	}
	return listResult[tagEntry]{TotalNum: len(all), Result: append([]tagEntry{}, page(all, in.start, in.limit)...)}, nil
}

func handleCreateTag(in *input) (any, *apiError) {
	a := in.app
	switch {
	case in.tag == defaultTag:
		return nil, errf(pushsdk.CodeDefaultTagReserved, "")
	case a.tags[in.tag] != nil:
		return nil, errf(pushsdk.CodeDuplicateOperation, "tag %s exists", in.tag)
	}
	in.e.nextTID++
	t := &tag{tid: in.e.nextTID, name: in.tag, created: in.now, members: map[string]struct{}{}}
	a.tags[t.name] = t
	a.tagOrder = append(a.tagOrder, t)
	return tagResult{Tag: t.name, Result: 0}, nil
}

func handleDelTag(in *input) (any, *apiError) {
	a := in.app
	t, aerr := a.mutableTag(in.tag)
	if aerr != nil {
		return nil, aerr
	}
	delete(a.tags, t.name)
	a.tagOrder = slices.DeleteFunc(a.tagOrder, func(x *tag) bool { return x == t })
	return tagResult{Tag: t.name, Result: 0}, nil
}

func (a *appState) mutableTag(name string) (*tag, *apiError) {
	if name == defaultTag {
		return nil, errf(pushsdk.CodeDefaultTagReserved, "")
	}
	t := a.tags[name]
	if t == nil {
		return nil, errf(pushsdk.CodeTagNotFound, "tag %s", name)
	}
	return t, nil
}

func validateTagDevices(in *input) {
	in.tag = in.tagName("tag", true)
	in.ids = in.channelIDs("channel_ids", maxTagIDs)
}

func handleAddDevices(in *input) (any, *apiError) {
	t, aerr := in.app.mutableTag(in.tag)
	if aerr != nil {
		return nil, aerr
	}
	out := deviceResults{Result: make([]deviceResult, 0, len(in.ids))}
	for _, id := range in.ids {
		res := 1 // already in the tag, or not a bound device
		if _, member := t.members[id]; !member && in.e.known(in.app, id, in.now) {
			t.members[id] = struct{}{}
			res = 0
		}
		out.Result = append(out.Result, deviceResult{ChannelID: id, Result: res})
	}
	return out, nil
}

func handleDelDevices(in *input) (any, *apiError) {
	t, aerr := in.app.mutableTag(in.tag)
	if aerr != nil {
		return nil, aerr
	}
	out := deviceResults{Result: make([]deviceResult, 0, len(in.ids))}
	for _, id := range in.ids {
		res := 1
		if _, ok := t.members[id]; ok {
			delete(t.members, id)
			res = 0
		}
		out.Result = append(out.Result, deviceResult{ChannelID: id, Result: res})
	}
	return out, nil
}

func handleDeviceNum(in *input) (any, *apiError) {
	if in.tag == defaultTag {
		return deviceNum{DeviceNum: len(in.app.boundIDs())}, nil
	}
	t := in.app.tags[in.tag]
	if t == nil {
		return nil, errf(pushsdk.CodeTagNotFound, "tag %s", in.tag)
	}
	return deviceNum{DeviceNum: len(t.members)}, nil
}

// --- statistics ---

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
