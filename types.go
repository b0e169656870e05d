package pushsdk

import (
	"time"
)

//go:generate go run golang.org/x/tools/cmd/stringer@v0.52.0 -type=DeviceType,MsgType,DeployStatus,MsgStatus,RangeType,SmartTagType,BatchState -linecomment -output=enums_string.go

// The enums' String methods are generated (enums_string.go): each returns
// the constant's line comment, e.g. "android", or "DeviceType(5)" for a
// value without a name.

// DeviceType names an app's platform. In REST API 3.0 each app has exactly
// one platform; an app migrated from 2.0 became two apps sharing one API key,
// and the device_type parameter picks which of them a call addresses.
type DeviceType int

// The platforms.
const (
	DeviceAndroid DeviceType = 3 // android
	DeviceIOS     DeviceType = 4 // ios
)

// MsgType is the kind of a message: pass-through data for the app
// (透传, Android only), or a notification the system shows.
type MsgType int

// The message types.
const (
	MsgTypeMessage      MsgType = 0 // message
	MsgTypeNotification MsgType = 1 // notification
)

// DeployStatus selects the APNs environment of an iOS push. The service's
// default is production.
type DeployStatus int

// The deploy states.
const (
	DeployDevelopment DeployStatus = 1 // development
	DeployProduction  DeployStatus = 2 // production
)

// MsgStatus is the delivery state of a message.
type MsgStatus int

// The message states.
const (
	StatusSent    MsgStatus = 0 // sent
	StatusPending MsgStatus = 1 // pending
	StatusSending MsgStatus = 2 // sending
	StatusFailed  MsgStatus = 3 // failed
)

// RangeType is the audience kind of a push, as timers and message
// statistics report it: a tag, a broadcast, a batch unicast, a tag
// combination, a precise audience, a location (LBS), reserved, a unicast.
type RangeType int

// The range types.
const (
	RangeTag            RangeType = 0 // tag
	RangeBroadcast      RangeType = 1 // broadcast
	RangeBatch          RangeType = 2 // batch
	RangeTagCombination RangeType = 3 // tag_combination
	RangePrecise        RangeType = 4 // precise
	RangeLBS            RangeType = 5 // lbs
	RangeReserved       RangeType = 6 // reserved
	RangeUnicast        RangeType = 7 // unicast
)

// SmartTagType is the kind of audience of a smart-tag push
// ([Channel.PushMsgToSmartTag]), the type parameter of push/tags beyond 1:
// devices by location (LBS), by interest group, by age group, by sex, or a
// combination of tags (the Java SDK's default).
type SmartTagType int

// The smart tag types of the official PHP and Java SDKs.
const (
	SmartTagLBS         SmartTagType = 2 // lbs
	SmartTagInterest    SmartTagType = 3 // interest
	SmartTagAge         SmartTagType = 4 // age
	SmartTagSex         SmartTagType = 5 // sex
	SmartTagCombination SmartTagType = 6 // combination
)

// PushOptions are the optional settings of a push. nil means all defaults.
// A field that the called endpoint does not take is refused with a
// [CodeSDKParams] error that names it, never silently dropped.
type PushOptions struct {
	// MsgType is pass-through (default) or notification. iOS apps take
	// notifications only.
	MsgType MsgType
	// MsgExpires is how long the service keeps the message for an offline
	// device: whole seconds, at most 7 days. 0 sends nothing and leaves the
	// service's default (5 h).
	MsgExpires time.Duration
	// OnlineOnly sends msg_expires=0: deliver to devices online now only.
	// It cannot be combined with MsgExpires.
	OnlineOnly bool
	// DeployStatus selects the APNs environment for iOS; 0 sends nothing
	// (the service defaults to production). Every push method takes it.
	DeployStatus DeployStatus
	// SendTime schedules the push as a timer: more than 60 s and at most one
	// year ahead. Zero means now. PushMsgToAll, PushMsgToTag and
	// PushMsgToSmartTag only.
	SendTime time.Time
	// TopicID files a batch push under a topic (1–128 letters, digits, _)
	// for topic statistics. PushBatchUniMsg and PushToDevices (every batch)
	// only.
	TopicID string
	// DeviceType overrides the Channel's device type for this call.
	DeviceType DeviceType
}

