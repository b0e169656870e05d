// Package redistest starts a real redis-server for tests: on a free
// loopback port, in a temporary directory, stopped when the test ends —
// one node ([Start]), a Redis Cluster of several ([StartCluster]) or a
// Sentinel that watches a node ([StartSentinel]). It is what pushredis's
// own tests use, and what a service that runs pushredis campaign workers
// can use in its tests. It needs the
// redis-server program (Debian: apt-get install redis-server); a test
// fails, and says so, without it.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server process of a test.
type Server struct {
	dir  string
	conf string // a configuration file, given first (a sentinel's)
	port int
	args []string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Option changes how the server runs.
type Option func(*[]string)

// WithPersistence makes the server write every change to an append-only
// file, synced at each write, so that a Stop and a Restart keep what was
// written, as a production Redis configured for it does.
func WithPersistence() Option {
	return func(args *[]string) { *args = append(*args, "--appendonly", "yes", "--appendfsync", "always") }
}

// Start starts a redis-server on a free loopback port, in a directory of
// the test's; it stops when the test ends. Without redis-server the test
// fails, saying how to install it.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := New(tb.TempDir(), opts...)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// New starts a redis-server on a free loopback port that keeps its files
// in dir, for a TestMain (Start is for a test); stop it with Stop.
func New(dir string, opts ...Option) (*Server, error) {
	return newServer(dir, "", opts...)
}

func newServer(dir, conf string, opts ...Option) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it): %w", err)
	}
	s := &Server{dir: dir, conf: conf}
	for _, o := range opts {
		o(&s.args)
	}
	var last error
	for range 20 {
		if s.port, err = freePort(); err != nil {
			return nil, err
		}
		if last = s.start(bin); last == nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("could not start redis-server: %w", last)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs redis-server and waits until it answers PING.
func (s *Server) start(bin string) error {
	var args []string
	if s.conf != "" {
		args = append(args, s.conf)
	}
	args = append(args, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--daemonize", "no", "--protected-mode", "yes", "--logfile", filepath.Join(s.dir, "redis.log"))
	if s.conf == "" {
		args = append(args, "--save", "")
	}
	args = append(args, s.args...)
	cmd := exec.Command(bin, args...)
	setPdeathsig(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer c.Close()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		select {
		case err := <-exited:
			return fmt.Errorf("redis-server exited: %v; log: %s", err, s.logTail())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server did not answer: %v", err)
		}
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	go func() {
		<-exited
		s.mu.Lock()
		if s.cmd == cmd {
			s.cmd = nil
		}
		s.mu.Unlock()
	}()
	return nil
}

func (s *Server) logTail() string {
	data, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], "\n")
}

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is the server's redis:// URL, as bpush --redis takes it.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Client returns a new client of the server; close it when done.
func (s *Server) Client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: s.Addr()})
}

// Stop stops the server (SIGTERM: an append-only file is synced) and
// waits for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() { s.signal(syscall.SIGTERM) }

// Kill kills the server (SIGKILL) and waits for it to exit.
func (s *Server) Kill() { s.signal(syscall.SIGKILL) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	for {
		s.mu.Lock()
		gone := s.cmd != cmd
		s.mu.Unlock()
		if gone {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Restart starts the server again after Stop or Kill, on the same port and
// directory (with WithPersistence, with the same data).
func (s *Server) Restart() error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return err
	}
	return s.start(bin)
}

// UsedMemory returns the server's INFO used_memory, in bytes.
func (s *Server) UsedMemory(ctx context.Context) (int64, error) {
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer c.Close()
	info, err := c.Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("no used_memory in INFO")
}
