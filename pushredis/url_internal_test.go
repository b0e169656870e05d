package pushredis

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMaskPassword: a message is masked of the password as the URL writes
// it and as it decodes, whichever a parser quotes.
func TestMaskPassword(t *testing.T) {
	const u = "redis://u:p%40ss7@host:6379/0"
	assert.Equal(t, "bad *** and ***", maskPassword(u, "bad p%40ss7 and p@ss7"))
	assert.Equal(t, "nothing to mask", maskPassword("redis://host:6379/0", "nothing to mask"))
	assert.Equal(t, "x *** y", maskPassword("redis://u:p%zz@host/0", "x p%zz y"), "a password that does not decode")
}
