package pushsdk

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SDK-side error codes, as in the official Python SDK. They never collide with
// the service's codes (30600 and up).
const (
	CodeSDKInit    = 1 // bad construction or configuration
	CodeSDKRunning = 2 // transport failure, no HTTP response
	CodeSDKParams  = 3 // invalid arguments; nothing was sent
	CodeBadResult  = 4 // 2xx whose body is not a valid success envelope
	CodeBadError   = 5 // non-2xx whose body is not a valid error envelope
)

// Service error codes (docs/PROTOCOL.md, "Error codes"). The HTTP status the service answers
// with is given in brackets.
const (
	CodeInternalError         = 30600 // Internal Server Error [500]; retried on query endpoints
	CodeMethodNotAllowed      = 30601 // Method Not Allowed [405]
	CodeInvalidParams         = 30602 // Request Params Not Valid [400]
	CodeAuthFailed            = 30603 // Authentication Failed [403]: wrong apikey, secret or signature
	CodeQuotaUsedUp           = 30604 // Quota Use Up Payment Required [402]
	CodeNotFound              = 30605 // Data Required Not Found [404]: unknown API path or object
	CodeRequestExpired        = 30606 // Request Time Expires Timeout [408]: timestamp or expires out of window
	CodeChannelTokenTimeout   = 30607 // Channel Token Timeout [408]
	CodeBindNotFound          = 30608 // Bind Relation Not Found [404]: the channel id is not bound
	CodeBindTooMany           = 30609 // Bind Number Too Many [404]
	CodeDuplicateOperation    = 30610 // Duplicate Operation [409]: e.g. creating an existing tag
	CodeTagNotFound           = 30611 // Tag Not Found [404]
	CodeAppForbidden          = 30612 // Application Forbidden, Need Whitelist Authorization [401]
	CodeAppNotInited          = 30613 // App Need Inited First In Push Console [402]
	CodeAppNotApproved        = 30616 // Application Is Not Approved [401]
	CodeNoBroadcastCapability = 30617 // No Broadcast Push Capability [401]
	CodeNoUnicastCapability   = 30618 // No Unicast Or Grpcast Push Capability [401]
	CodeDefaultTagReserved    = 30619 // Default Tag Is Reserved [403]
	CodeOnePlatformOnly       = 30620 // One App Could Only Have One Kind Of Device Platform [403]
	CodePackageNameInvalid    = 30621 // Package Name Invalid [400]
	CodeTooFrequent           = 30699 // Requests Are Too Frequent [402]: rate limited; always safe to retry

	CodeIOSInvalidDeviceToken = 40001 // Invalid iOS Device Token [400]
	CodeIOSInvalidMessage     = 40002 // Invalid iOS Message [400]
	CodeIOSBadDeviceToken     = 40003 // iOS Bad Device Token [400]
	CodeIOSCertificateError   = 40004 // iOS Certification Error [400]
	CodeIOSDuplicateMessage   = 40005 // iOS Duplicate Message [400]; 40006–40012 are certificate type, validity and file errors [400]

	CodeTimerNotExist        = 41001 // Timer Task Not Exist [400]
	CodeTimerDuplicated      = 41002 // Timer Task Duplicated [400]
	CodeTimerNumExceed       = 41003 // Timer Task Num Exceed [400]: at most 10 pending timers per app
	CodeTimerCannotCancel    = 41004 // Timer Task Will Be Executed, Can Not Be Canceled [400]
	CodeTimerHasBeenExecuted = 41005 // Timer Task Has Been Executed [400]
)

// sdkCodeText is the Python SDK's wording of the SDK-side codes.
var sdkCodeText = [...]string{
	CodeSDKInit:    "SDK initialization error",
	CodeSDKRunning: "SDK running error",
	CodeSDKParams:  "SDK params error",
	CodeBadResult:  "http status is ok but result error",
	CodeBadError:   "http status is error and result error",
}

// ChannelError is the error every method of the package returns. Inspect it
// with [errors.As]:
//
//	var ce *pushsdk.ChannelError
//	if errors.As(err, &ce) && ce.Code == pushsdk.CodeTagNotFound { … }
//
// Code is an SDK code (1–5, see [CodeSDKParams] and its siblings) or the
// service's error_code. The message never contains the secret key or a
// signature.
type ChannelError struct {
	Code       int    // SDK code 1–5, or the service's error_code
	Msg        string // human-readable; never contains the secret key
	RequestID  int64  // 0 when no request id came back
	HTTPStatus int    // 0 when no HTTP response came back
	Err        error  // cause: transport error, decode error, validation detail

	sent bool // code 2: a byte of the request may have reached the service
}

