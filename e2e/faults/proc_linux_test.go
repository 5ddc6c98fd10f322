package faults_test

import "syscall"

// dieWithTest has the kernel SIGKILL a child when the test process dies,
// so a test binary killed by a timeout or by hand leaves no NATS, database
// or service running on its ports.
func dieWithTest() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
