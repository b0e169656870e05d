package pushsdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The service's JSON is loose: ids arrive as strings or as numbers (msg ids
// exceed 2^53, so they are never converted through float64), timestamps and
// counts as numbers or strings, empty objects as PHP's empty array []. The
// small types below accept each of those spellings exactly and refuse
// anything else.

// beijing is the zone of the service's statistics days (00:00 UTC+8).
var beijing = time.FixedZone("CST", 8*3600)

// jsonID is an id that may arrive as a JSON string or an integer number.
type jsonID struct {
	v   string
	set bool
}

func (id *jsonID) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		return errors.New("empty id")
	case b[0] == '"':
		s, err := unquote(b)
		if err != nil {
			return err
		}
		id.v, id.set = s, true
	case string(b) == "null":
		*id = jsonID{}
	case isJSONInteger(b):
		id.v, id.set = string(b), true
	default:
		return fmt.Errorf("id %.40s is neither a string nor an integer", b)
	}
	return nil
}

// jsonInt is an integer that may arrive as a JSON number or a string of
// digits.
type jsonInt struct {
	v   int64
	set bool
}

func (n *jsonInt) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = jsonInt{}
		return nil
	}
	raw := b
	if len(b) > 0 && b[0] == '"' {
		if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
			raw = b[1 : len(b)-1]
		} else {
			s, err := unquote(b)
			if err != nil {
				return err
			}
			raw = []byte(s)
		}
	}
	if !isJSONInteger(raw) {
		return fmt.Errorf("%.40s is not an integer", b)
	}
	v, ok := parseInt64(raw)
	if !ok {
		return fmt.Errorf("integer %.40s: value out of range", b)
	}
	n.v, n.set = v, true
	return nil
}

// unixTime converts unix seconds into a UTC time; 0 (the service's "none")
// stays the zero time.
func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

