package pushsdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The service's JSON is loose: ids arrive as strings or as numbers (msg ids
// exceed 2^53, so they are never converted through float64), timestamps and
// counts as numbers or strings, an empty map as PHP's empty array []. The
// small types below accept each of those spellings exactly, and refuse
// anything else; encoding/json does the rest.

// beijing is the zone of the service's statistics days (00:00 UTC+8).
var beijing = time.FixedZone("CST", 8*3600)

// looseID is an id sent as a JSON string or an integer; every digit is kept.
type looseID string

func (v *looseID) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*v = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = looseID(s)
	case isInteger(b):
		*v = looseID(b)
	default:
		return fmt.Errorf("id %.40s is neither a string nor an integer", b)
	}
	return nil
}

// looseInt is an integer sent as a JSON number or a string of digits; set
// says whether it was there.
type looseInt struct {
	v   int64
	set bool
}

func (n *looseInt) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = looseInt{}
		return nil
	}
	digits := b
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		digits = []byte(s)
	}
	if !isInteger(digits) {
		return fmt.Errorf("%.40s is not an integer", b)
	}
	v, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil {
		return fmt.Errorf("integer %.40s: out of range", b)
	}
	*n = looseInt{v: v, set: true}
	return nil
}

// stat is a statistics figure: -1 ("not supported / no data yet") when the
// service left it out.
func (n looseInt) stat() int64 {
	if !n.set {
		return -1
	}
	return n.v
}

// time reads unix seconds; 0, the service's "none", is the zero time.
func (n looseInt) time() time.Time {
	if n.v == 0 {
		return time.Time{}
	}
	return time.Unix(n.v, 0).UTC()
}

func isInteger(b []byte) bool {
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

// byDay is a statistics map keyed by the unix time of a day, decoded into
// entries sorted by day. An empty JSON array stands for an empty map.
type byDay[T any] struct {
	days []time.Time
	vals []T
	set  bool
}

func (m *byDay[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*m = byDay[T]{}
		return nil
	}
	var entries map[string]T
	if b[0] == '[' {
		var empty []json.RawMessage
		if err := json.Unmarshal(b, &empty); err != nil || len(empty) > 0 {
			return errors.New("statistics are a JSON array, not an object keyed by day")
		}
	} else if err := json.Unmarshal(b, &entries); err != nil {
		return err
	}
	keys := make([]int64, 0, len(entries))
	for k := range entries {
		day, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return fmt.Errorf("statistics key %q is not a unix day", k)
		}
		keys = append(keys, day)
	}
	slices.Sort(keys)
	*m = byDay[T]{days: make([]time.Time, len(keys)), vals: make([]T, len(keys)), set: true}
	for i, day := range keys {
		m.days[i] = time.Unix(day, 0).In(beijing)
		m.vals[i] = entries[strconv.FormatInt(day, 10)]
	}
	return nil
}

// envelope is every answer of the service: the request id, and either
// response_params or error_code and error_msg.
type envelope struct {
	RequestID looseInt        `json:"request_id"`
	ErrorCode looseInt        `json:"error_code"`
	ErrorMsg  *string         `json:"error_msg"`
	Params    json.RawMessage `json:"response_params"`
}

// result is what every result type implements: it decodes its
// response_params and takes the request id.
type result[T any] interface {
	*T
	decode(params []byte, requestID int64) error
}

// list is the shape of every listing: total_num and a result array, which
// older documents spell "tags" or "topics".
type list[W any] struct {
	TotalNum looseInt `json:"total_num"`
	Result   *[]W     `json:"result"`
	Tags     *[]W     `json:"tags"`
	Topics   *[]W     `json:"topics"`
}

// items returns the entries, converted by conv, and the total (the number
// of entries when the service gave none). A listing without its array is
// an error unless its total is 0.
func items[W, E any](l *list[W], conv func(*W) (E, error)) ([]E, int64, error) {
	var ws []W
	switch {
	case l.Result != nil:
		ws = *l.Result
	case l.Tags != nil:
		ws = *l.Tags
	case l.Topics != nil:
		ws = *l.Topics
	case !l.TotalNum.set || l.TotalNum.v != 0:
		return nil, 0, errors.New("response_params has no result list")
	}
	out := make([]E, len(ws))
	for i := range ws {
		var err error
		if out[i], err = conv(&ws[i]); err != nil {
			return nil, 0, err
		}
	}
	total := l.TotalNum.v
	if !l.TotalNum.set {
		total = int64(len(ws))
	}
	return out, total, nil
}

// decodeList decodes a listing's response_params.
func decodeList[W, E any](b []byte, conv func(*W) (E, error)) ([]E, int64, error) {
	var l list[W]
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, 0, err
	}
	return items(&l, conv)
}

// --- pushes ---

type wirePush struct {
	MsgID    looseID  `json:"msg_id"`
	SendTime looseInt `json:"send_time"`
	TimerID  looseID  `json:"timer_id"`
}

