package pushsdk

import (
	"bytes"
	"cmp"
	"encoding/json"
)

// NotificationStyle is the notification_basic_style of an Android
// notification: a set of flags.
type NotificationStyle int

// Flags of [NotificationStyle]; the service's default is all three (7).
const (
	StyleClearable NotificationStyle = 1 << iota // the user can swipe it away
	StyleVibrate                                 // the device vibrates
	StyleRing                                    // the device rings
)

// OpenType is what happens when the user taps an Android notification.
type OpenType int

// The open types of an Android notification.
const (
	OpenApp    OpenType = 0 // open the app (the default; nothing is sent)
	OpenURL    OpenType = 1 // open URL in a browser
	OpenCustom OpenType = 2 // run the intent in PkgContent
)

// AndroidNotification builds the msg of an Android notification
// ([MsgTypeNotification]). Description is required; zero fields are left
// out and take the service's defaults.
type AndroidNotification struct {
	Title       string // defaults to the app's name
	Description string // the text; required
	// BuilderID selects a notification layout registered by the app
	// (notification_builder_id); 0 is the default layout.
	BuilderID int
	// Style combines StyleClearable, StyleVibrate and StyleRing
	// (notification_basic_style); 0 leaves the service's default, all three.
	Style NotificationStyle
	// OpenType is what a tap does: OpenApp (default), OpenURL with URL, or
	// OpenCustom with PkgContent.
	OpenType   OpenType
	URL        string
	PkgContent string
	// CustomContent is handed to the app with the notification
	// (custom_content).
	CustomContent map[string]any
}

type wireAndroid struct {
	Title         string         `json:"title,omitempty"`
	Description   string         `json:"description"`
	BuilderID     int            `json:"notification_builder_id,omitempty"`
	Style         int            `json:"notification_basic_style,omitempty"`
	OpenType      int            `json:"open_type,omitempty"`
	URL           string         `json:"url,omitempty"`
	PkgContent    string         `json:"pkg_content,omitempty"`
	CustomContent map[string]any `json:"custom_content,omitempty"`
}

// Msg returns the notification as the msg of a push, checking its required
// fields and the service's size limit (4096 bytes). A problem is a
// [CodeSDKParams] error naming every bad field.
func (n AndroidNotification) Msg() (string, error) {
	var c checker
	c.android(&n)
	msg, err := marshalMsg(wireAndroid{
		Title: n.Title, Description: n.Description, BuilderID: n.BuilderID, Style: int(n.Style),
		OpenType: int(n.OpenType), URL: n.URL, PkgContent: n.PkgContent, CustomContent: n.CustomContent,
	})
	if err != nil {
		c.add("custom_content", err.Error())
	} else {
		c.size(msg, maxMsgBytes)
	}
	if err := c.err(); err != nil {
		return "", err
	}
	return msg, nil
}

// IOSNotification builds the msg of an iOS notification
// ([MsgTypeNotification]): an APNs payload with an "aps" dictionary and
// custom keys at the top level.
type IOSNotification struct {
	// Alert is the text of the alert. For a title and body instead, set
	// AlertTitle and AlertBody (and leave Alert empty).
	Alert      string
	AlertTitle string
	AlertBody  string
	// Sound names a sound in the app bundle, or "default".
	Sound string
	// Badge sets the app icon's badge; new(0) clears it, nil leaves it.
	Badge *int
	// ContentAvailable wakes the app in the background (content-available).
	ContentAvailable bool
	// MutableContent lets a notification service extension change it.
	MutableContent bool
	// ThreadID groups notifications (thread-id).
	ThreadID string
	// Custom keys go at the top level of the payload, beside "aps".
	Custom map[string]any
	// MaxBytes is the size limit Msg checks: 0 for the client's default
	// iOS limit of 256 bytes, up to 4096 (the service's); see
	// [WithMaxIOSMessageBytes].
	MaxBytes int
}

type wireAlert struct {
	Title string `json:"title,omitempty"`
	Body  string `json:"body,omitempty"`
}

type wireAPS struct {
	Alert            any    `json:"alert,omitempty"`
	Badge            *int   `json:"badge,omitempty"`
	Sound            string `json:"sound,omitempty"`
	ContentAvailable int    `json:"content-available,omitempty"`
	MutableContent   int    `json:"mutable-content,omitempty"`
	ThreadID         string `json:"thread-id,omitempty"`
}

// Msg returns the payload as the msg of a push, checking that it has
// something to show or do and that it fits MaxBytes (256 unless set). A
// problem is a [CodeSDKParams] error naming every bad field.
func (n IOSNotification) Msg() (string, error) {
	var c checker
	c.ios(&n)
	aps := wireAPS{Badge: n.Badge, Sound: n.Sound, ThreadID: n.ThreadID}
	switch {
	case n.Alert != "":
		aps.Alert = n.Alert
	case n.AlertTitle != "" || n.AlertBody != "":
		aps.Alert = wireAlert{Title: n.AlertTitle, Body: n.AlertBody}
	}
	if n.ContentAvailable {
		aps.ContentAvailable = 1
	}
	if n.MutableContent {
		aps.MutableContent = 1
	}
	payload := make(map[string]any, len(n.Custom)+1)
	for k, v := range n.Custom {
		payload[k] = v
	}
	payload["aps"] = aps
	msg, err := marshalMsg(payload)
	if err != nil {
		c.add("custom", err.Error())
	} else {
		c.size(msg, cmp.Or(n.MaxBytes, defaultMaxIOSMsgBytes))
	}
	if err := c.err(); err != nil {
		return "", err
	}
	return msg, nil
}

// marshalMsg encodes v compactly, leaving <, > and & and non-ASCII as they
// are: sizes are counted in bytes, and escapes would only make the message
// longer.
func marshalMsg(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}
