package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
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

// unreadOptions configure the -bin mode: the real binary, many
// connections, stdout and stderr never read.
type unreadOptions struct {
	conns    int
	requests int           // upper bound on requests per binary
	duration time.Duration // upper bound on the load phase per binary
	stall    time.Duration // an answer slower than this is a stall
	maxRSS   int64         // KiB; a peak above it fails the run
}

// unreadResult is one binary's row.
type unreadResult struct {
	bin                   string
	conns                 int64 // connections opened by the callers
	ok, failed, stalls    int64
	elapsed               time.Duration
	p50, p99, max         time.Duration
	peakRSS               int64 // KiB (VmHWM)
	corpFetch, agentFetch int
	rebind, badOrigin     int // status of the N3 probes
	probeFetches          int // ticket fetches the probes caused
	termExit              int
	termTime              time.Duration
	unreadOut, unreadErr  int // bytes waiting in the pipes at the end
	startErr              error
}

// runUnread runs `BIN sign serve` for each binary in turn, against an
// in-process sandbox, with its stdout and stderr connected to pipes that
// are never read (a paused terminal, a stuck `| less`): opts.conns
// callers, each on its own connection, ask for signatures until
// opts.requests answers or opts.duration. The N3 probes (a DNS-rebinding
// Host, a foreign Origin) go first, while no ticket is held; SIGTERM last.
func runUnread(ctx context.Context, bins []string, opts unreadOptions) int {
	var rows []unreadResult
	for _, bin := range bins {
		rows = append(rows, unreadOne(ctx, bin, opts))
	}
	fmt.Printf("| binary | connections | answered | failed | stalls (> %s) | signatures/s | p50 | p99 | max | peak RSS | ticket fetches (corp, agent) | rebinding Host | foreign Origin | fetches by probes | SIGTERM | unread stdout, stderr |\n", opts.stall)
	fmt.Printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	code := 0
	for _, r := range rows {
		if r.startErr != nil {
			fmt.Printf("| %s | failed to start: %v |\n", r.bin, r.startErr)
			code = 1
			continue
		}
		fmt.Printf("| %s | %d | %d | %d | %d | %.0f | %s | %s | %s | %.1f MB | %d, %d | %d | %d | %d | exit %d in %s | %d B, %d B |\n",
			r.bin, r.conns, r.ok, r.failed, r.stalls, float64(r.ok)/r.elapsed.Seconds(),
			r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.max.Round(time.Millisecond),
			float64(r.peakRSS)/1024, r.corpFetch, r.agentFetch, r.rebind, r.badOrigin, r.probeFetches,
			r.termExit, r.termTime.Round(time.Millisecond), r.unreadOut, r.unreadErr)
		if r.failed > 0 || r.stalls > 0 || r.peakRSS > opts.maxRSS || r.termExit != 0 {
			code = 1
		}
	}
	return code
}

