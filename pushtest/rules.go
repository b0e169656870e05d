package pushtest

import "time"

// The service's limits, as the emulator enforces them. They are the
// emulator's own, written from the protocol: it judges the SDK, so it does
// not take them from it.
const (
	apiPrefix     = "/rest/3.0/"
	defaultTag    = "default" // the built-in tag of every bound device
	maxMsgBytes   = 4096
	maxTagBytes   = 128
	maxTopicIDLen = 128
	maxPageLimit  = 100
	maxBatchIDs   = 10000
	maxTagIDs     = 10
	maxMsgExpires = 7 * 24 * time.Hour
	maxSendDelay  = 365 * 24 * time.Hour
	iosErrorMax   = 40012 // 40006-40012: iOS certificate errors
)

// isChannelID reports whether id is 1-64 ASCII digits.
func isChannelID(id string) bool { return len(id) <= 64 && isDigits(id) }

// isTopicID reports whether id is 1-128 letters, digits and underscores.
func isTopicID(id string) bool {
	if id == "" || len(id) > maxTopicIDLen {
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

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// short256 cuts what a client sent to 256 bytes, for the request log.
func short256(s string) string {
	if len(s) > 256 {
		return s[:256]
	}
	return s
}
