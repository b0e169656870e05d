//go:build !linux

package pushsdk_test

import "os/exec"

// dieWithParent is Linux only; elsewhere TestMain alone stops the process.
func dieWithParent(*exec.Cmd) {}
