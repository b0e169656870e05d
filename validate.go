package pushsdk

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Every rule a call's arguments must meet is checked here, before anything
// is sent; a broken rule is a [CodeSDKParams] error that names every bad
// field (docs/PROTOCOL.md has the rules).

// The limits of one call.
const (
	// MaxBatchDevices is the most channel ids one push/batch_device takes;
	// [Channel.PushToDevices] cuts longer lists into batches of it.
	MaxBatchDevices = 10000
	// MaxTagDevices is the most channel ids one tag/add_devices or
	// tag/del_devices takes; [Channel.TagDevices] cuts longer lists.
	MaxTagDevices = 10
)

const (
	maxMsgBytes           = 4096 // the service's limit on a message, both platforms
	defaultMaxIOSMsgBytes = 256  // the client's default guard for iOS (the Python SDK's)
	maxPageLimit          = 100
	maxMsgExpires         = 7 * 24 * time.Hour
	minSendDelay          = 60 * time.Second // a timed push is more than this far ahead
	maxSendDelay          = 365 * 24 * time.Hour
	maxTagBytes           = 128
	maxTopicIDLen         = 128
	defaultTag            = "default" // the built-in tag of every device
)

// checker collects every problem of a call's arguments.
type checker struct {
	problems []FieldError
}

func (c *checker) add(field, reason string) {
	c.problems = append(c.problems, FieldError{Field: field, Reason: reason})
}

// err is the call's CodeSDKParams error, or nil.
func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return paramsError(c.problems)
}

