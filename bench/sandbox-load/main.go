// Command sandbox-load measures the sandbox under the loads of issue 16's
// audit (D7): batches of gettoken, /_sandbox/code calls on top of them, and
// thousands of unknown paths against the counters. With -mode steady
// (issue 13) it loads gettoken and then user/get, each over -conns
// connections for -duration, and reports p50/p99.
//
//	go run ./bench/sandbox-load                      # in-process sandbox on 127.0.0.1
//	go run ./bench/sandbox-load -url http://127.0.0.1:8081   # a running `wwcli sandbox`
//	go run ./bench/sandbox-load -batches 3 -batch 5000 -conns 20
//	go run ./bench/sandbox-load -mode steady -conns 50 -duration 10s
//	go run ./bench/sandbox-load -mode unread -bin ./wwcli-before,./wwcli -conns 1000
//
// With -mode unread (audit N9) it starts each -bin as `BIN sandbox` on a
// free 127.0.0.1 port with stdout and stderr going to pipes it never reads,
// sends -per-conn gettokens over each of -conns connections, counts the
// requests without an answer within -stall, and reads the process's peak
// RSS; each binary's run is bounded by 25 s. -drain reads the pipes after
// all (the control run). Exit status 1 on a stall or a peak RSS over
// 100 MB in any binary's run.
//
// It prints a markdown table on stdout. Every request goes to 127.0.0.1 (a
// -url elsewhere is refused), every phase has a fixed request count, and
// -timeout bounds the whole run. Exit status 1 when a request fails.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wwcli/wwcli/bench/internal/loadrun"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

func main() {
	os.Exit(run())
}

func run() int {
	base := flag.String("url", "", "base URL of a running sandbox on 127.0.0.1 (default: start one in this process)")
	batches := flag.Int("batches", 6, "gettoken batches")
	batch := flag.Int("batch", 10000, "requests per batch")
	conns := flag.Int("conns", 50, "concurrent connections")
	codes := flag.Int("codes", 10000, "POST /_sandbox/code requests after the batches")
	paths := flag.Int("paths", 20000, "unique unknown 400-byte paths")
	timeout := flag.Duration("timeout", 10*time.Minute, "bound on the whole run")
	mode := flag.String("mode", "hardening", "hardening (batches, codes, unknown paths), steady (gettoken and user/get for -duration each) or unread (-bin with stdout and stderr not read)")
	duration := flag.Duration("duration", 10*time.Second, "steady mode: how long each phase runs")
	bins := flag.String("bin", "", "unread mode: wwcli binaries to compare, comma-separated")
	perConn := flag.Int("per-conn", 10, "unread mode: gettokens per connection")
	stall := flag.Duration("stall", 2*time.Second, "unread mode: a request without an answer this long is a stall")
	drain := flag.Bool("drain", false, "unread mode: read stdout and stderr after all (the control run)")
	flag.Parse()
	switch *mode {
	case "hardening", "steady":
	case "unread":
		if *bins == "" || *conns < 1 || *conns > 2000 || *perConn < 1 || *perConn > 100 || *stall <= 0 || *stall > 10*time.Second {
			fmt.Fprintln(os.Stderr, "sandbox-load: -mode unread needs -bin, -conns 1-2000, -per-conn 1-100 and -stall up to 10s")
			return 2
		}
		return unread(strings.Split(*bins, ","), *conns, *perConn, *stall, 25*time.Second, *drain)
	default:
		fmt.Fprintf(os.Stderr, "sandbox-load: -mode %q: use hardening, steady or unread\n", *mode)
		return 2
	}
	if *duration <= 0 || *duration > 5*time.Minute {
		fmt.Fprintln(os.Stderr, "sandbox-load: -duration must be between 0 and 5m")
		return 2
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if *base == "" {
		srv := sandbox.New(sandbox.Options{})
		u, err := srv.Start("127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "sandbox-load:", err)
			return 1
		}
		defer srv.Close()
		*base = u
	} else if err := loopbackOnly(*base); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox-load:", err)
		return 1
	}
	tr := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	gettoken := *base + "/cgi-bin/gettoken?corpid=" + sandbox.DemoCorpID + "&corpsecret=" + sandbox.DemoAppSecret

	if *mode == "steady" {
		return steady(ctx, client, *base, *conns, *duration)
	}
	fmt.Printf("sandbox %s, %d connections\n\n", *base, *conns)
	// A repeated gettoken returns the live token, so the sandbox stores one
	// token per secret however many calls it answers.
	fmt.Println("| phase | tokens stored after | requests | req/s | p50 | p90 | p99 | max | errors |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	failed := false
	report := func(name string, stored int, r loadrun.Phase) {
		fmt.Printf("| %s | %d | %d | %.0f | %s | %s | %s | %s | %d |\n", name, stored, r.N, r.RPS(),
			ms(r.Pct(50)), ms(r.Pct(90)), ms(r.Pct(99)), ms(r.Pct(100)), r.Errors)
		failed = failed || r.Errors > 0
	}
	for i := 1; i <= *batches; i++ {
		r := load(ctx, *batch, *conns, func(int) (*http.Request, error) { return http.NewRequest(http.MethodGet, gettoken, nil) }, client)
		report(fmt.Sprintf("gettoken batch %d", i), 1, r)
	}
	if *codes > 0 {
		r := load(ctx, *codes, *conns, func(int) (*http.Request, error) {
			return http.NewRequest(http.MethodPost, *base+"/_sandbox/code", strings.NewReader(`{"userid":"zhangsan"}`))
		}, client)
		report("POST /_sandbox/code", 1, r)
	}
	if *paths > 0 {
		pad := strings.Repeat("x", 400)
		r := load(ctx, *paths, *conns, func(i int) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, fmt.Sprintf("%s/cgi-bin/unknown/%d/%s", *base, i, pad), nil)
		}, client)
		r.Errors -= r.Status[http.StatusNotFound] // 404 is the answer to an unknown path
		report("unique unknown paths", 1, r)
		size, err := bodySize(ctx, client, *base+"/_sandbox/counters")
		if err != nil {
			fmt.Fprintln(os.Stderr, "sandbox-load: counters:", err)
			return 1
		}
		fmt.Printf("\n/_sandbox/counters after %d unknown paths: %d bytes\n", *paths, size)
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "sandbox-load: stopped at -timeout")
		return 1
	}
	if failed {
		return 1
	}
	return 0
}