func (r *PushResult) decode(b []byte, rid int64) error {
	var w wirePush
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.MsgID == "" && w.TimerID == "" {
		return errors.New("response_params has neither msg_id nor timer_id")
	}
	*r = PushResult{RequestID: rid, MsgID: string(w.MsgID), SendTime: w.SendTime.time(), TimerID: string(w.TimerID)}
	return nil
}

// --- message status and records ---

type wireRecord struct {
	MsgID    looseID  `json:"msg_id"`
	Status   looseInt `json:"status"`
	SendTime looseInt `json:"send_time"`
	Success  looseInt `json:"success"`
}

func (w *wireRecord) record() (Record, error) {
	switch {
	case w.MsgID == "":
		return Record{}, errors.New("a result entry has no msg_id")
	case !w.Status.set:
		return Record{}, fmt.Errorf("result entry %s has no status", w.MsgID)
	}
	return Record{MsgID: string(w.MsgID), Status: MsgStatus(w.Status.v), SendTime: w.SendTime.time()}, nil
}

func (r *MsgStatusResult) decode(b []byte, rid int64) (err error) {
	r.RequestID = rid
	r.Messages, r.TotalNum, err = decodeList(b, func(w *wireRecord) (MsgStatusEntry, error) {
		rec, err := w.record()
		return MsgStatusEntry{MsgID: rec.MsgID, Status: rec.Status, SendTime: rec.SendTime, Success: w.Success.v}, err
	})
	return err
}

type wireRecords struct {
	TimerID looseID `json:"timer_id"`
	TopicID string  `json:"topic_id"`
	list[wireRecord]
}

func decodeRecords(b []byte) (*wireRecords, []Record, error) {
	var w wireRecords
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, nil, err
	}
	recs, _, err := items(&w.list, (*wireRecord).record)
	return &w, recs, err
}

func (r *TimerRecords) decode(b []byte, rid int64) error {
	w, recs, err := decodeRecords(b)
	if err != nil {
		return err
	}
	*r = TimerRecords{RequestID: rid, TimerID: string(w.TimerID), Records: recs}
	return nil
}

func (r *TopicRecords) decode(b []byte, rid int64) error {
	w, recs, err := decodeRecords(b)
	if err != nil {
		return err
	}
	*r = TopicRecords{RequestID: rid, TopicID: w.TopicID, Records: recs}
	return nil
}

// --- timers, topics, tags ---

type wireTimer struct {
	TimerID   looseID  `json:"timer_id"`
	Msg       string   `json:"msg"`
	SendTime  looseInt `json:"send_time"`
	MsgType   looseInt `json:"msg_type"`
	RangeType looseInt `json:"range_type"`
}

func (r *TimerList) decode(b []byte, rid int64) (err error) {
	r.RequestID = rid
	r.Timers, r.TotalNum, err = decodeList(b, func(w *wireTimer) (Timer, error) {
		if w.TimerID == "" {
			return Timer{}, errors.New("a timer entry has no timer_id")
		}
		return Timer{TimerID: string(w.TimerID), Msg: w.Msg, SendTime: w.SendTime.time(), MsgType: MsgType(w.MsgType.v), RangeType: RangeType(w.RangeType.v)}, nil
	})
	return err
}

type wireTopic struct {
	TopicID string   `json:"topic_id"`
	CTime   looseInt `json:"ctime"`
	MTime   looseInt `json:"mtime"`
	PushCnt looseInt `json:"push_cnt"`
	AckCnt  looseInt `json:"ack_cnt"`
}

func (r *TopicList) decode(b []byte, rid int64) (err error) {
	r.RequestID = rid
	r.Topics, r.TotalNum, err = decodeList(b, func(w *wireTopic) (Topic, error) {
		if w.TopicID == "" {
			return Topic{}, errors.New("a topic entry has no topic_id")
		}
		return Topic{TopicID: w.TopicID, FirstSent: w.CTime.time(), LastSent: w.MTime.time(), PushCount: w.PushCnt.v, AckCount: w.AckCnt.stat()}, nil
	})
	return err
}

type wireTag struct {
	TID        looseID  `json:"tid"`
	Tag        string   `json:"tag"`
	Info       string   `json:"info"`
	Type       looseInt `json:"type"`
	CreateTime looseInt `json:"create_time"`
	CreateTim2 looseInt `json:"createtime"` // older documents
}

func (r *TagList) decode(b []byte, rid int64) (err error) {
	r.RequestID = rid
	r.Tags, r.TotalNum, err = decodeList(b, func(w *wireTag) (Tag, error) {
		if w.Tag == "" {
			return Tag{}, errors.New("a tag entry has no tag name")
		}
		created := w.CreateTime
		if !created.set {
			created = w.CreateTim2
		}
		return Tag{TID: string(w.TID), Name: w.Tag, Info: w.Info, Type: int(w.Type.v), CreateTime: created.time()}, nil
	})
	return err
}

type wireTagResult struct {
	Tag    string   `json:"tag"`
	Result looseInt `json:"result"`
}

