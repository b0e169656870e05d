package pushtest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bdpush/pushsdk"
)

// input is one request's parameters on their way through an endpoint's
// checks; every problem is collected for the 30602 detail.
type input struct {
	p        url.Values
	app      *appState
	now      time.Time
	e        *Emulator
	problems []string

	// parsed values
	msg          string
	msgType      int
	sendTime     time.Time
	topicID      string
	ids          []string
	tag          string
	start, limit int
	rangeStart   time.Time
	rangeEnd     time.Time
	queryTypes   []int
	smartType    int    // push/tags type 2-6
	selector     string // its selector
}

func (in *input) bad(field, format string, args ...any) {
	in.problems = append(in.problems, field+": "+fmt.Sprintf(format, args...))
}

// str returns a parameter; a required one that is missing is a problem.
func (in *input) str(name string, required bool) string {
	v, ok := in.p[name]
	if !ok || len(v) == 0 || v[0] == "" {
		if required {
			in.bad(name, "is required")
		}
		return ""
	}
	return v[0]
}

// integer parses an optional integer parameter within [min, max]; def when
// absent.
func (in *input) integer(name string, min, max, def int64) int64 {
	s := in.str(name, false)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		in.bad(name, "must be an integer, got %q", s)
		return def
	}
	if n < min || n > max {
		in.bad(name, "must be %d-%d, got %d", min, max, n)
		return def
	}
	return n
}

func (in *input) channelID(name string) string {
	id := in.str(name, true)
	if id != "" && !isChannelID(id) {
		in.bad(name, "must be 1-64 ASCII digits, got %q", short(id))
	}
	return id
}

// stringList parses a JSON array of strings (numbers are taken as their
// digits) with between min and max entries.
func (in *input) stringList(name string, min, max int) []string {
	s := in.str(name, true)
	if s == "" {
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		in.bad(name, "must be a JSON array of strings")
		return nil
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		var v string
		if err := json.Unmarshal(r, &v); err != nil {
			var n json.Number
			if json.Unmarshal(r, &n) != nil || strings.ContainsAny(n.String(), ".eE-") {
				in.bad(name, "must be a JSON array of strings")
				return nil
			}
			v = n.String()
		}
		out = append(out, v)
	}
	if len(out) < min || len(out) > max {
		in.bad(name, "must hold %d-%d entries, got %d", min, max, len(out))
		return nil
	}
	return out
}

func (in *input) channelIDs(name string, max int) []string {
	ids := in.stringList(name, 1, max)
	for _, id := range ids {
		if !isChannelID(id) {
			in.bad(name, "%q is not a channel id (1-64 ASCII digits)", short(id))
			return nil
		}
	}
	return ids
}

func (in *input) tagName(name string, required bool) string {
	t := in.str(name, required)
	if t != "" && len(t) > maxTagBytes {
		in.bad(name, "must be 1-128 bytes, got %d", len(t))
	}
	return t
}

func (in *input) topic(name string, required bool) string {
	t := in.str(name, required)
	if t != "" && !isTopicID(t) {
		in.bad(name, "must be 1-128 letters, digits or _, got %q", short(t))
	}
	return t
}

// pushParams checks msg, msg_type, msg_expires and, for the endpoints that
// take them, deploy_status and send_time.
func (in *input) pushParams(deploy, timed bool) {
	in.msgType = int(in.integer("msg_type", 0, 1, 0))
	in.integer("msg_expires", 0, int64(maxMsgExpires/time.Second), 0)
	if deploy {
		in.integer("deploy_status", 1, 2, 2)
	}
	in.msg = in.str("msg", true)
	if in.msg != "" {
		in.checkMsg()
	}
	if timed {
		if st := in.integer("send_time", 0, 1<<62, 0); st != 0 {
			d := st - in.now.Unix()
			if d <= 60 || d > int64(maxSendDelay/time.Second) {
				in.bad("send_time", "must be more than 60 s and at most one year in the future, got %d (%+d s from now)", st, d)
			} else {
				in.sendTime = time.Unix(st, 0)
			}
		}
	}
}

func (in *input) checkMsg() {
	platform := in.app.platform
	limit := maxMsgBytes
	if platform == pushsdk.DeviceIOS {
		limit = min(limit, in.e.cfg.maxIOS)
	}
	if len(in.msg) > limit {
		in.bad("msg", "must be at most %d bytes on %s, got %d", limit, platform, len(in.msg))
	}
	if !utf8.ValidString(in.msg) {
		in.bad("msg", "must be UTF-8")
	}
	if platform == pushsdk.DeviceIOS && in.msgType != 1 {
		in.bad("msg_type", "iOS apps take notifications only (msg_type=1)")
	}
	if in.msgType != 1 {
		return
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(in.msg), &obj) != nil || obj == nil {
		in.bad("msg", "a notification must be a JSON object")
		return
	}
	switch platform {
	case pushsdk.DeviceAndroid:
		var desc string
		if raw, ok := obj["description"]; !ok || json.Unmarshal(raw, &desc) != nil || desc == "" {
			in.bad("msg", "an Android notification needs a non-empty description")
		}
	case pushsdk.DeviceIOS:
		var aps map[string]json.RawMessage
		if raw, ok := obj["aps"]; !ok || json.Unmarshal(raw, &aps) != nil || aps == nil {
			in.bad("msg", "an iOS notification needs an aps object")
		}
	}
}

func (in *input) page() {
	in.start = int(in.integer("start", 0, 1<<31-1, 0))
	in.limit = int(in.integer("limit", 1, maxPageLimit, maxPageLimit))
}

// timeRange reads range_start and range_end, with the service's defaults:
// 00:00 (Beijing) seven days ago, and now.
func (in *input) timeRange() {
	in.rangeStart = dayStart(in.now).AddDate(0, 0, -7)
	in.rangeEnd = in.now
	if v := in.integer("range_start", 0, 1<<62, -1); v >= 0 && in.p.Get("range_start") != "" {
		in.rangeStart = time.Unix(v, 0)
	}
	if v := in.integer("range_end", 0, 1<<62, -1); v >= 0 && in.p.Get("range_end") != "" {
		in.rangeEnd = time.Unix(v, 0)
	}
	if in.p.Get("range_start") != "" && in.p.Get("range_end") != "" && in.rangeStart.After(in.rangeEnd) {
		in.bad("range_start", "must not be after range_end")
	}
}

// rangeTypes reads query_type: one range type, or a JSON array of them
// (numbers or numeric strings); absent means all.
func (in *input) rangeTypes() {
	s := in.str("query_type", false)
	if s == "" {
		in.queryTypes = []int{0, 1, 2, 3, 4, 5, 6, 7}
		return
	}
	var list []json.RawMessage
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		if err := json.Unmarshal([]byte(s), &list); err != nil || len(list) == 0 {
			in.bad("query_type", "must be a range type 0-7 or a non-empty JSON array of them")
			return
		}
	} else {
		list = []json.RawMessage{json.RawMessage(strconv.Quote(s))}
	}
	for _, raw := range list {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			str = string(raw)
		}
		n, err := strconv.Atoi(str)
		if err != nil || n < 0 || n > 7 {
			in.bad("query_type", "%s is not a range type 0-7", short(str))
			return
		}
		in.queryTypes = append(in.queryTypes, n)
	}
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