// steady loads gettoken, then user/get with one token, each for d.
func steady(ctx context.Context, client *http.Client, base string, conns int, d time.Duration) int {
	gettoken := base + "/cgi-bin/gettoken?corpid=" + sandbox.DemoCorpID + "&corpsecret=" + sandbox.DemoAppSecret
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, gettoken, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox-load:", err)
		return 1
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox-load:", err)
		return 1
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		fmt.Fprintln(os.Stderr, "sandbox-load: gettoken answered no token")
		return 1
	}
	userGet := base + "/cgi-bin/user/get?access_token=" + url.QueryEscape(tok.AccessToken) + "&userid=zhangsan"
	fmt.Printf("sandbox %s, %d connections, %s per phase\n\n", base, conns, d)
	fmt.Println("| endpoint | requests | req/s | p50 | p90 | p99 | max | errors |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	failed := false
	for _, p := range []struct{ name, u string }{{"gettoken", gettoken}, {"user/get", userGet}} {
		phase, cancel := context.WithTimeout(ctx, d)
		r := load(phase, 1<<62, conns, func(int) (*http.Request, error) { return http.NewRequest(http.MethodGet, p.u, nil) }, client)
		cancel()
		r.Errors -= r.Canceled
		fmt.Printf("| %s | %d | %.0f | %s | %s | %s | %s | %d |\n", p.name, r.N, r.RPS(),
			ms(r.Pct(50)), ms(r.Pct(90)), ms(r.Pct(99)), ms(r.Pct(100)), r.Errors)
		failed = failed || r.Errors > 0
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "sandbox-load: stopped at -timeout")
		return 1
	}
	if failed {
		return 1
	}
	return 0
}

// loopbackOnly keeps the load on this machine.
func loopbackOnly(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("-url %q: want http://127.0.0.1:PORT", base)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-url %q: only a loopback address is loaded", base)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// load sends n requests from conns workers and records each latency; an
// answer other than 200 is an error.
func load(ctx context.Context, n, conns int, build func(i int) (*http.Request, error), client *http.Client) loadrun.Phase {
	return loadrun.Load(ctx, n, conns, build, client, func(status int, _ []byte) bool { return status == http.StatusOK })
}

func bodySize(ctx context.Context, client *http.Client, u string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, errors.New(resp.Status)
	}
	return io.Copy(io.Discard, resp.Body)
}
