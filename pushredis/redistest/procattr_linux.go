package redistest

import (
	"os/exec"
	"syscall"
)

// setPdeathsig makes the kernel kill the server when the test process
// dies, so that no redis-server outlives a crashed test.
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
