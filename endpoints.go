package pushsdk

import (
	"encoding/json"
	"strconv"
	"time"
)

// endpointID indexes the endpoint table.
type endpointID int

const (
	epPushSingleDevice endpointID = iota
	epPushAll
	epPushTags
	epPushBatchDevice
	epQueryMsgStatus
	epQueryTimerRecords
	epQueryTopicRecords
	epTimerQueryList
	epTimerCancel
	epTopicQueryList
	epAppQueryTags
	epAppCreateTag
	epAppDelTag
	epTagAddDevices
	epTagDelDevices
	epTagDeviceNum
	epStatisticMsg
	epStatisticDevice
	epStatisticTopic
	numEndpoints
)

// endpoint is what differs between the REST endpoints, as data.
type endpoint struct {
	// path below /rest/3.0/.
	path string
	// query endpoints read state: the service also takes GET for them, and
	// the SDK retries them on any transient failure. Every other endpoint
	// pushes or mutates and is retried only when the request provably was
	// not processed.
	query bool
}

var endpoints = [numEndpoints]endpoint{
	epPushSingleDevice:  {path: "push/single_device"},
	epPushAll:           {path: "push/all"},
	epPushTags:          {path: "push/tags"},
	epPushBatchDevice:   {path: "push/batch_device"},
	epQueryMsgStatus:    {path: "report/query_msg_status", query: true},
	epQueryTimerRecords: {path: "report/query_timer_records", query: true},
	epQueryTopicRecords: {path: "report/query_topic_records", query: true},
	epTimerQueryList:    {path: "timer/query_list", query: true},
	epTimerCancel:       {path: "timer/cancel"},
	epTopicQueryList:    {path: "topic/query_list", query: true},
	epAppQueryTags:      {path: "app/query_tags", query: true},
	epAppCreateTag:      {path: "app/create_tag"},
	epAppDelTag:         {path: "app/del_tag"},
	epTagAddDevices:     {path: "tag/add_devices"},
	epTagDelDevices:     {path: "tag/del_devices"},
	epTagDeviceNum:      {path: "tag/device_num", query: true},
	epStatisticMsg:      {path: "report/statistic_msg", query: true},
	epStatisticDevice:   {path: "report/statistic_device", query: true},
	epStatisticTopic:    {path: "report/statistic_topic", query: true},
}

// apiPrefix is the path prefix of every endpoint.
const apiPrefix = "/rest/3.0/"

// request is one call on its way through the pipeline: the endpoint, its
// own parameters, and the problems found in its arguments (validate.go).
type request struct {
	ep         endpointID
	params     []param
	deviceType DeviceType // per-call override of the Channel's
	msgBytes   int        // the size of msg, for the observers
	ids        int        // the number of channel_ids, for the observers
	checker
}

func newRequest(ep endpointID) *request {
	return &request{ep: ep, params: make([]param, 0, 8)}
}

func (r *request) set(k, v string) { r.params = append(r.params, param{k, v}) }

func (r *request) setInt(k string, v int64) { r.set(k, strconv.FormatInt(v, 10)) }

// setList sends a list as one parameter holding a JSON array of strings.
func (r *request) setList(k string, vs []string) {
	if k == "channel_ids" {
		r.ids = len(vs)
	}
	b, _ := json.Marshal(vs) // a []string always marshals
	r.set(k, string(b))
}

// setPage sends the page options that are set.
func (r *request) setPage(p PageOptions) {
	if p.Start != 0 {
		r.setInt("start", int64(p.Start))
	}
	if p.Limit != 0 {
		r.setInt("limit", int64(p.Limit))
	}
}

// setRecords sends the page and the range of send times that are set.
func (r *request) setRecords(o *RecordsOptions) {
	if o == nil {
		return
	}
	r.setPage(o.PageOptions)
	if !o.RangeStart.IsZero() {
		r.setInt("range_start", o.RangeStart.Unix())
	}
	if !o.RangeEnd.IsZero() {
		r.setInt("range_end", o.RangeEnd.Unix())
	}
}

// setPush sends msg and the push options that are set; validate.go has
// refused those the endpoint does not take.
func (r *request) setPush(msg string, o *PushOptions) {
	if o == nil {
		o = &PushOptions{}
	}
	r.deviceType = o.DeviceType
	r.msgBytes = len(msg)
	r.set("msg", msg)
	if o.MsgType != MsgTypeMessage {
		r.setInt("msg_type", int64(o.MsgType))
	}
	switch {
	case o.OnlineOnly:
		r.set("msg_expires", "0")
	case o.MsgExpires > 0:
		r.setInt("msg_expires", int64(o.MsgExpires/time.Second))
	}
	if o.DeployStatus != 0 {
		r.setInt("deploy_status", int64(o.DeployStatus))
	}
	if !o.SendTime.IsZero() {
		r.setInt("send_time", o.SendTime.Unix())
	}
	if o.TopicID != "" {
		r.set("topic_id", o.TopicID)
	}
}