func (r *TagResult) decode(b []byte, rid int64) error {
	var w wireTagResult
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if !w.Result.set {
		return errors.New("response_params has no result")
	}
	*r = TagResult{RequestID: rid, Tag: w.Tag, OK: w.Result.v == 0}
	return nil
}

type wireDevice struct {
	ChannelID looseID  `json:"channel_id"`
	Result    looseInt `json:"result"`
}

func (r *DeviceResults) decode(b []byte, rid int64) error {
	var w struct {
		Result  *[]wireDevice `json:"result"`
		Devices *[]wireDevice `json:"devices"` // older documents
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	devices := w.Result
	if devices == nil {
		devices = w.Devices
	}
	if devices == nil {
		return errors.New("response_params has no result list")
	}
	*r = DeviceResults{RequestID: rid, Devices: make([]DeviceResult, len(*devices))}
	for i, d := range *devices {
		if d.ChannelID == "" || !d.Result.set {
			return errors.New("a device entry lacks channel_id or result")
		}
		r.Devices[i] = DeviceResult{ChannelID: string(d.ChannelID), OK: d.Result.v == 0}
	}
	return nil
}

func (r *DeviceNum) decode(b []byte, rid int64) error {
	var w struct {
		DeviceNum looseInt `json:"device_num"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if !w.DeviceNum.set {
		return errors.New("response_params has no device_num")
	}
	*r = DeviceNum{RequestID: rid, DeviceNum: w.DeviceNum.v}
	return nil
}

func (r *CancelResult) decode(_ []byte, rid int64) error {
	r.RequestID = rid
	return nil
}

// --- statistics ---

// statistics is the shape of a statistics answer (and of one range of
// report/statistic_msg): total_num and a map keyed by day.
type statistics[T any] struct {
	TotalNum looseInt `json:"total_num"`
	Result   byDay[T] `json:"result"`
}

// total checks the answer and returns its total: total_num, or the number
// of days when the service gave none.
func (s *statistics[T]) total() (int64, error) {
	switch {
	case !s.Result.set && (!s.TotalNum.set || s.TotalNum.v != 0):
		return 0, errors.New("response_params has no result")
	case !s.TotalNum.set:
		return int64(len(s.Result.days)), nil
	}
	return s.TotalNum.v, nil
}

// decodeStatistics decodes b and converts each day with conv.
func decodeStatistics[T, E any](b []byte, conv func(time.Time, *T) E) ([]E, int64, error) {
	var s statistics[T]
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, 0, err
	}
	total, err := s.total()
	out := make([]E, len(s.Result.days))
	for i := range out {
		out[i] = conv(s.Result.days[i], &s.Result.vals[i])
	}
	return out, total, err
}

type wireDeviceStat struct {
	New    looseInt `json:"new_term"`
	Del    looseInt `json:"del_term"`
	Online looseInt `json:"online_term"`
	Addup  looseInt `json:"addup_term"`
	Total  looseInt `json:"total_term"`
}

func (r *DeviceStatistics) decode(b []byte, rid int64) (err error) {
	r.RequestID = rid
	r.Days, r.TotalNum, err = decodeStatistics(b, func(day time.Time, w *wireDeviceStat) DeviceStat {
		return DeviceStat{Day: day, New: w.New.stat(), Deleted: w.Del.stat(), Online: w.Online.stat(), Cumulative: w.Addup.stat(), Total: w.Total.stat()}
	})
	return err
}

type wireTopicStat struct {
	Ack looseInt `json:"ack"`
}

func (r *TopicStatistics) decode(b []byte, rid int64) (err error) {
	r.RequestID = rid
	r.Days, r.TotalNum, err = decodeStatistics(b, func(day time.Time, w *wireTopicStat) TopicStat {
		return TopicStat{Day: day, Ack: w.Ack.stat()}
	})
	return err
}

type wireMsgStat struct {
	Push  looseInt `json:"push"`
	Ack   looseInt `json:"ack"`
	Del   looseInt `json:"del"`
	Click looseInt `json:"click"`
}

type wireRange struct {
	RangeType looseInt `json:"range_type"`
	statistics[wireMsgStat]
}

func (r *MsgStatistics) decode(b []byte, rid int64) (err error) {
	r.RequestID = rid
	r.Ranges, r.TotalNum, err = decodeList(b, func(w *wireRange) (RangeStatistics, error) {
		if !w.RangeType.set {
			return RangeStatistics{}, errors.New("a statistics entry has no range_type")
		}
		n, err := w.total()
		if err != nil {
			return RangeStatistics{}, fmt.Errorf("range_type %d: %w", w.RangeType.v, err)
		}
		rs := RangeStatistics{RangeType: RangeType(w.RangeType.v), TotalNum: n, Days: make([]MsgStat, len(w.Result.days))}
		for i, d := range w.Result.vals {
			rs.Days[i] = MsgStat{Day: w.Result.days[i], Push: d.Push.stat(), Ack: d.Ack.stat(), Del: d.Del.stat(), Click: d.Click.stat()}
		}
		return rs, nil
	})
	return err
}
