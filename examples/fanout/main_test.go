package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestFanoutExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, 50000); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{"in 5 batches", ": 20000 succeeded, 20000 failed, 10000 uncertain", "sent the 20000 failed ids again: 0 failed now (error: <nil>)",
		"10000 ids are uncertain", "received the notification twice: 0",
		"tagged 1000 devices (0 rejected); the tag holds 1000", "topic launch: pushed to 50000, reached 50000", "<secret key: 32 bytes"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}
