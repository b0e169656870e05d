// Package pushtest is a faithful, stateful emulator of the Baidu Cloud Push
// REST API 3.0, for tests and offline use of package pushsdk.
//
// It verifies every request as the service does — method, path,
// User-Agent, apikey, the exact signature over the URL as the client
// addressed it, the timestamp window and expires, and every parameter
// rule — and answers with the service's envelopes, HTTP statuses and
// ASCII-only JSON. It keeps state as the service does: apps and their
// platform, bound devices, tags and their members, messages whose status
// moves pending → sending → sent with the clock, timers that fire, topics
// with their counts, and statistics computed from what happened.
//
// # Getting started
//
//	srv := pushtest.NewServer()
//	defer srv.Close()
//	ch, err := srv.NewChannel() // a *pushsdk.Channel for the default app
//	...
//	res, err := ch.PushMsgToSingleDevice(ctx, "3973380163216521844", "hi", nil)
//	srv.Advance(2 * time.Second)               // let it be delivered
//	got := srv.Received("3973380163216521844") // what the device got
//
// # Devices
//
// By default any well-formed channel id the emulator has not seen counts
// as a bound device (it is bound on first use). [WithRequireBinding] makes
// only ids bound with [App.Bind] valid: a single-device push to another id
// gets 30608 and a batch push fails for it. [App.Unbind] unbinds an id in
// either mode.
//
// # Clocks
//
// The emulator's clock follows the system clock unless [WithFrozenClock]
// freezes it; [Emulator.Advance] moves it forward in both cases, firing
// timers and delivering messages. Requests are checked against that clock,
// so clients must sign with it: the Channels of [Server.NewChannel] and
// [Server.NewChannelFor] do. Once the clock has been moved, code that takes
// the time from time.Now() is behind the emulator — a SendTime of
// time.Now().Add(time.Hour) may then be in the emulator's past and refused.
// Take the time from [Emulator.Now] instead:
//
//	srv.Advance(24 * time.Hour)
//	_, err := c.PushMsgToAll(ctx, "good morning", &pushsdk.PushOptions{
//		SendTime: srv.Now().Add(time.Hour), // not time.Now()
//	})
//	srv.Advance(time.Hour + 2*time.Second) // the timer fires; the message is delivered
//
// An accepted message is pending for one second, then sending for one
// second, then delivered ([WithDeliveryDelay] changes that).
//
// # Limits
//
// An emulator can be left running as a shared test double: a request that
// fails authentication is kept in the request log as a short note, never
// with its parameters; the log is bounded in entries and bytes
// ([WithRequestLog]); bodies are capped ([WithMaxBody]); broadcasts and tag
// pushes are one record each, whatever the number of devices. [NewServer]
// applies [ServerTimeouts]; bpush emulator adds a connection cap. What each
// app keeps is capped ([Limits], [WithLimits]): devices (past the cap a new
// id is not bound: 30609), messages (the oldest delivered are forgotten),
// deliveries per device (the newest are kept), tags (30602 past the cap),
// topics and timers (the oldest are forgotten).
//
// # Inspector
//
// The Emulator also serves, unless [WithInspector](false), a JSON API under
// /api/v1/ — for tests in any language: what a device received
// (GET /api/v1/devices/{channel_id}/messages), the request log with the
// 30603 diagnoses (GET /api/v1/requests), messages, tags, timers, topics,
// statistics, and actions (bind, unbind, advance the clock, reset) — and a
// web inspector under /ui/ that shows the same, live (Server-Sent Events
// at /api/v1/events). [Emulator.Inspector] serves them alone. Actions are
// refused to cross-site browser requests and, on a connection that did not
// come through loopback, without [WithAPIToken]'s token; no page or answer
// shows a secret key or a signature. [Emulator.Reset] forgets the state.
//
// # Signature mistakes
//
// When a signature does not match, the emulator signs the request again the
// ways clients usually get it wrong and names the mistake that matches in
// the 30603's error_msg and its log line — never a secret:
//
//   - "~" left unencoded (Go's url.QueryEscape, Python 3's quote_plus);
//   - spaces encoded as %20 instead of +, or lower-case hex in the escapes;
//   - values URL-encoded before signing, or left out of the encoding;
//   - a parameter sent but not signed (the official Python SDK's
//     secretKey), or the secret key left out of the signed string;
//   - a timestamp in milliseconds (answered 30606), or signed as another
//     value than the one sent;
//   - http instead of https (or back), another host, port or path in the
//     signed URL;
//   - parameters signed in the order sent, not sorted by key;
//   - another method (GET for POST, or lower case);
//   - the secret key of another app;
//   - the signature in upper-case hex.
//
// For example: "Authentication Failed, signature mismatch: "~" was left
// unencoded (as Go's url.QueryEscape and Python 3's quote_plus do); PHP's
// urlencode, the service's, makes it %7E". When no known mistake explains
// the signature, the likeliest cause is a secret key that is not this API
// key's: the 30603 says so, with the md5 fingerprint of the app's secret
// key (the first eight hex digits, as `bpush sign --explain` prints the
// client's) to compare.
//
// # Faults
//
// [Emulator.FailNext] makes the next calls to an endpoint fail with a
// service code, an HTTP status with an HTML page, added latency or a
// dropped connection — before the call takes effect, or after it
// ([Fault].AfterProcessing). [WithRateLimit] answers 30699 beyond a rate.
//
// # What official clients send
//
// The emulator accepts what the official SDKs send, as the service does:
// extra parameters are signed and otherwise ignored, so the official Python
// SDK, which posts its secret key as a secretKey parameter, works (the value
// is masked in [Emulator.Requests] and never echoed); lists may hold JSON
// numbers (the PHP SDK sends query_type as [0,1,7]) and spaces after commas;
// query endpoints also take GET.
//
// # Smart tags
//
// push/tags with type 2-6 and a selector (the PHP SDK's pushToSmartTag, the
// Java SDK's PushMsgToSmartTagRequest; [pushsdk.Channel.PushMsgToSmartTag])
// is accepted when the selector is JSON, and recorded with its type and
// selector ([Message].SmartTag, [Message].Selector). The selector's grammar
// is not published, so the emulator delivers such a push to no device: its
// status becomes sent with 0 reached.
package pushtest