// PageOptions selects a page of a list: Start ≥ 0, Limit 1–100; Limit 0
// leaves the service's default (100).
type PageOptions struct {
	Start, Limit int
}

// RecordsOptions selects a page of timer or topic records and a range of
// send times. Zero times leave the service's defaults (00:00 seven days ago,
// and now).
type RecordsOptions struct {
	PageOptions
	RangeStart, RangeEnd time.Time
}

// TimerListOptions selects a page of pending timers, or one timer by id.
type TimerListOptions struct {
	PageOptions
	TimerID string
}

// TagsOptions selects a page of tags, or one tag by name.
type TagsOptions struct {
	PageOptions
	Tag string
}

// PushResult is the answer to a push. For a scheduled push (SendTime set)
// TimerID names the timer that was created.
type PushResult struct {
	RequestID int64     `json:"request_id"`
	MsgID     string    `json:"msg_id"`
	SendTime  time.Time `json:"send_time,omitzero"`
	TimerID   string    `json:"timer_id,omitempty"`
}

// MsgStatusResult is the answer of [Channel.QueryMsgStatus].
type MsgStatusResult struct {
	RequestID int64            `json:"request_id"`
	TotalNum  int64            `json:"total_num"`
	Messages  []MsgStatusEntry `json:"result"`
}

// MsgStatusEntry is the state of one message.
type MsgStatusEntry struct {
	MsgID    string    `json:"msg_id"`
	Status   MsgStatus `json:"status"`
	SendTime time.Time `json:"send_time,omitzero"`
	Success  int64     `json:"success"` // devices reached so far
}

// Record is one message sent by a timer or under a topic.
type Record struct {
	MsgID    string    `json:"msg_id"`
	Status   MsgStatus `json:"status"`
	SendTime time.Time `json:"send_time,omitzero"`
}

// TimerRecords is the answer of [Channel.QueryTimerRecords].
type TimerRecords struct {
	RequestID int64    `json:"request_id"`
	TimerID   string   `json:"timer_id"`
	Records   []Record `json:"result"`
}

// TopicRecords is the answer of [Channel.QueryTopicRecords].
type TopicRecords struct {
	RequestID int64    `json:"request_id"`
	TopicID   string   `json:"topic_id"`
	Records   []Record `json:"result"`
}

// Timer is a pending timed push.
type Timer struct {
	TimerID   string    `json:"timer_id"`
	Msg       string    `json:"msg"`
	SendTime  time.Time `json:"send_time,omitzero"`
	MsgType   MsgType   `json:"msg_type"`
	RangeType RangeType `json:"range_type"`
}

// TimerList is the answer of [Channel.QueryTimerList].
type TimerList struct {
	RequestID int64   `json:"request_id,omitempty"`
	TotalNum  int64   `json:"total_num"`
	Timers    []Timer `json:"result"`
}

// Topic is a topic used by batch pushes, with its counts (wire names ctime,
// mtime, push_cnt, ack_cnt). AckCount is -1 while not yet known.
type Topic struct {
	TopicID   string    `json:"topic_id"`
	FirstSent time.Time `json:"ctime,omitzero"`
	LastSent  time.Time `json:"mtime,omitzero"`
	PushCount int64     `json:"push_cnt"`
	AckCount  int64     `json:"ack_cnt"`
}

// TopicList is the answer of [Channel.QueryTopicList].
type TopicList struct {
	RequestID int64   `json:"request_id,omitempty"`
	TotalNum  int64   `json:"total_num"`
	Topics    []Topic `json:"result"`
}

// Tag is a tag group of the app (wire names tid, tag, info, type,
// create_time). Info and Type are deprecated by the service.
type Tag struct {
	TID        string    `json:"tid"`
	Name       string    `json:"tag"`
	Info       string    `json:"info"`
	Type       int       `json:"type"`
	CreateTime time.Time `json:"create_time,omitzero"`
}

