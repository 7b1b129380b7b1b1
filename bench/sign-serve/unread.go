package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/wwcli/wwcli/bench/internal/loadrun"
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
	addr, err := loadrun.FreeAddr()
	if err != nil {
		res.startErr = err
		return res
	}
	cmd := exec.Command(bin, "sign", "serve", "--addr", addr)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8", "NO_COLOR=1", "WWCLI_KEYRING=off",
		"WWCLI_CONFIG_DIR=" + filepath.Join(dir, "config"), "WWCLI_CACHE_DIR=" + filepath.Join(dir, "cache"),
		"WWCLI_BASE_URL=" + sbURL, "WWCLI_CORP_ID=" + sandbox.DemoCorpID, "WWCLI_SECRET=" + sandbox.DemoAppSecret,
		"WWCLI_AGENT_ID=" + strconv.Itoa(sandbox.DemoAgentID)}
	srv, err := loadrun.Start(cmd, "sign serve")
	if err != nil {
		res.startErr = err
		return res
	}
	defer srv.Close() // whatever happened, the server does not outlive the run
	if err := srv.WaitListening(ctx, addr); err != nil {
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
	var ok, failed, stalls, opened atomic.Int64
	lat := loadrun.NewLatencies(opts.conns)
	peak := loadrun.SampleRSS(srv.PID())
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if !i.Reused {
			opened.Add(1)
		}
	}}
	clients := make([]*http.Client, opts.conns)
	for c := range clients {
		clients[c] = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}, Timeout: 10 * time.Second}
	}
	res.elapsed = loadrun.Spread(lctx, opts.conns, opts.requests, func(c, i int) {
		kind := [2]string{"corp", "agent"}[i%2]
		q := url.Values{"type": {kind}, "url": {"http://localhost:5173/page/" + strconv.Itoa(i) + "#/route"}}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(lctx, trace), http.MethodGet, base+"/signature?"+q.Encode(), nil)
		req.Header.Set("Origin", "http://localhost:5173")
		t0 := time.Now()
		r, err := clients[c].Do(req)
		if err != nil {
			if lctx.Err() == nil {
				failed.Add(1)
			}
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
		d := time.Since(t0)
		if r.StatusCode != http.StatusOK {
			failed.Add(1)
			return
		}
		if d > opts.stall {
			stalls.Add(1)
		}
		ok.Add(1)
		lat.Add(c, d)
	})
	cancel()
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	res.ok, res.failed, res.stalls, res.conns = ok.Load(), failed.Load(), stalls.Load(), opened.Load()
	all := lat.Sorted()
	res.p50, res.p99, res.max = loadrun.Quantile(all, 0.50), loadrun.Quantile(all, 0.99), loadrun.Quantile(all, 1)
	res.corpFetch, res.agentFetch = sb.Count("/cgi-bin/get_jsapi_ticket"), sb.Count("/cgi-bin/ticket/get") // probes included

	res.peakRSS = peak()
	res.unreadOut, res.unreadErr = srv.Unread()
	st := srv.Terminate(10 * time.Second)
	res.termExit, res.termTime = st.Code, st.Took
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
