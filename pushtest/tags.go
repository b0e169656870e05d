package pushtest

import (
	"slices"
	"strconv"

	"github.com/bdpush/pushsdk"
)

// The app/*_tag(s) and tag/* endpoints: tags and their devices.

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
	case len(a.tags) >= in.e.cfg.limits.Tags:
		return nil, errf(pushsdk.CodeInvalidParams, "the app has %d tags, the emulator's limit (--max-tags)", len(a.tags))
	}
	in.e.nextTID++
	t := &tag{tid: in.e.nextTID, name: in.tag, created: in.now, members: map[string][]span{}}
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
		if !t.has(id) && in.e.known(in.app, id, in.now) {
			t.add(id, in.now)
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
		if t.remove(id, in.now) {
			res = 0
		}
		out.Result = append(out.Result, deviceResult{ChannelID: id, Result: res})
	}
	return out, nil
}

func handleDeviceNum(in *input) (any, *apiError) {
	if in.tag == defaultTag {
		return deviceNum{DeviceNum: in.app.bound}, nil
	}
	t := in.app.tags[in.tag]
	if t == nil {
		return nil, errf(pushsdk.CodeTagNotFound, "tag %s", in.tag)
	}
	return deviceNum{DeviceNum: t.size}, nil
}
