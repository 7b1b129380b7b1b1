// Command stress runs `wwcli relay` binaries as their own processes under
// the two loads of the 2026-12 security audit, side by side:
//
//   - logs nobody reads: the relay's stdout and stderr are pipes that are
//     never read, and 1,000 connections send requests (half of them
//     without a token, each one an audit line on stderr). A request with
//     no answer within -stall is a stall.
//   - large bodies: 40 concurrent 20 MB POSTs to media/upload.
//
// For each it reports the answers, the stalls and the relay's memory (peak
// and final resident set, from /proc: Linux only).
//
//	go build -o wwcli-after . && go run ./bench/relay-load/stress -bin after=./wwcli-after
//	go run ./bench/relay-load/stress -bin before=./wwcli-before -bin after=./wwcli-after \
//	    -bin 'after without a memory limit=./wwcli-after;GOMEMLIMIT=off'
//
// where wwcli-before is built from an earlier commit (git worktree add).
// -bin is LABEL=PATH[;NAME=VALUE...] (extra environment for that run). The
// upstream is an in-process sandbox. Everything listens on 127.0.0.1,
// every loop has a fixed count, each scenario is bounded by -limit, and
// every process started is stopped by its PID.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wwcli/wwcli/bench/internal/loadrun"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

const clientToken = "stress-token-0123456789abcdef"

type binary struct {
	label, path string
	env         []string
}

type binaries []binary

func (b *binaries) String() string { return fmt.Sprint(*b) }

func (b *binaries) Set(v string) error {
	parts := strings.Split(v, ";")
	i := strings.LastIndex(parts[0], "=")
	if i <= 0 || i == len(parts[0])-1 {
		return errors.New("want LABEL=PATH[;NAME=VALUE...]")
	}
	*b = append(*b, binary{label: parts[0][:i], path: parts[0][i+1:], env: parts[1:]})
	return nil
}

func main() { os.Exit(run()) }

func run() int {
	var bins binaries
	flag.Var(&bins, "bin", "LABEL=PATH[;NAME=VALUE...] of a wwcli binary to measure (repeat to compare)")
	conns := flag.Int("conns", 1000, "connections in the logs-nobody-reads scenario")
	per := flag.Int("per", 10, "requests per connection")
	stall := flag.Duration("stall", 2*time.Second, "a request with no answer after this long is a stall")
	bodies := flag.Int("bodies", 40, "concurrent large POSTs")
	size := flag.Int("size", 20<<20, "bytes per large POST")
	limit := flag.Duration("limit", 25*time.Second, "bound on each scenario")
	flag.Parse()
	if len(bins) == 0 || *conns <= 0 || *per <= 0 || *bodies <= 0 || *size <= 0 {
		fmt.Fprintln(os.Stderr, "stress: give at least one -bin LABEL=PATH; counts must be positive")
		return 2
	}
	sb := sandbox.New(sandbox.Options{})
	sbURL, err := sb.Start("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress:", err)
		return 1
	}
	defer sb.Close()

	fmt.Printf("%d connections × %d requests with stdout and stderr never read (a stall: no answer in %s); %d × %d MB POST media/upload\n\n",
		*conns, *per, *stall, *bodies, *size>>20)
	fmt.Println("| binary | scenario | requests | answered | stalls | other errors | statuses | p50 | p99 | peak RSS | RSS at end | still answers |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, b := range bins {
		for _, sc := range []struct {
			name string
			load func(ctx context.Context, base string) result
		}{
			{"logs nobody reads", func(ctx context.Context, base string) result { return unreadLogs(ctx, base, *conns, *per, *stall) }},
			{"large bodies", func(ctx context.Context, base string) result { return largeBodies(ctx, base, *bodies, *size) }},
		} {
			r, err := measure(b, sbURL, *limit, sc.load)
			if err != nil {
				fmt.Fprintf(os.Stderr, "stress: %s, %s: %v\n", b.label, sc.name, err)
				return 1
			}
			fmt.Printf("| %s | %s | %d | %d | %d | %d | %s | %s | %s | %.1f MiB | %.1f MiB | %s |\n", b.label, sc.name, r.requests, r.answered,
				r.stalls, r.errors, r.statusList(), r.pct(50), r.pct(99), float64(r.peakKB)/1024, float64(r.endKB)/1024, yesNo(r.alive))
		}
	}
	return 0
}

type result struct {
	requests, answered, stalls, errors int
	statuses                           map[int]int
	latencies                          []time.Duration // of the answered
	peakKB, endKB                      int64
	alive                              bool
}

// pct is the p-th percentile latency of the answered requests (100 = max).
func (r result) pct(p int) string {
	if len(r.latencies) == 0 {
		return "-"
	}
	slices.Sort(r.latencies)
	return fmt.Sprintf("%.0f ms", float64(loadrun.Pct(r.latencies, p).Microseconds())/1000)
}