func isJSONInteger(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 1 && b[0] == '0' {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func unquote(b []byte) (string, error) {
	// The common case has no escapes; skip the general decoder.
	if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 && bytes.IndexByte(b[1:len(b)-1], '"') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", err
	}
	return s, nil
}

// dayMap is a statistics map keyed by the unix time of a day, decoded into
// entries sorted by day. An empty JSON array stands for an empty map. Each
// day's object is read field by field through PT.field.
type dayMap[T any, PT dayFields[T]] struct {
	days []time.Time
	vals []T
	set  bool
}

// dayFields is a statistics entry that takes its fields one at a time.
type dayFields[T any] interface {
	*T
	field(key, val []byte) error
}

func (m *dayMap[T, PT]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*m = dayMap[T, PT]{}
		return nil
	}
	if isEmptyArray(b) {
		*m = dayMap[T, PT]{set: true}
		return nil
	}
	type kv struct {
		day int64
		v   T
	}
	var list []kv
	// encoding/json has validated b: the scanner may walk it.
	err := eachMember(b, func(k, v []byte) error {
		day, ok := parseInt64(k)
		if !ok {
			return fmt.Errorf("statistics key %q is not a unix day", k)
		}
		var e kv
		e.day = day
		if err := eachMember(v, func(fk, fv []byte) error { return PT(&e.v).field(fk, fv) }); err != nil {
			return fmt.Errorf("statistics of day %d: %w", day, err)
		}
		list = append(list, e)
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(list, func(a, b kv) int { return cmpInt64(a.day, b.day) })
	list = slices.CompactFunc(list, func(a, b kv) bool { return a.day == b.day })
	m.days = make([]time.Time, len(list))
	m.vals = make([]T, len(list))
	for i, e := range list {
		m.days[i] = time.Unix(e.day, 0).In(beijing)
		m.vals[i] = e.v
	}
	m.set = true
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isEmptyArray(b []byte) bool {
	return len(b) >= 2 && b[0] == '[' && len(bytes.TrimSpace(b[1:len(b)-1])) == 0 && b[len(b)-1] == ']'
}

// resultPtr is what every result type implements: it decodes its
// response_params and keeps the request id.
type resultPtr[T any] interface {
	*T
	decode(params []byte) error
	setRequestID(id int64)
}

// listParams is the shape of every listing: total_num plus a result array,
// which older documents spell "tags" or "topics".
type listParams[E any] struct {
	TotalNum jsonInt `json:"total_num"`
	Result   *[]E    `json:"result"`
	Tags     *[]E    `json:"tags"`
	Topics   *[]E    `json:"topics"`
}

func (l *listParams[E]) items() ([]E, int64, error) {
	var items []E
	switch {
	case l.Result != nil:
		items = *l.Result
	case l.Tags != nil:
		items = *l.Tags
	case l.Topics != nil:
		items = *l.Topics
	case !l.TotalNum.set || l.TotalNum.v != 0:
		return nil, 0, errors.New("response_params has no result list")
	}
	total := l.TotalNum.v
	if !l.TotalNum.set {
		total = int64(len(items))
	}
	return items, total, nil
}

func decodeParams(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 || string(b) == "null" {
		return errors.New("response_params is missing")
	}
	return json.Unmarshal(b, v)
}

// --- push ---

type wirePush struct {
	MsgID    jsonID
	SendTime jsonInt
	TimerID  jsonID
}

func (r *PushResult) setRequestID(id int64) { r.RequestID = id }
func (r *PushResult) decode(b []byte) error {
	var w wirePush
	err := eachMember(b, func(k, v []byte) error {
		switch string(k) {
		case "msg_id":
			return w.MsgID.UnmarshalJSON(v)
		case "send_time":
			return w.SendTime.UnmarshalJSON(v)
		case "timer_id":
			return w.TimerID.UnmarshalJSON(v)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("response_params: %w", err)
	}
	if w.MsgID.v == "" && w.TimerID.v == "" {
		return errors.New("response_params has neither msg_id nor timer_id")
	}
	r.MsgID, r.SendTime, r.TimerID = w.MsgID.v, unixTime(w.SendTime.v), w.TimerID.v
	return nil
}

// --- message status and records ---

type wireRecord struct {
	MsgID    jsonID  `json:"msg_id"`
	Status   jsonInt `json:"status"`
	SendTime jsonInt `json:"send_time"`
	Success  jsonInt `json:"success"`
}

func (w *wireRecord) check() error {
	if w.MsgID.v == "" {
		return errors.New("a result entry has no msg_id")
	}
	if !w.Status.set {
		return fmt.Errorf("result entry %s has no status", w.MsgID.v)
	}
	return nil
}

func (r *MsgStatusResult) setRequestID(id int64) { r.RequestID = id }
func (r *MsgStatusResult) decode(b []byte) error {
	var w listParams[wireRecord]
	if err := decodeParams(b, &w); err != nil {
		return err
	}
	items, total, err := w.items()
	if err != nil {
		return err
	}
	r.TotalNum = total
	r.Messages = make([]MsgStatusEntry, len(items))
	for i := range items {
		e := &items[i]
		if err := e.check(); err != nil {
			return err
		}
		r.Messages[i] = MsgStatusEntry{MsgID: e.MsgID.v, Status: MsgStatus(e.Status.v), SendTime: unixTime(e.SendTime.v), Success: e.Success.v}
	}
	return nil
}

type wireRecords struct {
	TimerID jsonID `json:"timer_id"`
	TopicID string `json:"topic_id"`
	listParams[wireRecord]
}

func decodeRecords(b []byte) (*wireRecords, []Record, error) {
	var w wireRecords
	if err := decodeParams(b, &w); err != nil {
		return nil, nil, err
	}
	items, _, err := w.items()
	if err != nil {
		return nil, nil, err
	}
	recs := make([]Record, len(items))
	for i := range items {
		e := &items[i]
		if err := e.check(); err != nil {
			return nil, nil, err
		}
		recs[i] = Record{MsgID: e.MsgID.v, Status: MsgStatus(e.Status.v), SendTime: unixTime(e.SendTime.v)}
	}
	return &w, recs, nil
}

func (r *TimerRecords) setRequestID(id int64) { r.RequestID = id }
func (r *TimerRecords) decode(b []byte) error {
	w, recs, err := decodeRecords(b)
	if err != nil {
		return err
	}
	r.TimerID, r.Records = w.TimerID.v, recs
	return nil
}

func (r *TopicRecords) setRequestID(id int64) { r.RequestID = id }
func (r *TopicRecords) decode(b []byte) error {
	w, recs, err := decodeRecords(b)
	if err != nil {
		return err
	}
	r.TopicID, r.Records = w.TopicID, recs
	return nil
}

// --- timers, topics, tags ---

type wireTimer struct {
	TimerID   jsonID  `json:"timer_id"`
	Msg       string  `json:"msg"`
	SendTime  jsonInt `json:"send_time"`
	MsgType   jsonInt `json:"msg_type"`
	RangeType jsonInt `json:"range_type"`
}

func (r *TimerList) setRequestID(id int64) { r.RequestID = id }
func (r *TimerList) decode(b []byte) error {
	var w listParams[wireTimer]
	if err := decodeParams(b, &w); err != nil {
		return err
	}
	items, total, err := w.items()
	if err != nil {
		return err
	}
	r.TotalNum = total
	r.Timers = make([]Timer, len(items))
	for i, e := range items {
		if e.TimerID.v == "" {
			return errors.New("a timer entry has no timer_id")
		}
		r.Timers[i] = Timer{TimerID: e.TimerID.v, Msg: e.Msg, SendTime: unixTime(e.SendTime.v), MsgType: MsgType(e.MsgType.v), RangeType: RangeType(e.RangeType.v)}
	}
	return nil
}

type wireTopic struct {
	TopicID string  `json:"topic_id"`
	CTime   jsonInt `json:"ctime"`
	MTime   jsonInt `json:"mtime"`
	PushCnt jsonInt `json:"push_cnt"`
	AckCnt  jsonInt `json:"ack_cnt"`
}

func (r *TopicList) setRequestID(id int64) { r.RequestID = id }
func (r *TopicList) decode(b []byte) error {
	var w listParams[wireTopic]
	if err := decodeParams(b, &w); err != nil {
		return err
	}
	items, total, err := w.items()
	if err != nil {
		return err
	}
	r.TotalNum = total
	r.Topics = make([]Topic, len(items))
	for i, e := range items {
		if e.TopicID == "" {
			return errors.New("a topic entry has no topic_id")
		}
		ack := e.AckCnt.v
		if !e.AckCnt.set {
			ack = -1
		}
		r.Topics[i] = Topic{TopicID: e.TopicID, FirstSent: unixTime(e.CTime.v), LastSent: unixTime(e.MTime.v), PushCount: e.PushCnt.v, AckCount: ack}
	}
	return nil
}

type wireTag struct {
	TID        jsonID  `json:"tid"`
	Tag        string  `json:"tag"`
	Info       string  `json:"info"`
	Type       jsonInt `json:"type"`
	CreateTime jsonInt `json:"create_time"`
	CreateTim2 jsonInt `json:"createtime"`
}

func (r *TagList) setRequestID(id int64) { r.RequestID = id }
func (r *TagList) decode(b []byte) error {
	var w listParams[wireTag]
	if err := decodeParams(b, &w); err != nil {
		return err
	}
	items, total, err := w.items()
	if err != nil {
		return err
	}
	r.TotalNum = total
	r.Tags = make([]Tag, len(items))
	for i, e := range items {
		if e.Tag == "" {
			return errors.New("a tag entry has no tag name")
		}
		ct := e.CreateTime
		if !ct.set {
			ct = e.CreateTim2
		}
		r.Tags[i] = Tag{TID: e.TID.v, Name: e.Tag, Info: e.Info, Type: int(e.Type.v), CreateTime: unixTime(ct.v)}
	}
	return nil
}

type wireTagResult struct {
	Tag    string  `json:"tag"`
	Result jsonInt `json:"result"`
}

func (r *TagResult) setRequestID(id int64) { r.RequestID = id }
func (r *TagResult) decode(b []byte) error {
	var w wireTagResult
	if err := decodeParams(b, &w); err != nil {
		return err
	}
	if !w.Result.set {
		return errors.New("response_params has no result")
	}
	r.Tag, r.OK = w.Tag, w.Result.v == 0
	return nil
}

type wireDevice struct {
	ChannelID jsonID  `json:"channel_id"`
	Result    jsonInt `json:"result"`
}

type wireDevices struct {
	Result  *[]wireDevice `json:"result"`
	Devices *[]wireDevice `json:"devices"`
}

func (r *DeviceResults) setRequestID(id int64) { r.RequestID = id }
func (r *DeviceResults) decode(b []byte) error {
	var w wireDevices
	if err := decodeParams(b, &w); err != nil {
		return err
	}
	list := w.Result
	if list == nil {
		list = w.Devices
	}
	if list == nil {
		return errors.New("response_params has no result list")
	}
	r.Devices = make([]DeviceResult, len(*list))
	for i, d := range *list {
		if d.ChannelID.v == "" || !d.Result.set {
			return errors.New("a device entry lacks channel_id or result")
		}
		r.Devices[i] = DeviceResult{ChannelID: d.ChannelID.v, OK: d.Result.v == 0}
	}
	return nil
}

type wireDeviceNum struct {
	DeviceNum jsonInt `json:"device_num"`
}

func (r *DeviceNum) setRequestID(id int64) { r.RequestID = id }
func (r *DeviceNum) decode(b []byte) error {
	var w wireDeviceNum
	if err := decodeParams(b, &w); err != nil {
		return err
	}
	if !w.DeviceNum.set {
		return errors.New("response_params has no device_num")
	}
	r.DeviceNum = w.DeviceNum.v
	return nil
}

// --- statistics ---

// statInt is a statistics figure; absent means -1 (no data).
type statInt struct{ jsonInt }

func (s statInt) value() int64 {
	if !s.set {
		return -1
	}
	return s.v
}

type statsParams[T any, PT dayFields[T]] struct {
	TotalNum jsonInt       `json:"total_num"`
	Result   dayMap[T, PT] `json:"result"`
}

// scan reads the params of a statistics answer (or one range of
// report/statistic_msg): total_num and the day map. b is valid JSON.
func (s *statsParams[T, PT]) scan(b []byte, other func(k, v []byte) error) error {
	return eachMember(b, func(k, v []byte) error {
		switch string(k) {
		case "total_num":
			return s.TotalNum.UnmarshalJSON(v)
		case "result":
			return s.Result.UnmarshalJSON(v)
		}
		if other != nil {
			return other(k, v)
		}
		return nil
	})
}

// read scans b and checks it, returning the total.
func (s *statsParams[T, PT]) read(b []byte) (int64, error) {
	if err := s.scan(b, nil); err != nil {
		return 0, fmt.Errorf("response_params: %w", err)
	}
	return s.check()
}

func (s *statsParams[T, PT]) check() (int64, error) {
	if !s.Result.set && (!s.TotalNum.set || s.TotalNum.v != 0) {
		return 0, errors.New("response_params has no result")
	}
	if !s.TotalNum.set {
		return int64(len(s.Result.days)), nil
	}
	return s.TotalNum.v, nil
}

type wireDeviceStat struct {
	New, Del, Online, Addup, Total statInt
}

func (w *wireDeviceStat) field(k, v []byte) error {
	switch string(k) {
	case "new_term":
		return w.New.UnmarshalJSON(v)
	case "del_term":
		return w.Del.UnmarshalJSON(v)
	case "online_term":
		return w.Online.UnmarshalJSON(v)
	case "addup_term":
		return w.Addup.UnmarshalJSON(v)
	case "total_term":
		return w.Total.UnmarshalJSON(v)
	}
	return nil
}

func (r *DeviceStatistics) setRequestID(id int64) { r.RequestID = id }
func (r *DeviceStatistics) decode(b []byte) error {
	var w statsParams[wireDeviceStat, *wireDeviceStat]
	total, err := w.read(b)
	if err != nil {
		return err
	}
	r.TotalNum = total
	r.Days = make([]DeviceStat, len(w.Result.days))
	for i, d := range w.Result.vals {
		r.Days[i] = DeviceStat{Day: w.Result.days[i], New: d.New.value(), Deleted: d.Del.value(), Online: d.Online.value(), Cumulative: d.Addup.value(), Total: d.Total.value()}
	}
	return nil
}

type wireTopicStat struct {
	Ack statInt
}

func (w *wireTopicStat) field(k, v []byte) error {
	if string(k) == "ack" {
		return w.Ack.UnmarshalJSON(v)
	}
	return nil
}

func (r *TopicStatistics) setRequestID(id int64) { r.RequestID = id }
func (r *TopicStatistics) decode(b []byte) error {
	var w statsParams[wireTopicStat, *wireTopicStat]
	total, err := w.read(b)
	if err != nil {
		return err
	}
	r.TotalNum = total
	r.Days = make([]TopicStat, len(w.Result.days))
	for i, d := range w.Result.vals {
		r.Days[i] = TopicStat{Day: w.Result.days[i], Ack: d.Ack.value()}
	}
	return nil
}

type wireMsgStat struct {
	Push, Ack, Del, Click statInt
}

func (w *wireMsgStat) field(k, v []byte) error {
	switch string(k) {
	case "push":
		return w.Push.UnmarshalJSON(v)
	case "ack":
		return w.Ack.UnmarshalJSON(v)
	case "del":
		return w.Del.UnmarshalJSON(v)
	case "click":
		return w.Click.UnmarshalJSON(v)
	}
	return nil
}

func (r *MsgStatistics) setRequestID(id int64) { r.RequestID = id }
func (r *MsgStatistics) decode(b []byte) error {
	var total jsonInt
	var ranges []RangeStatistics
	seen := false
	err := eachMember(b, func(k, v []byte) error {
		switch string(k) {
		case "total_num":
			return total.UnmarshalJSON(v)
		case "result":
			seen = true
			ranges = []RangeStatistics{}
			return eachElement(v, func(e []byte) error {
				var rt jsonInt
				var w statsParams[wireMsgStat, *wireMsgStat]
				if err := w.scan(e, func(k, v []byte) error {
					if string(k) == "range_type" {
						return rt.UnmarshalJSON(v)
					}
					return nil
				}); err != nil {
					return err
				}
				if !rt.set {
					return errors.New("a statistics entry has no range_type")
				}
				n, err := w.check()
				if err != nil {
					return fmt.Errorf("range_type %d: %w", rt.v, err)
				}
				days := make([]MsgStat, len(w.Result.days))
				for j, d := range w.Result.vals {
					days[j] = MsgStat{Day: w.Result.days[j], Push: d.Push.value(), Ack: d.Ack.value(), Del: d.Del.value(), Click: d.Click.value()}
				}
				ranges = append(ranges, RangeStatistics{RangeType: RangeType(rt.v), TotalNum: n, Days: days})
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("response_params: %w", err)
	}
	if !seen && (!total.set || total.v != 0) {
		return errors.New("response_params has no result list")
	}
	r.TotalNum, r.Ranges = total.v, ranges
	if !total.set {
		r.TotalNum = int64(len(ranges))
	}
	if r.Ranges == nil {
		r.Ranges = []RangeStatistics{}
	}
	return nil
}

func (r *CancelResult) setRequestID(id int64) { r.RequestID = id }
func (r *CancelResult) decode([]byte) error   { return nil }
