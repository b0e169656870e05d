// Package hooks connects package pushsdk to its emulator, package pushtest,
// without widening pushsdk's public API (the grpc-go pattern): pushsdk sets
// the hooks when it is initialised, and pushtest calls them. Nothing outside
// this module can import it.
package hooks

import "time"

// WithClock returns a pushsdk.Option (as an any: this package cannot import
// pushsdk) that makes a Channel read the time from now instead of the
// system clock, for request timestamps and for checking SendTime. pushtest
// gives its Channels the emulator's clock with it.
var WithClock func(now func() time.Time) any
