package pushsdk

import (
	"context"
	"strconv"
)

// Every method below checks its arguments before sending anything; a problem
// is a *ChannelError with code CodeSDKParams (3) that names every bad field.
// Other failures are CodeSDKRunning (2, transport), CodeBadResult (4),
// CodeBadError (5), or the service's own code, always as a *ChannelError.

// PushMsgToSingleDevice pushes msg to one device (POST push/single_device).
//
// channelID is the device's channel id (1–64 digits). msg is a
// pass-through string or, with opts.MsgType = MsgTypeNotification, a
// notification JSON object (see [AndroidNotification] and
// [IOSNotification]); at most 4096 bytes, and at most 256 for iOS unless
// raised with [WithMaxIOSMessageBytes]. opts may set MsgType, MsgExpires,
// OnlineOnly, DeployStatus and DeviceType; SendTime and TopicID are refused.
//
// Service errors include 30608 ([CodeBindNotFound]: the channel id is not
// bound) and 30602 ([CodeInvalidParams]). Not retried unless the connection
// could not be made or the service answered 30699 ([CodeTooFrequent]).
func (c *Channel) PushMsgToSingleDevice(ctx context.Context, channelID, msg string, opts *PushOptions) (*PushResult, error) {
	r := newRequest(epPushSingleDevice)
	r.channelID("channel_id", channelID)
	r.push(c, r.ep, msg, opts)
	r.set("channel_id", channelID)
	r.setPush(msg, opts)
	return do[PushResult](ctx, c, r)
}

// PushMsgToAll broadcasts msg to every device of the app (POST push/all).
//
// With opts.SendTime set (more than 60 s and at most a year ahead) the push
// becomes a timer and the result carries its TimerID; an app has at most 10
// pending timers (41003). opts may set MsgType, MsgExpires, OnlineOnly,
// DeployStatus, SendTime and DeviceType; TopicID is refused. Message rules
// as for [Channel.PushMsgToSingleDevice].
func (c *Channel) PushMsgToAll(ctx context.Context, msg string, opts *PushOptions) (*PushResult, error) {
	r := newRequest(epPushAll)
	r.push(c, r.ep, msg, opts)
	r.setPush(msg, opts)
	return do[PushResult](ctx, c, r)
}

// PushMsgToTag pushes msg to every device in a tag (POST push/tags, with
// type=1).
//
// tag is 1–128 bytes; the built-in tag "default" (every device) may be
// pushed to. An unknown tag gets 30611 ([CodeTagNotFound]). opts as for
// [Channel.PushMsgToAll], SendTime included.
func (c *Channel) PushMsgToTag(ctx context.Context, tag, msg string, opts *PushOptions) (*PushResult, error) {
	r := newRequest(epPushTags)
	r.tag("tag", tag, false)
	r.push(c, r.ep, msg, opts)
	r.set("type", "1")
	r.set("tag", tag)
	r.setPush(msg, opts)
	return do[PushResult](ctx, c, r)
}

// PushMsgToSmartTag pushes msg to the devices a smart tag selects (POST
// push/tags with type 2–6 and a selector), as the official PHP SDK's
// pushToSmartTag and the Java SDK's PushMsgToSmartTagRequest do; the Python
// SDK and the public REST documentation do not have it.
//
// kind is [SmartTagLBS], [SmartTagInterest], [SmartTagAge], [SmartTagSex] or
// [SmartTagCombination] (the Java SDK's default, and per its comment the one
// the service supports). selector is a JSON text the service interprets; its
// grammar is not published, so the SDK checks only that it is non-empty,
// valid JSON. opts are those of [Channel.PushMsgToTag]: MsgType, MsgExpires,
// OnlineOnly, DeployStatus, SendTime (a timer) and DeviceType.
func (c *Channel) PushMsgToSmartTag(ctx context.Context, kind SmartTagType, selector, msg string, opts *PushOptions) (*PushResult, error) {
	r := newRequest(epPushTags)
	r.smartTag(kind, selector)
	r.push(c, r.ep, msg, opts)
	r.set("type", strconv.Itoa(int(kind)))
	r.set("selector", selector)
	r.setPush(msg, opts)
	return do[PushResult](ctx, c, r)
}

