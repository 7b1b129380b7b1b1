// Command sign-serve measures `wwcli sign serve`.
//
// Without -bin, its signer in process: signatures per second and latency
// from many concurrent page callbacks, and how many ticket fetches they
// cost, with WeCom (an in-process sandbox) answering the ticket calls
// after an injected delay.
//
//	go run ./bench/sign-serve
//	go run ./bench/sign-serve -requests 50000 -conns 100 -delay 50ms
//
// With -bin (repeatable), each binary's real `sign serve` in turn, its
// stdout and stderr on pipes nobody reads, under -conns callers on a
// connection each (1,000 by default in this mode) for at most -requests
// answers or -duration; before it, the audit's N3 probes (a DNS-rebinding
// Host, a foreign Origin: their statuses and the ticket fetches they
// caused), after it SIGTERM (exit code, time to exit). Side by side with
// a baseline:
//
//	B=$(mktemp -d)/baseline; git worktree add "$B" 36c3131 && (cd "$B" && go build -o "$B/wwcli" .)
//	go build -o wwcli-new . && go run ./bench/sign-serve -bin "$B/wwcli" -bin ./wwcli-new
//	git worktree remove "$B"
//
// It prints a markdown table on stdout. Everything listens on 127.0.0.1,
// the request count is fixed and -timeout bounds the run. Exit status 1
// when a request fails; without -bin also when more than one ticket was
// fetched per kind; with -bin also on a stall, a peak RSS over -max-rss or
// an exit other than 0 on SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wwcli/wwcli/bench/internal/loadrun"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/signserve"
	"github.com/wwcli/wwcli/pkg/wecom"
)

func main() { os.Exit(run()) }

// flagSet reports whether the flag name was given.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func run() int {
	requests := flag.Int("requests", 20000, "signature requests in total (half corp, half agent)")
	conns := flag.Int("conns", 50, "concurrent callers")
	delay := flag.Duration("delay", 30*time.Millisecond, "delay of each ticket and token call (a round trip to WeCom)")
	timeout := flag.Duration("timeout", 5*time.Minute, "bound on the whole run")
	var bins []string
	flag.Func("bin", "run this wwcli binary's `sign serve` with stdout and stderr unread (repeatable)", func(s string) error {
		bins = append(bins, s)
		return nil
	})
	duration := flag.Duration("duration", 20*time.Second, "-bin: bound on each binary's load phase")
	stall := flag.Duration("stall", 2*time.Second, "-bin: an answer slower than this is a stall (the audit's measure: no answer within 2 s)")
	maxRSS := flag.Int64("max-rss", 100<<10, "-bin: peak RSS bound in KiB")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if len(bins) > 0 {
		o := unreadOptions{conns: *conns, requests: *requests, duration: *duration, stall: *stall, maxRSS: *maxRSS}
		if !flagSet("conns") {
			o.conns = 1000
		}
		if !flagSet("requests") {
			o.requests = 200000
		}
		return runUnread(ctx, bins, o)
	}

	sb := sandbox.New(sandbox.Options{})
	sbURL, err := sb.Start("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer sb.Close()
	for _, p := range []string{"/cgi-bin/gettoken", "/cgi-bin/get_jsapi_ticket", "/cgi-bin/ticket/get"} {
		if err := sb.InjectFault(sandbox.Fault{Path: p, Delay: *delay, Times: -1}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	client := wecom.New(sbURL, &http.Client{Timeout: 10 * time.Second})
	var tokenMu sync.Mutex
	token := ""
	source := func(kind wecom.TicketKind) signserve.TicketSource {
		return signserve.TicketFunc(func(ctx context.Context) (signserve.Ticket, error) {
			tokenMu.Lock()
			if token == "" {
				t, err := client.GetToken(ctx, sandbox.DemoCorpID, sandbox.DemoAppSecret)
				if err != nil {
					tokenMu.Unlock()
					return signserve.Ticket{}, err
				}
				token = t.AccessToken
			}
			tok := token
			tokenMu.Unlock()
			t, err := client.GetTicket(ctx, tok, kind)
			if err != nil {
				return signserve.Ticket{}, err
			}
			return signserve.Ticket{Value: t.Ticket, ExpiresAt: time.Now().Add(time.Duration(t.ExpiresIn) * time.Second)}, nil
		})
	}
	signer := signserve.New(signserve.Options{Sources: map[signserve.Kind]signserve.TicketSource{
		signserve.KindCorp: source(wecom.CorpTicket), signserve.KindAgent: source(wecom.AgentTicket)}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{Handler: signer.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	httpClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conns}}
	var failed atomic.Int64
	lat := loadrun.NewLatencies(*conns)
	elapsed := loadrun.Spread(ctx, *conns, *requests, func(c, i int) {
		kind := "corp"
		if i%2 == 1 {
			kind = "agent"
		}
		q := url.Values{"type": {kind}, "url": {"http://localhost:5173/page/" + strconv.Itoa(i) + "?x=1#/route"}}
		t0 := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/signature?"+q.Encode(), nil)
		req.Header.Set("Origin", "http://localhost:5173")
		res, err := httpClient.Do(req)
		if err != nil {
			failed.Add(1)
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") == "" {
			failed.Add(1)
			return
		}
		lat.Add(c, time.Since(t0))
	})
	all := lat.Sorted()
	pct := func(q float64) time.Duration { return loadrun.Quantile(all, q) }
	corp, agent := sb.Count("/cgi-bin/get_jsapi_ticket"), sb.Count("/cgi-bin/ticket/get")
	fmt.Printf("| requests | callers | WeCom delay | signatures/s | p50 | p99 | max | failed | ticket fetches (corp, agent) |\n")
	fmt.Printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	fmt.Printf("| %d | %d | %s | %.0f | %s | %s | %s | %d | %d, %d |\n", *requests, *conns, *delay,
		float64(len(all))/elapsed.Seconds(), pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		pct(1).Round(time.Microsecond), failed.Load(), corp, agent)
	if failed.Load() > 0 || corp != 1 || agent != 1 || ctx.Err() != nil {
		return 1
	}
	return 0
}
