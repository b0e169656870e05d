//go:build !linux

package main

import "os/exec"

// dieWithParent is Linux only; elsewhere TestMain alone stops the process.
func dieWithParent(*exec.Cmd) {}