// PushBatchUniMsg pushes msg to up to 10 000 devices (POST
// push/batch_device), optionally filed under opts.TopicID (1–128 letters,
// digits, _) for [Channel.QueryTopicRecords] and
// [Channel.QueryStatisticTopic].
//
// opts may set MsgType, MsgExpires, OnlineOnly, DeployStatus, TopicID and
// DeviceType; SendTime is refused (the endpoint does not schedule). For more
// ids than one call takes, use [Channel.PushToDevices].
func (c *Channel) PushBatchUniMsg(ctx context.Context, channelIDs []string, msg string, opts *PushOptions) (*PushResult, error) {
	r := newRequest(epPushBatchDevice)
	r.channelIDs("channel_ids", channelIDs, MaxBatchDevices)
	r.push(c, r.ep, msg, opts)
	r.setList("channel_ids", channelIDs)
	r.setPush(msg, opts)
	return do[PushResult](ctx, c, r)
}

// QueryMsgStatus reports the delivery state of one or more messages (POST
// report/query_msg_status). One id is sent as it is, several as a JSON
// array. Retried on transient failures.
func (c *Channel) QueryMsgStatus(ctx context.Context, msgIDs ...string) (*MsgStatusResult, error) {
	r := newRequest(epQueryMsgStatus)
	r.msgIDs(msgIDs)
	if len(msgIDs) == 1 {
		r.set("msg_id", msgIDs[0])
	} else {
		r.setList("msg_id", msgIDs)
	}
	return do[MsgStatusResult](ctx, c, r)
}

// QueryTimerRecords lists the messages a timer has sent (POST
// report/query_timer_records), a page at a time (opts.Start, opts.Limit
// 1–100) within an optional range of send times (RangeStart ≤ RangeEnd).
// See also [Channel.TimerRecords] for an iterator over all pages.
func (c *Channel) QueryTimerRecords(ctx context.Context, timerID string, opts *RecordsOptions) (*TimerRecords, error) {
	r := newRequest(epQueryTimerRecords)
	r.required("timer_id", timerID)
	r.records(opts)
	r.set("timer_id", timerID)
	r.setRecords(opts)
	return do[TimerRecords](ctx, c, r)
}

// QueryTimerList lists the pending timers of the app (POST
// timer/query_list), a page at a time, or only opts.TimerID. See also
// [Channel.Timers].
func (c *Channel) QueryTimerList(ctx context.Context, opts *TimerListOptions) (*TimerList, error) {
	r := newRequest(epTimerQueryList)
	if opts != nil {
		r.page(opts.PageOptions)
		if opts.TimerID != "" {
			r.set("timer_id", opts.TimerID)
		}
		r.setPage(opts.PageOptions)
	}
	return do[TimerList](ctx, c, r)
}

// QueryTopicRecords lists the messages sent under a topic (POST
// report/query_topic_records), a page at a time within an optional range
// of send times. topicID is 1–128 letters, digits and _. See also
// [Channel.TopicRecords].
func (c *Channel) QueryTopicRecords(ctx context.Context, topicID string, opts *RecordsOptions) (*TopicRecords, error) {
	r := newRequest(epQueryTopicRecords)
	r.topicID("topic_id", topicID)
	r.records(opts)
	r.set("topic_id", topicID)
	r.setRecords(opts)
	return do[TopicRecords](ctx, c, r)
}

// QueryTopicList lists the topics used by batch pushes with their counts
// (POST topic/query_list), a page at a time. See also [Channel.Topics].
func (c *Channel) QueryTopicList(ctx context.Context, opts *PageOptions) (*TopicList, error) {
	r := newRequest(epTopicQueryList)
	if opts != nil {
		r.page(*opts)
		r.setPage(*opts)
	}
	return do[TopicList](ctx, c, r)
}

// CreateTag creates a tag group (POST app/create_tag). tag is 1–128 bytes
// and not "default"; an existing tag gets 30610 ([CodeDuplicateOperation]).
func (c *Channel) CreateTag(ctx context.Context, tag string) (*TagResult, error) {
	r := newRequest(epAppCreateTag)
	r.tag("tag", tag, true)
	r.set("tag", tag)
	return do[TagResult](ctx, c, r)
}

// DeleteTag deletes a tag group (POST app/del_tag). tag is 1–128 bytes and
// not "default"; an unknown tag gets 30611 ([CodeTagNotFound]).
func (c *Channel) DeleteTag(ctx context.Context, tag string) (*TagResult, error) {
	r := newRequest(epAppDelTag)
	r.tag("tag", tag, true)
	r.set("tag", tag)
	return do[TagResult](ctx, c, r)
}