func (r result) statusList() string {
	var parts []string
	for _, code := range []int{200, 401, 413, 502, 503} {
		if n := r.statuses[code]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d×%d", n, code))
		}
	}
	for code, n := range r.statuses {
		switch code {
		case 200, 401, 413, 502, 503:
		default:
			parts = append(parts, fmt.Sprintf("%d×%d", n, code))
		}
	}
	return strings.Join(parts, " ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

// measure starts a relay from b in front of sbURL, runs load against it
// within limit, and reports the relay's memory.
func measure(b binary, sbURL string, limit time.Duration, load func(ctx context.Context, base string) result) (result, error) {
	dir, err := os.MkdirTemp("", "relay-stress-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	sum := sha256.Sum256([]byte(clientToken))
	clients := filepath.Join(dir, "clients.json")
	if err := os.WriteFile(clients, []byte(`{"clients":[{"name":"load","token_sha256":"`+hex.EncodeToString(sum[:])+
		`","paths":["/cgi-bin/*"],"rate_per_minute":100000000}]}`), 0o600); err != nil {
		return result{}, err
	}
	addr, err := loadrun.FreeAddr()
	if err != nil {
		return result{}, err
	}
	cmd := exec.Command(b.path, "relay", "--clients", clients, "--addr", addr)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "WWCLI_KEYRING=off",
		"WWCLI_CACHE_DIR=" + filepath.Join(dir, "cache"), "WWCLI_CONFIG_DIR=" + filepath.Join(dir, "config"),
		"WWCLI_BASE_URL=" + sbURL, "WWCLI_CORP_ID=" + sandbox.DemoCorpID, "WWCLI_SECRET=" + sandbox.DemoAppSecret,
		"WWCLI_AGENT_ID=" + strconv.Itoa(sandbox.DemoAgentID)}, b.env...)
	srv, err := loadrun.Start(cmd, "wwcli relay") // stdout and stderr: pipes nobody reads
	if err != nil {
		return result{}, err
	}
	defer srv.Close()
	// SIGTERM, then SIGKILL after 5 s (a relay stalled on a log write may
	// never get to its shutdown).
	defer srv.Terminate(5 * time.Second)
	if err := srv.WaitListening(context.Background(), addr); err != nil {
		return result{}, err
	}

	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	peak := loadrun.SampleRSS(srv.PID()) // VmHWM is the peak too; sampling also shows the relay is still there
	r := load(ctx, "http://"+addr)
	cancel()
	r.peakKB = peak()
	r.endKB = loadrun.StatusKB(srv.PID(), "VmRSS")
	r.alive = answers("http://" + addr)
	return r, nil
}

// answers: one authenticated call gets an answer within 2 s.
func answers(base string) bool {
	req, _ := http.NewRequest(http.MethodGet, base+"/_relay/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+clientToken)
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// tally counts answers from many goroutines.
type tally struct {
	mu sync.Mutex
	r  result
}

func (t *tally) add(status int, err error, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.r.requests++
	switch {
	case loadrun.IsStall(err):
		t.r.stalls++
	case err != nil:
		t.r.errors++
	default:
		t.r.answered++
		t.r.statuses[status]++
		t.r.latencies = append(t.r.latencies, took)
	}
}

// unreadLogs: conns connections, per requests each; odd ones without a
// token (401, an audit line anyone can cause), even ones user/get.
func unreadLogs(ctx context.Context, base string, conns, per int, stall time.Duration) result {
	tr := &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns, MaxIdleConns: conns}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: stall}
	t := &tally{r: result{statuses: map[int]int{}}}
	loadrun.Each(ctx, conns, per, func(c, i int) bool {
		target, token := base+"/_relay/whoami", ""
		if (c+i)%2 == 0 {
			target, token = base+"/cgi-bin/user/get?userid=zhangsan", clientToken
		}
		start := time.Now()
		status, err := send(ctx, hc, http.MethodGet, target, token, nil, 0)
		t.add(status, err, time.Since(start))
		return true
	})
	return t.r
}

// largeBodies: n concurrent POSTs of size bytes to media/upload.
func largeBodies(ctx context.Context, base string, n, size int) result {
	body := bytes.Repeat([]byte("x"), size)
	tr := &http.Transport{MaxConnsPerHost: n, MaxIdleConnsPerHost: n}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	t := &tally{r: result{statuses: map[int]int{}}}
	loadrun.Each(ctx, n, 1, func(int, int) bool {
		start := time.Now()
		status, err := send(ctx, hc, http.MethodPost, base+"/cgi-bin/media/upload?type=file", clientToken, body, size)
		t.add(status, err, time.Since(start))
		return true
	})
	return t.r
}

func send(ctx context.Context, hc *http.Client, method, target, token string, body []byte, size int) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body[:size])
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "multipart/form-data; boundary=stress")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}
