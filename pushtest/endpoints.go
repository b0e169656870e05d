package pushtest

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