// Error formats the error as "pushsdk: <msg> (code N, request id R, http S)",
// leaving out the parts that are zero.
func (e *ChannelError) Error() string {
	if e == nil {
		return "pushsdk: <nil ChannelError>"
	}
	var b strings.Builder
	b.WriteString("pushsdk: ")
	msg := e.Msg
	if msg == "" && e.Code >= 1 && e.Code < len(sdkCodeText) {
		msg = sdkCodeText[e.Code]
	}
	msg = sanitize(msg)
	b.WriteString(msg)
	if e.Err != nil && e.Code < 30000 {
		// SDK-side errors carry their cause in the text; service errors
		// are complete with the service's message.
		if cause := sanitize(e.Err.Error()); cause != "" && !strings.Contains(msg, cause) {
			b.WriteString(": ")
			b.WriteString(cause)
		}
	}
	b.WriteString(" (code ")
	b.WriteString(strconv.Itoa(e.Code))
	if e.RequestID != 0 {
		b.WriteString(", request id ")
		b.WriteString(strconv.FormatInt(e.RequestID, 10))
	}
	if e.HTTPStatus != 0 {
		b.WriteString(", http ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
	}
	b.WriteString(")")
	return b.String()
}

// Unwrap returns the cause, so that errors.Is(err, context.DeadlineExceeded)
// and errors.As(err, &validationErr) see through a ChannelError.
func (e *ChannelError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// MaybeProcessed reports whether the call may have taken effect (a push
// delivered, a tag created) although it failed, so that sending it again
// could do it twice: the connection broke or timed out after a byte of the
// request may have reached the service (code 2), the answer was a 2xx
// without the service's JSON (code 4) or anything else without it — a
// gateway page, a redirect, a 101 (code 5) — or the service reported an
// internal error (30600).
//
// It is false when the service provably did not act: arguments refused
// before sending (code 3), a connection, TLS handshake or proxy tunnel that
// could not be set up (code 2: not one byte of the request was written),
// and every other service error code, which the service answers without
// acting. Such a call is safe to send again.
func (e *ChannelError) MaybeProcessed() bool {
	if e == nil {
		return false
	}
	switch e.Code {
	case CodeSDKRunning:
		return e.sent
	case CodeBadResult, CodeBadError, CodeInternalError:
		return true
	}
	return false
}

// FieldError is one problem found while validating a call's arguments.
type FieldError struct {
	Field  string // the wire parameter name (e.g. "channel_id") or the Go option field
	Reason string // what is wrong with it
}

// ValidationError lists every problem found in a call's arguments. It is the
// Err of a [ChannelError] with code [CodeSDKParams]; nothing was sent.
type ValidationError struct {
	Problems []FieldError
}

// Error joins all problems with "; ".
func (v *ValidationError) Error() string {
	if v == nil {
		return ""
	}
	parts := make([]string, len(v.Problems))
	for i, p := range v.Problems {
		parts[i] = p.Field + ": " + p.Reason
	}
	return strings.Join(parts, "; ")
}

func paramsError(problems []FieldError) *ChannelError {
	return &ChannelError{
		Code: CodeSDKParams,
		Msg:  sdkCodeText[CodeSDKParams],
		Err:  &ValidationError{Problems: problems},
	}
}

func initError(format string) *ChannelError {
	return &ChannelError{Code: CodeSDKInit, Msg: sdkCodeText[CodeSDKInit] + ": " + format}
}

// ErrorCode returns the Code of the [ChannelError] in err's chain, or 0 when
// err is nil or holds no ChannelError.
func ErrorCode(err error) int {
	var ce *ChannelError
	if errors.As(err, &ce) && ce != nil {
		return ce.Code
	}
	return 0
}

// isServiceCode reports whether code lies in the ranges the service's error
// codes come from: 30600–30699, 40000–40999 (iOS) and 41000–41999 (timers).
func isServiceCode(code int64) bool {
	return code >= 30600 && code <= 30699 || code >= 40000 && code <= 41999
}

// maxTextBytes caps how much server-supplied text an error carries.
const maxTextBytes = 512

// sanitize makes text from the other side safe to print: control
// characters (C0, DEL, C1), line and paragraph separators and the
// bidirectional overrides become spaces, invalid UTF-8 becomes U+FFFD, and
// the text is cut at maxTextBytes.
func sanitize(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean && len(s) <= maxTextBytes {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if b.Len() >= maxTextBytes {
			b.WriteString("…")
			break
		}
		if unsafeRune(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// Outcome names what an error of a call means for what it asked for: "ok"
// (nil), "uncertain" (it failed but may have taken effect, see
// [ChannelError.MaybeProcessed]) or "failed" (provably not processed).
func Outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var ce *ChannelError
	if errors.As(err, &ce) && ce != nil && !ce.MaybeProcessed() {
		return "failed"
	}
	return "uncertain"
}

// ErrorType names an error's kind in a few words, for metrics and spans:
// the service's error code ("30611"), or for the SDK's own codes
// "sdk_init", "transport", "invalid_params", "bad_result" and
// "bad_error"; "" for nil.
func ErrorType(err error) string {
	if err == nil {
		return ""
	}
	switch code := ErrorCode(err); code {
	case CodeSDKInit:
		return "sdk_init"
	case CodeSDKRunning:
		return "transport"
	case CodeSDKParams:
		return "invalid_params"
	case CodeBadResult:
		return "bad_result"
	case CodeBadError:
		return "bad_error"
	case 0:
		return fmt.Sprintf("%T", err)
	default:
		return fmt.Sprint(code)
	}
}
