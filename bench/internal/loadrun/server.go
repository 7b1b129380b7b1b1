// Package loadrun is the scaffolding the load benches under bench/ share:
// a wwcli server run as its own process with stdout and stderr on pipes
// nobody reads (the audits' paused terminal, stuck `| less`, docker's
// blocking log mode), its memory from /proc, the N-connection request
// loop with its latency percentiles, and the SIGTERM that ends it. The
// /proc and FIONREAD readings are Linux only; elsewhere they read 0 and -1.
package loadrun

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// FreeAddr is a free port on 127.0.0.1 ("127.0.0.1:PORT"): the server is
// started on it so that its stdout, where it says which port it took,
// need never be read.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Server is a process started by Start. Close it (deferred) whatever
// happens, so that it never outlives the run.
type Server struct {
	Cmd            *exec.Cmd
	name           string   // for messages: "sign serve"
	stdout, stderr *os.File // the read ends, open until Close
	exited         chan struct{}
}

// Start starts cmd (its path, arguments and environment set) with stdout
// and stderr on pipes whose read ends stay open and unread: the server's
// writes block once the kernel's pipe buffer (64 KiB) is full, as on a
// paused terminal; a closed read end would be EPIPE instead. name says
// which server it is in errors.
func Start(cmd *exec.Cmd, name string) (*Server, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	outW.Close() // the child holds its own copies
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, err
	}
	s := &Server{Cmd: cmd, name: name, stdout: outR, stderr: errR, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	return s, nil
}

// PID is the server's process id, for /proc.
func (s *Server) PID() int { return s.Cmd.Process.Pid }

// Drain reads stdout and stderr after all, to the end: the control run,
// where someone reads.
func (s *Server) Drain() {
	go func() { _, _ = io.Copy(io.Discard, s.stdout) }()
	go func() { _, _ = io.Copy(io.Discard, s.stderr) }()
}

// FirstLine reads the first line of stdout (a server started on port 0
// prints its URL there) and then drains both pipes, as a terminal would.
func (s *Server) FirstLine() (string, error) {
	go func() { _, _ = io.Copy(io.Discard, s.stderr) }()
	r := bufio.NewReader(s.stdout)
	line, err := r.ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, r) }()
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("%s printed no URL: %v", s.name, err)
	}
	return line, nil
}

// WaitListening dials addr every 50 ms until it accepts a connection, and
// fails when the server exits first, ctx ends or 10 s pass.
func (s *Server) WaitListening(ctx context.Context, addr string) error {
	for range 200 {
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited at start: %v", s.name, s.Cmd.ProcessState)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not listen on %s within 10 s", s.name, addr)
}

// Unread is how many bytes wait unread in the stdout and stderr pipes
// (FIONREAD; -1 where that cannot be read): what the server wrote that
// nobody took.
func (s *Server) Unread() (stdout, stderr int) {
	return pipeBytes(s.stdout), pipeBytes(s.stderr)
}

func pipeBytes(f *os.File) int {
	n, err := ioctlFIONREAD(f)
	if err != nil {
		return -1
	}
	return n
}

// Stop is how the server took SIGTERM.
type Stop struct {
	Exited bool          // false: still running after the grace period, so killed
	Code   int           // the exit code; -1 when killed by a signal
	Took   time.Duration // from SIGTERM to exit, or the grace period
}

// Terminate sends SIGTERM and waits up to grace for the exit; a server
// still running then (stalled on a log write, say) is killed.
func (s *Server) Terminate(grace time.Duration) Stop {
	t0 := time.Now()
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return Stop{Exited: true, Code: s.Cmd.ProcessState.ExitCode(), Took: time.Since(t0)}
	case <-time.After(grace):
		s.kill()
		return Stop{Code: -1, Took: time.Since(t0)}
	}
}

// Close kills the server if it still runs and closes the pipes.
func (s *Server) Close() {
	s.kill()
	s.stdout.Close()
	s.stderr.Close()
}

func (s *Server) kill() {
	select {
	case <-s.exited:
	default:
		_ = s.Cmd.Process.Kill()
		<-s.exited
	}
}

// IsStall reports whether a request's error is a timeout: no answer
// within the client's limit (the audits' stall) or the run's deadline.
func IsStall(err error) bool {
	var ne net.Error
	return err != nil && (errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded))
}