// QueryTags lists the app's tags (POST app/query_tags), a page at a time, or
// only opts.Tag. See also [Channel.Tags].
func (c *Channel) QueryTags(ctx context.Context, opts *TagsOptions) (*TagList, error) {
	r := newRequest(epAppQueryTags)
	if opts != nil {
		if opts.Tag != "" {
			r.tag("tag", opts.Tag, false)
			r.set("tag", opts.Tag)
		}
		r.page(opts.PageOptions)
		r.setPage(opts.PageOptions)
	}
	return do[TagList](ctx, c, r)
}

// AddDevicesToTag adds 1–10 devices to a tag (POST tag/add_devices); the
// result has one entry per id, not OK for an id already in the tag. An
// unknown tag gets 30611 ([CodeTagNotFound]); "default" is refused. For more ids use
// [Channel.TagDevices].
func (c *Channel) AddDevicesToTag(ctx context.Context, tag string, channelIDs []string) (*DeviceResults, error) {
	return c.tagDevices(ctx, epTagAddDevices, tag, channelIDs)
}

// DelDevicesFromTag removes 1–10 devices from a tag (POST tag/del_devices);
// the result has one entry per id, not OK for an id that was not in the tag.
// For more ids use [Channel.UntagDevices].
func (c *Channel) DelDevicesFromTag(ctx context.Context, tag string, channelIDs []string) (*DeviceResults, error) {
	return c.tagDevices(ctx, epTagDelDevices, tag, channelIDs)
}

func (c *Channel) tagDevices(ctx context.Context, ep endpointID, tag string, channelIDs []string) (*DeviceResults, error) {
	r := newRequest(ep)
	r.tag("tag", tag, true)
	r.channelIDs("channel_ids", channelIDs, MaxTagDevices)
	r.set("tag", tag)
	r.setList("channel_ids", channelIDs)
	return do[DeviceResults](ctx, c, r)
}

// QueryDeviceNumInTag counts the devices in a tag (POST tag/device_num). An
// unknown tag gets 30611 ([CodeTagNotFound]).
func (c *Channel) QueryDeviceNumInTag(ctx context.Context, tag string) (*DeviceNum, error) {
	r := newRequest(epTagDeviceNum)
	r.tag("tag", tag, false)
	r.set("tag", tag)
	return do[DeviceNum](ctx, c, r)
}

// QueryStatisticDevice returns the app's device counts for each of the last
// 30 days (POST report/statistic_device), oldest first; -1 marks a figure
// the service does not have.
func (c *Channel) QueryStatisticDevice(ctx context.Context) (*DeviceStatistics, error) {
	return do[DeviceStatistics](ctx, c, newRequest(epStatisticDevice))
}

// QueryStatisticTopic returns a topic's delivered counts for each of the
// last 30 days (POST report/statistic_topic), oldest first.
func (c *Channel) QueryStatisticTopic(ctx context.Context, topicID string) (*TopicStatistics, error) {
	r := newRequest(epStatisticTopic)
	r.topicID("topic_id", topicID)
	r.set("topic_id", topicID)
	return do[TopicStatistics](ctx, c, r)
}

// CancelTimer cancels a pending timer (POST timer/cancel); not in the Python
// SDK. The timer must be pending and more than 60 s before its run time
// (41004 otherwise); an unknown or already cancelled timer gets 41001, one
// that has run 41005.
func (c *Channel) CancelTimer(ctx context.Context, timerID string) (*CancelResult, error) {
	r := newRequest(epTimerCancel)
	r.required("timer_id", timerID)
	r.set("timer_id", timerID)
	return do[CancelResult](ctx, c, r)
}

// QueryStatisticMsg returns message statistics per range type for the last
// 30 days (POST report/statistic_msg; the PHP and Java SDKs have it). With
// no range type the service's default is used; one is sent as a number,
// several as a JSON array of strings, as every list is (["1","2"]).
func (c *Channel) QueryStatisticMsg(ctx context.Context, rangeTypes ...RangeType) (*MsgStatistics, error) {
	r := newRequest(epStatisticMsg)
	r.rangeTypes(rangeTypes)
	switch len(rangeTypes) {
	case 0:
	case 1:
		r.setInt("query_type", int64(rangeTypes[0]))
	default:
		// Lists travel as JSON arrays of strings (docs/PROTOCOL.md).
		list := make([]string, len(rangeTypes))
		for i, t := range rangeTypes {
			list[i] = strconv.Itoa(int(t))
		}
		r.setList("query_type", list)
	}
	return do[MsgStatistics](ctx, c, r)
}
