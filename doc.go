// Package pushsdk is a client of the Baidu Cloud Push (百度云推送) server
// REST API 3.0: push notifications and pass-through messages to Android and
// iOS apps, manage tag groups, run timed pushes and read delivery
// statistics. It ports the official Python SDK 3.0, method for method, and
// adds what Go services need: contexts, typed results and errors, safe
// retries, concurrency, and an offline emulator (package pushtest).
//
// # Getting started
//
// Create one [Channel] per app and share it:
//
//	c, err := pushsdk.NewChannel(apiKey, secretKey)
//	if err != nil { … }
//	res, err := c.PushMsgToSingleDevice(ctx, channelID, "hello", nil)
//	if err != nil { … }
//	log.Printf("msg %s sent at %v (request %d)", res.MsgID, res.SendTime, res.RequestID)
//
// Notifications are JSON objects sent with [MsgTypeNotification]; build them
// with [AndroidNotification] or [IOSNotification]. Every method checks its
// arguments against the service's rules before anything is sent.
//
// # Configuration
//
// Options set everything but the keys: [WithHost] (a bare host is reached
// over https; "http://127.0.0.1:8088" for an emulator), [WithDeviceType]
// for apps migrated from API 2.0, [WithTimeout] and [WithConnectTimeout],
// [WithHTTPClient] for proxies and tracing, [WithSignatureTTL],
// [WithRetry], [WithRateLimit], [WithLogger]. For the Python SDK's sdk.conf
// and the BAIDU_PUSH_* environment variables use [LoadConfig] and
// [NewChannelFromConfig]:
//
//	cfg, err := pushsdk.LoadConfig("sdk.conf")
//	c, err := pushsdk.NewChannelFromConfig(cfg)
//
// [NewChannel] itself never reads files or the environment.
//
// # Errors
//
// Every failure is a [*ChannelError]. Its Code is the service's error code
// (e.g. [CodeTagNotFound]) or an SDK code: [CodeSDKParams] (3) when the
// arguments were refused before sending — the error names every bad field,
// see [ValidationError] — [CodeSDKRunning] (2) when no HTTP answer came
// back, [CodeBadResult] (4) or [CodeBadError] (5) when the answer was not
// the service's JSON. RequestID and HTTPStatus say what came back:
//
//	var ce *pushsdk.ChannelError
//	if errors.As(err, &ce) {
//		log.Printf("push failed: code %d, request %d: %s", ce.Code, ce.RequestID, ce.Msg)
//	}
//
// [ErrorCode] returns the code of any error, wrapped or not, to compare
// with the named constants (ErrorCode(err) == CodeTagNotFound). A cancelled
// or expired ctx also matches errors.Is(err, context.Canceled) or
// context.DeadlineExceeded.
//
// # Results and errors
//
// One rule holds for every method: a call that fails returns a nil result
// and a non-nil error; a call that succeeds returns a non-nil result and a
// nil error. The one exception is a fan-out ([Channel.PushToDevices],
// [Channel.TagDevices], [Channel.UntagDevices]) whose arguments were
// accepted: it always returns its result, which accounts for every id,
// and an error too unless every id succeeded. Arguments it refuses give a
// nil result, as for any other method.
//
// Every method of a result or error type is safe on a nil receiver: a nil
// [*FanoutResult] or [*DeviceResults] has no ids, a nil [*ChannelError]
// is not MaybeProcessed. A nil or zero [Channel] (one not made by
// [NewChannel]) fails every call with a [CodeSDKInit] error instead of
// panicking.
//
// # Retries and timeouts
//
// Each HTTP attempt is bounded by [WithTimeout] (30 s) and its connection
// set-up by [WithConnectTimeout] (5 s); bound a whole call, retries
// included, with a ctx deadline. By default ([DefaultRetryPolicy]) a call is
// retried up to twice with jittered exponential backoff (0.2 s, 0.4 s, at
// most 5 s):
//
//   - query endpoints (report/*, app/query_tags, tag/device_num,
//     timer/query_list, topic/query_list) on transport errors, HTTP 5xx,
//     30600 and 30699;
//   - pushes and changes (tags, devices, timer/cancel) only when the request
//     cannot have been processed: the connection could not be made, or the
//     service answered 30699. A request that reached the service and failed
//     on the way back is not retried, so a retry never delivers a push
//     twice.
//
// Each retry is signed afresh with a new timestamp. The backoff never
// outlives ctx: when the next attempt could not start before the deadline,
// the call returns the last error at once. WithRetry(RetryPolicy{}) turns
// retries off. Redirects are never followed: a signed request goes to the service
// it was signed for, or nowhere.
//
// When a push fails, [ChannelError.MaybeProcessed] says whether it may
// nevertheless have been delivered: true when the request may have reached
// the service (the answer was lost or unreadable, a 5xx, 30600), false when
// the service provably did not act (arguments refused, a connection, TLS
// handshake or proxy tunnel that could not be set up, any other service
// error). Only a call with MaybeProcessed false is safe to send again.
//
// # Concurrency
//
// A Channel is safe for concurrent use by multiple goroutines, and should be
// created once and reused: it pools keep-alive connections. Its settings
// are fixed at construction; [Channel.SetCredentials] swaps the key pair
// atomically for key rotation. There is no per-call state on the Channel:
// request ids come back on each result and each error. Neither
// [Channel.String] nor any error or log line shows the secret key.
//
// # Fan-out, iterators, diagnostics
//
// [Channel.PushToDevices] pushes to any number of devices in batches of
// 10 000 with bounded concurrency, and puts every id in one of three sets:
// succeeded, failed (provably not processed: the retry list) and uncertain
// (may have been delivered: never resent blindly). The error is nil only when
// every id succeeded. [Channel.TagDevices] and [Channel.UntagDevices] do the
// same for tags. Per call, [FanoutConcurrency] and [FanoutJournal] — a hook that records each batch's start before it is sent
// and its outcome after, so that a process killed at any instant can tell
// what was sent. [WithRateLimit] throttles a
// Channel and backs off when the service answers 30699. [Channel.Tags],
// [Channel.Timers], [Channel.Topics], [Channel.TimerRecords] and
// [Channel.TopicRecords] page through lists as iter.Seq2 iterators. A 30603
// error carries a [SignatureExplanation] of what was signed, with the secret
// key masked; [Channel.ExplainSignature] produces one for any call, and
// [Sign] computes the signature of any request.
//
// # Observability
//
// An [Observer], installed with [WithObserver], is called when a call
// starts and ends, each HTTP attempt starts and ends, the rate limiter
// made an attempt wait, a retry is scheduled, and a fan-out starts, ends
// each batch and ends; its Start hooks return the ctx the rest runs with.
// [WithLogger] is an observer; module github.com/bdpush/pushsdk/pushotel
// is the OpenTelemetry one (spans and metrics). A Channel without
// observers pays nothing for them, and no observer is given the secret
// key, a signature or the message text. [Outcome] and [ErrorType] classify
// errors for metrics.
//
// # Many processes
//
// The service limits each app, not each process: processes of one app
// share a [RateLimiter] through [WithRateLimiter] — module
// github.com/bdpush/pushsdk/pushredis has one on Redis, and campaigns that
// workers on many machines run together.
//
// # How it is built
//
// Every method is a thin front over one pipeline: it checks its arguments
// (validate.go: every rule, all problems at once), builds the endpoint's
// parameters (endpoints.go), and hands them to the attempt loop
// (pipeline.go), which adds the common parameters, signs with [Sign]'s
// algorithm, POSTs, reads the answer through a 1 MiB cap and decodes it with
// encoding/json (decode.go), retrying as [RetryPolicy] allows. The results
// marshal to JSON with the service's field names.
//
// # Testing
//
// Package pushtest emulates the whole service offline, with state, the
// service's checks and fault injection:
//
//	srv := pushtest.NewServer()
//	defer srv.Close()
//	c, _ := srv.NewChannel()
package pushsdk
