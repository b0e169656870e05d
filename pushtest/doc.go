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
// # Time
//
// The emulator's clock follows the system clock unless [WithFrozenClock]
// freezes it; [Emulator.Advance] moves it forward in both cases, firing
// timers and delivering messages. Requests are checked against that clock,
// so clients must sign with it: the Channels of [Server.NewChannel] and
// [Server.NewChannelFor] do. After Advance, code that takes the time from
// time.Now() — a SendTime of time.Now().Add(time.Hour), say — is behind the
// emulator: take it from [Emulator.Now] (srv.Now()) instead. An accepted message is pending for one second,
// then sending for one second, then delivered ([WithDeliveryDelay]
// changes that).
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
