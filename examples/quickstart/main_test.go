package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestQuickstartOffline(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, false, "", ""); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"offline, against the built-in emulator", "sent/1 sent/2 sent/3 sent/3", "1 pending",
		"pushed to 3, reached 3", "all 14 steps succeeded"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "FAILED") {
		t.Errorf("a step failed:\n%s", out.String())
	}
}

func TestQuickstartLiveNeedsKeys(t *testing.T) {
	t.Setenv("BAIDU_PUSH_API_KEY", "")
	t.Setenv("BAIDU_PUSH_SECRET_KEY", "")
	var out bytes.Buffer
	err := run(context.Background(), &out, true, "", "")
	if err == nil || !strings.Contains(err.Error(), "BAIDU_PUSH_API_KEY") {
		t.Fatalf("want a missing-keys error, got %v", err)
	}
}