// TagList is the answer of [Channel.QueryTags].
type TagList struct {
	RequestID int64 `json:"request_id,omitempty"`
	TotalNum  int64 `json:"total_num"`
	Tags      []Tag `json:"result"`
}

// TagResult is the answer of [Channel.CreateTag] and [Channel.DeleteTag]. OK
// is the service's result 0.
type TagResult struct {
	RequestID int64  `json:"request_id"`
	Tag       string `json:"tag"`
	OK        bool   `json:"ok"`
}

// DeviceResult is the outcome for one channel id of a tag-device call. OK is
// the service's per-device result 0; it is false for an id the service
// answered with result 1 (for instance one already in the tag when adding,
// or not in it when removing — the service does not say why), and for an id
// whose call failed.
type DeviceResult struct {
	ChannelID string `json:"channel_id"`
	OK        bool   `json:"ok"`
	// Err is set only by [Channel.TagDevices] and [Channel.UntagDevices],
	// for an id whose call failed (a *ChannelError).
	Err error `json:"-"`
}

// DeviceResults is the answer of [Channel.AddDevicesToTag] and
// [Channel.DelDevicesFromTag], one entry per id in the order of the request;
// and of [Channel.TagDevices] and [Channel.UntagDevices], one entry per
// distinct id in input order.
type DeviceResults struct {
	RequestID int64          `json:"request_id"`
	Devices   []DeviceResult `json:"result"`
}

// DeviceNum is the answer of [Channel.QueryDeviceNumInTag].
type DeviceNum struct {
	RequestID int64 `json:"request_id"`
	DeviceNum int64 `json:"device_num"`
}

// DeviceStat is one day of device statistics (wire names new_term,
// del_term, online_term, addup_term, total_term). Day is 00:00 Beijing time
// (UTC+8). Any figure is -1 when the service does not support it or has no
// data yet; 0 is a real count.
type DeviceStat struct {
	Day        time.Time `json:"day"`
	New        int64     `json:"new_term"`
	Deleted    int64     `json:"del_term"`
	Online     int64     `json:"online_term"`
	Cumulative int64     `json:"addup_term"`
	Total      int64     `json:"total_term"`
}

// DeviceStatistics is the answer of [Channel.QueryStatisticDevice]; Days
// is sorted by Day, oldest first.
type DeviceStatistics struct {
	RequestID int64        `json:"request_id"`
	TotalNum  int64        `json:"total_num"`
	Days      []DeviceStat `json:"result"`
}

// TopicStat is one day of a topic's statistics: Ack devices reached, -1 when
// not yet known. Day is 00:00 Beijing time (UTC+8).
type TopicStat struct {
	Day time.Time `json:"day"`
	Ack int64     `json:"ack"`
}

// TopicStatistics is the answer of [Channel.QueryStatisticTopic]; Days is
// sorted by Day, oldest first.
type TopicStatistics struct {
	RequestID int64       `json:"request_id"`
	TotalNum  int64       `json:"total_num"`
	Days      []TopicStat `json:"result"`
}

// CancelResult is the answer of [Channel.CancelTimer].
type CancelResult struct {
	RequestID int64 `json:"request_id"`
}

// MsgStat is one day of message statistics for one range type; -1 marks a
// figure that is not supported or not yet known. Day is 00:00 Beijing time.
type MsgStat struct {
	Day   time.Time `json:"day"`
	Push  int64     `json:"push"`
	Ack   int64     `json:"ack"`
	Del   int64     `json:"del"`
	Click int64     `json:"click"`
}

// RangeStatistics are the message statistics of one range type; Days is
// sorted by Day, oldest first.
type RangeStatistics struct {
	RangeType RangeType `json:"range_type"`
	TotalNum  int64     `json:"total_num"`
	Days      []MsgStat `json:"result"`
}

// MsgStatistics is the answer of [Channel.QueryStatisticMsg].
type MsgStatistics struct {
	RequestID int64             `json:"request_id"`
	TotalNum  int64             `json:"total_num"`
	Ranges    []RangeStatistics `json:"result"`
}
