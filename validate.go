package pushsdk

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of protocol.md §4.
const (
	// MaxMsgBytes is the service's limit on a message, both platforms.
	MaxMsgBytes = 4096
	// DefaultMaxIOSMsgBytes is the client's default guard for iOS messages
	// (the Python SDK's limit, for iOS 7 and older); see
	// [WithMaxIOSMessageBytes].
	DefaultMaxIOSMsgBytes = 256
	// MaxBatchDevices is the most channel ids one push/batch_device takes.
	MaxBatchDevices = 10000
	// MaxTagDevices is the most channel ids one tag/add_devices or
	// tag/del_devices takes.
	MaxTagDevices = 10
	// MaxPageLimit is the largest page size of the list endpoints.
	MaxPageLimit = 100
	// MaxMsgExpires is the longest offline lifetime of a message.
	MaxMsgExpires = 7 * 24 * time.Hour
	// MinSendDelay: a timed push must be more than this far in the future.
	MinSendDelay = 60 * time.Second
	// MaxSendDelay: a timed push may be at most this far in the future.
	MaxSendDelay = 365 * 24 * time.Hour
	// MaxTagBytes is the longest tag name.
	MaxTagBytes = 128
	// MaxTopicIDLen is the longest topic id.
	MaxTopicIDLen = 128
	// DefaultTag is the built-in tag that holds every device; it cannot be
	// created, deleted or changed.
	DefaultTag = "default"
)

// checker collects every problem of a call's arguments.
type checker struct {
	problems []FieldError
}

func (c *checker) add(field, reason string) {
	c.problems = append(c.problems, FieldError{Field: field, Reason: reason})
}

// ValidChannelID reports whether id is a well-formed channel id: 1–64 ASCII
// digits.
func ValidChannelID(id string) bool {
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

// ValidTopicID reports whether id is a well-formed topic id: 1–128
// letters, digits and underscores.
func ValidTopicID(id string) bool {
	if len(id) == 0 || len(id) > MaxTopicIDLen {
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
	if !ValidChannelID(id) {
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
		c.add(field, "holds "+strconv.Itoa(len(ids))+" ids; at most "+strconv.Itoa(max)+" per call")
	}
	bad := 0
	for i, id := range ids {
		if !ValidChannelID(id) {
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
	case len(tag) > MaxTagBytes:
		c.add(field, "is "+strconv.Itoa(len(tag))+" bytes; at most 128")
	case !utf8.ValidString(tag):
		c.add(field, "must be valid UTF-8")
	case mutating && tag == DefaultTag:
		c.add(field, `"default" is the built-in tag of every device; it cannot be created, deleted or changed`)
	}
}

func (c *checker) topicID(field, id string) {
	if !ValidTopicID(id) {
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
	if p.Limit < 0 || p.Limit > MaxPageLimit {
		c.add("limit", "must be 1–100 (0 for the default), got "+strconv.Itoa(p.Limit))
	}
}

func (c *checker) timeRange(start, end time.Time) {
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

// msg checks a message against the rules of its type and platform. platform
// 0 means unknown: only what holds for both platforms is checked.
func (c *checker) msg(msg string, typ MsgType, platform DeviceType, maxIOS int) {
	if msg == "" {
		c.add("msg", "must not be empty")
		return
	}
	if len(msg) > MaxMsgBytes {
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
	if json.Unmarshal([]byte(msg), &obj) != nil || obj == nil {
		c.add("msg", "a notification must be a JSON object")
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

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}
