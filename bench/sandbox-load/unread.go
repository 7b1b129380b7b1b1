package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wwcli/wwcli/pkg/sandbox"
)

// unread runs `BIN sandbox` as its own process with stdout and stderr
// going to pipes nobody reads (or, with drain, pipes read to the end) (a paused terminal, docker's blocking log
// mode: audit N9), and loads gettoken over conns connections, perConn
// requests each. A request with no answer within stallAfter is a stall;
// its connection stops there, so a sandbox that stalls ends the run
// quickly. The process's peak RSS comes from the kernel (VmHWM).
func unread(bins []string, conns, perConn int, stallAfter, bound time.Duration, drain bool) int {
	streams := "stdout and stderr never read"
	if drain {
		streams = "stdout and stderr read (the control run)"
	}
	fmt.Printf("%d connections x %d gettoken, %s, a stall = no answer within %s\n\n", conns, perConn, streams, stallAfter)
	fmt.Println("| binary | answered | stalls | first stall at | p50 | p99 | max | RSS before | peak RSS | SIGTERM |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	failed := false
	for _, bin := range bins {
		r, err := unreadRun(bin, conns, perConn, stallAfter, bound, drain)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sandbox-load: %s: %v\n", bin, err)
			return 1
		}
		first := "-"
		if r.firstStall > 0 {
			first = "request " + strconv.Itoa(r.firstStall)
		}
		fmt.Printf("| %s | %d | %d | %s | %s | %s | %s | %.1f MB | %.1f MB | %s |\n", filepath.Base(bin), r.answered, r.stalls, first,
			ms(r.res.pct(50)), ms(r.res.pct(99)), ms(r.res.pct(100)), float64(r.rssBefore)/1024, float64(r.peakRSS)/1024, r.stopped)
		failed = failed || r.stalls > 0 || r.peakRSS > 100*1024
	}
	if failed {
		return 1
	}
	return 0
}

type unreadResult struct {
	res                result
	answered, stalls   int
	firstStall         int   // the answered count when the first stall began (0: none)
	rssBefore, peakRSS int64 // KiB
	stopped            string
}

func unreadRun(bin string, conns, perConn int, stallAfter, bound time.Duration, drain bool) (unreadResult, error) {
	var out unreadResult
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	port, err := freePort()
	if err != nil {
		return out, err
	}
	home, err := os.MkdirTemp("", "sandbox-load-")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(home)
	// The read ends stay open and are never read: the pipes fill up.
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return out, err
	}
	defer stdoutR.Close()
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		return out, err
	}
	defer stderrR.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "sandbox", "--addr", addr)
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "WWCLI_CONFIG_DIR=" + filepath.Join(home, "config"),
		"WWCLI_CACHE_DIR=" + filepath.Join(home, "cache"), "WWCLI_KEYRING=off", "NO_COLOR=1"}
	if err := cmd.Start(); err != nil {
		return out, err
	}
	stdoutW.Close()
	stderrW.Close()
	if drain { // the control run: someone reads
		go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
		go func() { _, _ = io.Copy(io.Discard, stderrR) }()
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() { // never leave it running
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	if err := waitListening(ctx, addr); err != nil {
		return out, err
	}
	out.rssBefore = procStatusKB(cmd.Process.Pid, "VmRSS")

	base := "http://" + addr
	u := base + "/cgi-bin/gettoken?corpid=" + sandbox.DemoCorpID + "&corpsecret=" + sandbox.DemoAppSecret
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: stallAfter}
	var answered, stalls, firstStall atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			defer func() { mu.Lock(); out.res.latencies = append(out.res.latencies, lat...); mu.Unlock() }()
			for range perConn {
				if ctx.Err() != nil {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						stalls.Add(1)
						firstStall.CompareAndSwap(0, answered.Load()+1)
					}
					return // a stalled or broken connection stops here
				}
				resp.Body.Close()
				lat = append(lat, time.Since(t))
				answered.Add(1)
			}
		}()
	}
	wg.Wait()
	out.res.elapsed = time.Since(start)
	out.answered, out.stalls, out.firstStall = int(answered.Load()), int(stalls.Load()), int(firstStall.Load())
	out.res.n = len(out.res.latencies)
	slices.Sort(out.res.latencies)
	out.peakRSS = procStatusKB(cmd.Process.Pid, "VmHWM")

	tr.CloseIdleConnections()
	t := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		out.stopped = fmt.Sprintf("exit %d in %.2f s", cmd.ProcessState.ExitCode(), time.Since(t).Seconds())
	case <-time.After(5 * time.Second):
		out.stopped = "still running 5 s later (killed)"
	}
	return out, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitListening waits (at most 10 s) until addr accepts connections.
func waitListening(ctx context.Context, addr string) error {
	for range 200 {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("nothing listens on %s after 10 s", addr)
}

// procStatusKB reads a "Name: N kB" line of /proc/PID/status (Linux).
func procStatusKB(pid int, name string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
