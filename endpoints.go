package pushsdk

import (
	"strconv"
	"strings"
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

// APIPrefix is the path prefix of every endpoint.
const APIPrefix = "/rest/3.0/"

// request is one call on its way through the pipeline: the endpoint, its
// own parameters, and the problems found in its arguments.
type request struct {
	ep         endpointID
	params     []param
	deviceType DeviceType // per-call override of the Channel's
	checker
}

func newRequest(ep endpointID) *request {
	return &request{ep: ep, params: make([]param, 0, 8)}
}

func (r *request) set(k, v string) { r.params = append(r.params, param{k, v}) }

func (r *request) setInt(k string, v int64) { r.set(k, strconv.FormatInt(v, 10)) }

// setList sends a list as one parameter holding a JSON array of strings.
func (r *request) setList(k string, vs []string) {
	n := 2
	for _, v := range vs {
		n += len(v) + 3
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('[')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, v)
	}
	b.WriteByte(']')
	r.set(k, b.String())
}

func (r *request) page(p PageOptions) {
	r.checker.page(p)
	if p.Start != 0 {
		r.setInt("start", int64(p.Start))
	}
	if p.Limit != 0 {
		r.setInt("limit", int64(p.Limit))
	}
}

func (r *request) records(o *RecordsOptions) {
	if o == nil {
		return
	}
	r.page(o.PageOptions)
	r.timeRange(o.RangeStart, o.RangeEnd)
	if !o.RangeStart.IsZero() {
		r.setInt("range_start", o.RangeStart.Unix())
	}
	if !o.RangeEnd.IsZero() {
		r.setInt("range_end", o.RangeEnd.Unix())
	}
}

// pushFields names the PushOptions fields an endpoint takes beyond msg_type,
// msg_expires and DeviceType.
type pushFields struct {
	deployStatus, sendTime, topicID bool
}

var pushFieldsOf = [numEndpoints]pushFields{
	epPushSingleDevice: {deployStatus: true},
	epPushAll:          {deployStatus: true, sendTime: true},
	epPushTags:         {deployStatus: true, sendTime: true},
	epPushBatchDevice:  {deployStatus: true, topicID: true},
}

// push adds msg and the push options, checking each against the endpoint and
// the platform. c supplies the defaults (device type, iOS limit, clock).
func (r *request) push(c *Channel, msg string, o *PushOptions) {
	if o == nil {
		o = &PushOptions{}
	}
	fields := pushFieldsOf[r.ep]
	path := endpoints[r.ep].path
	r.checker.deviceType("DeviceType", o.DeviceType)
	r.deviceType = o.DeviceType
	platform := c.deviceTypeFor(o.DeviceType)

	switch o.MsgType {
	case MsgTypeMessage, MsgTypeNotification:
	default:
		r.add("msg_type", "must be 0 (message) or 1 (notification), got "+strconv.Itoa(int(o.MsgType)))
	}
	r.msg(msg, o.MsgType, platform, c.maxIOSMsg)

	switch {
	case o.OnlineOnly && o.MsgExpires != 0:
		r.add("msg_expires", "OnlineOnly and MsgExpires cannot both be set")
	case o.MsgExpires < 0 || o.MsgExpires > MaxMsgExpires:
		r.add("msg_expires", "must be 0–604800 s (7 days), got "+o.MsgExpires.String())
	case o.MsgExpires%timeSecond != 0:
		r.add("msg_expires", "must be whole seconds, got "+o.MsgExpires.String())
	}

	switch {
	case o.DeployStatus == 0:
	case !fields.deployStatus:
		r.add("DeployStatus", "not taken by "+path)
	case o.DeployStatus != DeployDevelopment && o.DeployStatus != DeployProduction:
		r.add("deploy_status", "must be 1 (development) or 2 (production), got "+strconv.Itoa(int(o.DeployStatus)))
	}

	var sendTime int64
	if !o.SendTime.IsZero() {
		if !fields.sendTime {
			r.add("SendTime", "not taken by "+path+" (only push/all and push/tags schedule)")
		} else {
			now := c.now()
			d := o.SendTime.Sub(now)
			sendTime = o.SendTime.Unix()
			if sendTime-now.Unix() <= int64(MinSendDelay/timeSecond) || d > MaxSendDelay {
				r.add("send_time", "must be more than 60 s and at most one year in the future, got "+o.SendTime.UTC().Format("2006-01-02T15:04:05Z")+" ("+d.Round(timeSecond).String()+" from now)")
			}
		}
	}

	if o.TopicID != "" {
		if !fields.topicID {
			r.add("TopicID", "not taken by "+path+" (only push/batch_device files under a topic)")
		} else {
			r.topicID("topic_id", o.TopicID)
		}
	}

	r.set("msg", msg)
	if o.MsgType != MsgTypeMessage {
		r.setInt("msg_type", int64(o.MsgType))
	}
	switch {
	case o.OnlineOnly:
		r.set("msg_expires", "0")
	case o.MsgExpires > 0:
		r.setInt("msg_expires", int64(o.MsgExpires/timeSecond))
	}
	if o.DeployStatus != 0 && fields.deployStatus {
		r.setInt("deploy_status", int64(o.DeployStatus))
	}
	if sendTime != 0 {
		r.setInt("send_time", sendTime)
	}
	if o.TopicID != "" && fields.topicID {
		r.set("topic_id", o.TopicID)
	}
}

// writeJSONString writes s as a JSON string. Non-ASCII stays UTF-8; the
// characters JSON requires are escaped.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '"' && c != '\\' && c >= 0x20 {
			continue
		}
		b.WriteString(s[start:i])
		if c < 0x20 {
			b.WriteString(`\u00`)
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		} else {
			b.WriteByte('\\')
			b.WriteByte(c)
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}
