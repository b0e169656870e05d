package pushtest

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
