package pushtest

// The topic/* endpoint: the topics of batch pushes.

func handleTopicList(in *input) (any, *apiError) {
	out := listResult[topicEntry]{TotalNum: len(in.app.topicOrder), Result: []topicEntry{}}
	for _, t := range page(in.app.topicOrder, in.start, in.limit) {
		out.Result = append(out.Result, topicEntry{TopicID: t.id, CTime: t.ctime.Unix(), MTime: t.mtime.Unix(), PushCnt: t.pushCnt, AckCnt: t.ackCnt})
	}
	return out, nil
}