func unreadOne(ctx context.Context, bin string, opts unreadOptions) (res unreadResult) {
	res.bin = filepath.Base(filepath.Dir(bin)) + "/" + filepath.Base(bin)
	sb := sandbox.New(sandbox.Options{})
	sbURL, err := sb.Start("127.0.0.1:0")
	if err != nil {
		res.startErr = err
		return res
	}
	defer sb.Close()
	dir, err := os.MkdirTemp("", "sign-serve-bench-")
	if err != nil {
		res.startErr = err
		return res
	}
	defer os.RemoveAll(dir)
	addr, err := freeAddr()
	if err != nil {
		res.startErr = err
		return res
	}
	cmd := exec.Command(bin, "sign", "serve", "--addr", addr)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8", "NO_COLOR=1", "WWCLI_KEYRING=off",
		"WWCLI_CONFIG_DIR=" + filepath.Join(dir, "config"), "WWCLI_CACHE_DIR=" + filepath.Join(dir, "cache"),
		"WWCLI_BASE_URL=" + sbURL, "WWCLI_CORP_ID=" + sandbox.DemoCorpID, "WWCLI_SECRET=" + sandbox.DemoAppSecret,
		"WWCLI_AGENT_ID=" + strconv.Itoa(sandbox.DemoAgentID)}
	// Pipes whose read ends stay open and unread: writes block once the
	// pipe buffer is full (a closed read end would be EPIPE instead).
	outR, outW, err := os.Pipe()
	if err != nil {
		res.startErr = err
		return res
	}
	defer outR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		res.startErr = err
		return res
	}
	defer errR.Close()
	cmd.Stdout, cmd.Stderr = outW, errW
	if err := cmd.Start(); err != nil {
		res.startErr = err
		return res
	}
	outW.Close()
	errW.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { // whatever happened, the server does not outlive the run
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	if err := waitListening(addr, exited); err != nil {
		res.startErr = err
		return res
	}
	base := "http://" + addr

	// N3 (audit), while no ticket is held yet: a rebound page's
	// same-origin GET, then a foreign page's; did either cost a fetch?
	_, port, _ := net.SplitHostPort(addr)
	pay := "/signature?url=https%3A%2F%2Fvictim-app.example.com%2Fpay&type=agent"
	res.rebind = probe(ctx, base+pay, "rebind.attacker.example:"+port, "")
	res.badOrigin = probe(ctx, base+pay, "", "https://evil.example")
	res.probeFetches = sb.Count("/cgi-bin/get_jsapi_ticket") + sb.Count("/cgi-bin/ticket/get")

	// The load: each caller has a transport of its own, so opts.conns
	// connections are open at once.
	lctx, cancel := context.WithTimeout(ctx, opts.duration)
	defer cancel()
	var next, ok, failed, stalls, opened atomic.Int64
	lat := make([][]time.Duration, opts.conns)
	var peak atomic.Int64
	sampled := make(chan struct{})
	go func() { // RSS now and then, for a peak that survives VmHWM's absence
		defer close(sampled)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb := procStatusKB(cmd.Process.Pid, "VmRSS"); kb > peak.Load() {
				peak.Store(kb)
			}
			select {
			case <-lctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if !i.Reused {
			opened.Add(1)
		}
	}}
	var wg sync.WaitGroup
	start := time.Now()
	for c := range opts.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			for lctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(opts.requests) {
					return
				}
				kind := [2]string{"corp", "agent"}[i%2]
				q := url.Values{"type": {kind}, "url": {"http://localhost:5173/page/" + strconv.FormatInt(i, 10) + "#/route"}}
				req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(lctx, trace), http.MethodGet, base+"/signature?"+q.Encode(), nil)
				req.Header.Set("Origin", "http://localhost:5173")
				t0 := time.Now()
				r, err := client.Do(req)
				if err != nil {
					if lctx.Err() == nil {
						failed.Add(1)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, r.Body)
				r.Body.Close()
				d := time.Since(t0)
				if r.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				if d > opts.stall {
					stalls.Add(1)
				}
				ok.Add(1)
				lat[c] = append(lat[c], d)
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	cancel()
	<-sampled
	res.ok, res.failed, res.stalls, res.conns = ok.Load(), failed.Load(), stalls.Load(), opened.Load()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if n := len(all); n > 0 {
		res.p50, res.p99, res.max = all[n/2], all[min(n-1, n*99/100)], all[n-1]
	}
	res.corpFetch, res.agentFetch = sb.Count("/cgi-bin/get_jsapi_ticket"), sb.Count("/cgi-bin/ticket/get") // probes included

	res.peakRSS = max(peak.Load(), procStatusKB(cmd.Process.Pid, "VmHWM"))
	res.unreadOut, res.unreadErr = pipeBytes(outR), pipeBytes(errR)
	t0 := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		res.termTime = time.Since(t0)
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			res.termExit = ee.ExitCode()
		}
		exited <- err // for the deferred check
	case <-time.After(10 * time.Second):
		res.termExit, res.termTime = -1, time.Since(t0) // killed by the deferred check
	}
	return res
}

// probe sends one GET with the given Host and Origin ("" = none) and
// returns the status, or 0 when there was no answer.
func probe(ctx context.Context, u, host, origin string) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if host != "" {
		req.Host = host
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return r.StatusCode
}

// freeAddr is a free port on 127.0.0.1: the server is started on it so
// that its stdout (where it prints the port) need never be read.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitListening dials addr until it answers, at most 100 times 100 ms.
func waitListening(addr string, exited <-chan error) error {
	for range 100 {
		select {
		case err := <-exited:
			return fmt.Errorf("sign serve exited at start: %v", err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("sign serve did not listen on %s within 10s", addr)
}

// procStatusKB reads a "Key: N kB" line of /proc/PID/status (Linux); 0
// when there is none.
func procStatusKB(pid int, key string) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, found := strings.CutPrefix(line, key+":"); found {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// pipeBytes is how many bytes wait unread in a pipe (FIONREAD).
func pipeBytes(f *os.File) int {
	n, err := ioctlFIONREAD(f)
	if err != nil {
		return -1
	}
	return n
}