// validChannelID reports whether id is 1–64 ASCII digits.
func validChannelID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// validTopicID reports whether id is 1–128 letters, digits and underscores.
func validTopicID(id string) bool {
	if len(id) == 0 || len(id) > maxTopicIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (c *checker) channelID(field, id string) {
	if !validChannelID(id) {
		c.add(field, "must be 1–64 ASCII digits, got "+quoteShort(id))
	}
}

// channelIDs checks a list of channel ids: at least one, at most max (0:
// no limit), every one well formed (the first three bad ones are named).
func (c *checker) channelIDs(field string, ids []string, max int) {
	switch {
	case len(ids) == 0:
		c.add(field, "must hold at least one channel id")
		return
	case max > 0 && len(ids) > max:
		fanout := "PushToDevices takes"
		if max == MaxTagDevices {
			fanout = "TagDevices and UntagDevices take"
		}
		c.add(field, "holds "+strconv.Itoa(len(ids))+" ids; at most "+strconv.Itoa(max)+" per call: "+fanout+" any number, in calls of "+strconv.Itoa(max))
	}
	bad := 0
	for i, id := range ids {
		if !validChannelID(id) {
			if bad < 3 {
				c.add(field+"["+strconv.Itoa(i)+"]", "must be 1–64 ASCII digits, got "+quoteShort(id))
			}
			bad++
		}
	}
	if bad > 3 {
		c.add(field, strconv.Itoa(bad)+" malformed channel ids in all")
	}
}

// tag checks a tag name; mutating is true for calls that may not touch the
// built-in default tag.
func (c *checker) tag(field, tag string, mutating bool) {
	switch {
	case tag == "":
		c.add(field, "must not be empty")
	case len(tag) > maxTagBytes:
		c.add(field, "is "+strconv.Itoa(len(tag))+" bytes; at most 128")
	case !utf8.ValidString(tag):
		c.add(field, "must be valid UTF-8")
	case mutating && tag == defaultTag:
		c.add(field, `"default" is the built-in tag of every device; it cannot be created, deleted or changed`)
	}
}

func (c *checker) topicID(field, id string) {
	if !validTopicID(id) {
		c.add(field, "must be 1–128 letters, digits or _, got "+quoteShort(id))
	}
}

func (c *checker) required(field, v string) {
	if v == "" {
		c.add(field, "is required")
	}
}

func (c *checker) page(p PageOptions) {
	if p.Start < 0 {
		c.add("start", "must be ≥ 0, got "+strconv.Itoa(p.Start))
	}
	if p.Limit < 0 || p.Limit > maxPageLimit {
		c.add("limit", "must be 1–100 (0 for the default), got "+strconv.Itoa(p.Limit))
	}
}

func (c *checker) records(o *RecordsOptions) {
	if o == nil {
		return
	}
	c.page(o.PageOptions)
	start, end := o.RangeStart, o.RangeEnd
	if !start.IsZero() && start.Unix() < 0 {
		c.add("range_start", "must not be before 1970")
	}
	if !end.IsZero() && end.Unix() < 0 {
		c.add("range_end", "must not be before 1970")
	}
	if !start.IsZero() && !end.IsZero() && start.Unix() > end.Unix() {
		c.add("range_start", "must not be after range_end")
	}
}

// msgIDs checks the ids of report/query_msg_status.
func (c *checker) msgIDs(ids []string) {
	switch len(ids) {
	case 0:
		c.add("msg_id", "at least one message id is required")
	case 1:
		c.required("msg_id", ids[0])
	default:
		for i, id := range ids {
			if id == "" {
				c.add("msg_id["+strconv.Itoa(i)+"]", "must not be empty")
			}
		}
	}
}

// rangeTypes checks the range types of report/statistic_msg.
func (c *checker) rangeTypes(types []RangeType) {
	for i, t := range types {
		if t < RangeTag || t > RangeUnicast {
			c.add("query_type["+strconv.Itoa(i)+"]", "must be a range type 0–7, got "+strconv.Itoa(int(t)))
		}
	}
}

// smartTag checks the type and selector of a smart-tag push.
func (c *checker) smartTag(kind SmartTagType, selector string) {
	if kind < SmartTagLBS || kind > SmartTagCombination {
		c.add("type", "must be a smart tag type 2–6 (SmartTagLBS … SmartTagCombination), got "+strconv.Itoa(int(kind)))
	}
	switch {
	case strings.TrimSpace(selector) == "":
		c.add("selector", "must not be empty")
	case !json.Valid([]byte(selector)):
		c.add("selector", "must be valid JSON, got "+quoteShort(selector))
	}
}

func (c *checker) deviceType(field string, t DeviceType) {
	if t != 0 && t != DeviceAndroid && t != DeviceIOS {
		c.add(field, "must be 3 (Android) or 4 (iOS), got "+strconv.Itoa(int(t)))
	}
}

// pushFields names the PushOptions fields an endpoint takes beyond MsgType,
// MsgExpires, OnlineOnly and DeviceType.
type pushFields struct {
	sendTime, topicID bool
}

var pushFieldsOf = [numEndpoints]pushFields{
	epPushSingleDevice: {},
	epPushAll:          {sendTime: true},
	epPushTags:         {sendTime: true},
	epPushBatchDevice:  {topicID: true},
}

// push checks msg and the push options against the endpoint and the
// platform (the call's, else the Channel's). A field the endpoint does not
// take is refused, not dropped.
func (c *checker) push(ch *Channel, ep endpointID, msg string, o *PushOptions) {
	if !ch.ready() {
		return // the call fails with notReady before anything else
	}
	if o == nil {
		o = &PushOptions{}
	}
	fields, path := pushFieldsOf[ep], endpoints[ep].path
	c.deviceType("DeviceType", o.DeviceType)
	if o.MsgType != MsgTypeMessage && o.MsgType != MsgTypeNotification {
		c.add("msg_type", "must be 0 (message) or 1 (notification), got "+strconv.Itoa(int(o.MsgType)))
	}
	c.msg(msg, o.MsgType, ch.deviceTypeFor(o.DeviceType), ch.maxIOSMsg)

	switch {
	case o.OnlineOnly && o.MsgExpires != 0:
		c.add("msg_expires", "OnlineOnly and MsgExpires cannot both be set")
	case o.MsgExpires < 0 || o.MsgExpires > maxMsgExpires:
		c.add("msg_expires", "must be 0–604800 s (7 days), got "+o.MsgExpires.String())
	case o.MsgExpires%time.Second != 0:
		c.add("msg_expires", "must be whole seconds, got "+o.MsgExpires.String())
	}

	switch {
	case o.DeployStatus == 0:
	case o.DeployStatus != DeployDevelopment && o.DeployStatus != DeployProduction:
		c.add("deploy_status", "must be 1 (development) or 2 (production), got "+strconv.Itoa(int(o.DeployStatus)))
	}

	switch {
	case o.SendTime.IsZero():
	case !fields.sendTime:
		c.add("SendTime", "not taken by "+path+" (only push/all and push/tags schedule)")
	default:
		now := ch.now()
		ahead := o.SendTime.Unix() - now.Unix()
		if ahead <= int64(minSendDelay/time.Second) || ahead > int64(maxSendDelay/time.Second) {
			c.add("send_time", "must be more than 60 s and at most one year in the future, got "+
				o.SendTime.UTC().Format("2006-01-02T15:04:05Z")+" ("+o.SendTime.Sub(now).Round(time.Second).String()+" from now)")
		}
	}

	switch {
	case o.TopicID == "":
	case !fields.topicID:
		c.add("TopicID", "not taken by "+path+" (only push/batch_device files under a topic)")
	default:
		c.topicID("topic_id", o.TopicID)
	}
}

// msg checks a message against the rules of its type and platform. platform
// 0 means unknown: only what holds for both platforms is checked.
func (c *checker) msg(msg string, typ MsgType, platform DeviceType, maxIOS int) {
	if msg == "" {
		c.add("msg", "must not be empty")
		return
	}
	if len(msg) > maxMsgBytes {
		c.add("msg", "is "+strconv.Itoa(len(msg))+" bytes; the service takes at most 4096")
	} else if platform == DeviceIOS && len(msg) > maxIOS {
		c.add("msg", "is "+strconv.Itoa(len(msg))+" bytes; iOS messages are limited to "+strconv.Itoa(maxIOS)+
			" (raise with WithMaxIOSMessageBytes, up to 4096)")
	}
	if !utf8.ValidString(msg) {
		c.add("msg", "must be valid UTF-8")
	}
	if platform == DeviceIOS && typ != MsgTypeNotification {
		c.add("msg_type", "iOS apps take notifications only (MsgTypeNotification)")
	}
	if typ != MsgTypeNotification {
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(msg), &obj); err != nil || obj == nil {
		c.add("msg", notObject(msg, err))
		return
	}
	switch platform {
	case DeviceAndroid:
		var desc string
		if raw, ok := obj["description"]; !ok || json.Unmarshal(raw, &desc) != nil || desc == "" {
			c.add("msg", `an Android notification needs a non-empty "description" string`)
		}
	case DeviceIOS:
		var aps map[string]json.RawMessage
		if raw, ok := obj["aps"]; !ok || json.Unmarshal(raw, &aps) != nil || aps == nil {
			c.add("msg", `an iOS notification needs an "aps" object`)
		}
	}
}

// notObject says why a notification is not a JSON object: not JSON at
// all (and where it breaks), or JSON of another kind.
func notObject(msg string, err error) string {
	const want = `a notification must be a JSON object, e.g. {"title":"…","description":"…"} (AndroidNotification and IOSNotification build one)`
	var syn *json.SyntaxError
	trimmed := strings.TrimLeft(msg, " \t\r\n")
	switch kind := jsonKind([]byte(msg)); {
	case !json.Valid([]byte(msg)) && !strings.HasPrefix(trimmed, "{") && !strings.HasPrefix(trimmed, "["):
		return "is plain text, not JSON; " + want + " (plain text goes with MsgTypeMessage)"
	case errors.As(err, &syn):
		return "is not valid JSON: " + syn.Error() + " at byte " + strconv.FormatInt(syn.Offset, 10) + "; " + want
	case err != nil && kind == "object":
		return "is not valid JSON: " + err.Error() + "; " + want
	default:
		return "is " + kind + ", not an object; " + want
	}
}

// android checks the fields of an Android notification.
func (c *checker) android(n *AndroidNotification) {
	if n.Description == "" {
		c.add("description", "is required")
	}
	if n.BuilderID < 0 {
		c.add("notification_builder_id", "must not be negative")
	}
	if n.Style < 0 || n.Style > StyleClearable|StyleVibrate|StyleRing {
		c.add("notification_basic_style", "must combine StyleClearable, StyleVibrate and StyleRing (0–7), got "+strconv.Itoa(int(n.Style)))
	}
	switch n.OpenType {
	case OpenApp:
	case OpenURL:
		if n.URL == "" {
			c.add("url", "is required with OpenURL")
		}
	case OpenCustom:
		if n.PkgContent == "" {
			c.add("pkg_content", "is required with OpenCustom")
		}
	default:
		c.add("open_type", "must be OpenApp, OpenURL or OpenCustom, got "+strconv.Itoa(int(n.OpenType)))
	}
	if n.URL != "" && n.OpenType != OpenURL {
		c.add("url", "is only sent with OpenURL")
	}
	if n.PkgContent != "" && n.OpenType != OpenCustom {
		c.add("pkg_content", "is only sent with OpenCustom")
	}
}

// ios checks the fields of an iOS notification.
func (c *checker) ios(n *IOSNotification) {
	if n.MaxBytes != 0 && (n.MaxBytes < defaultMaxIOSMsgBytes || n.MaxBytes > maxMsgBytes) {
		c.add("MaxBytes", "must be 256…4096 (0 for 256), got "+strconv.Itoa(n.MaxBytes))
	}
	titled := n.AlertTitle != "" || n.AlertBody != ""
	if n.Alert != "" && titled {
		c.add("alert", "set either Alert or AlertTitle/AlertBody, not both")
	}
	hasAlert := (n.Alert != "") != titled // exactly one of the two forms
	if !hasAlert && n.Badge == nil && n.Sound == "" && !n.ContentAvailable {
		c.add("aps", "needs an alert, a badge, a sound or ContentAvailable")
	}
	if n.Badge != nil && *n.Badge < 0 {
		c.add("badge", "must not be negative")
	}
	if _, ok := n.Custom["aps"]; ok {
		c.add("custom", `the key "aps" is reserved`)
	}
}

// size checks an encoded notification against a limit.
func (c *checker) size(msg string, max int) {
	if len(msg) > max {
		c.add("msg", "is "+strconv.Itoa(len(msg))+" bytes; the limit is "+strconv.Itoa(max))
	}
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}
