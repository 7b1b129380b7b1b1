// Command relay-load measures `wwcli relay` on loopback: N requests over C
// connections through the relay to an in-process sandbox, next to the same
// requests sent to the sandbox directly, so the relay's own cost shows.
//
//	go run ./bench/relay-load                       # 1,000 requests, 50 connections
//	go run ./bench/relay-load -n 5000 -conns 100 -post
//
// The relay is the real one (pkg/relay) with its real upstream (a
// cmdutil.Session over the file token cache in a temp dir): client token
// check, path allow-list, rate bucket, audit log (to a discarded writer),
// access_token injection. It prints a markdown table on stdout. Everything
// listens on 127.0.0.1, every phase has a fixed request count, and
// -timeout bounds the whole run. Exit status 1 when a request fails.
//
// ./stress runs a wwcli binary's relay as its own process under hostile
// load (logs nobody reads, large bodies) and reports stalls and memory.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wwcli/wwcli/bench/internal/loadrun"
	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/relay"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

const clientToken = "bench-token-0123456789abcdef"

func main() {
	os.Exit(run())
}

func run() int {
	n := flag.Int("n", 1000, "requests per phase")
	conns := flag.Int("conns", 50, "concurrent connections")
	post := flag.Bool("post", false, "add a phase of POST message/send")
	timeout := flag.Duration("timeout", 2*time.Minute, "bound on the whole run")
	flag.Parse()
	if *n <= 0 || *conns <= 0 {
		fmt.Fprintln(os.Stderr, "relay-load: -n and -conns must be positive")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	sb := sandbox.New(sandbox.Options{})
	sbURL, err := sb.Start("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay-load:", err)
		return 1
	}
	defer sb.Close()
	relayURL, stop, err := startRelay(ctx, sbURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay-load:", err)
		return 1
	}
	defer stop()

	tr := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	token, err := directToken(ctx, client, sbURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay-load:", err)
		return 1
	}

	fmt.Printf("relay %s -> sandbox %s, %d requests per phase, %d connections\n\n", relayURL, sbURL, *n, *conns)
	fmt.Println("| phase | requests | req/s | p50 | p90 | p99 | max | errors |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	failed := false
	report := func(name string, r loadrun.Phase) {
		fmt.Printf("| %s | %d | %.0f | %s | %s | %s | %s | %d |\n", name, r.N, r.RPS(),
			ms(r.Pct(50)), ms(r.Pct(90)), ms(r.Pct(99)), ms(r.Pct(100)), r.Errors)
		failed = failed || r.Errors > 0
	}
	get := func(base, auth string) func(int) (*http.Request, error) {
		return func(int) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, base, nil)
			if err == nil && auth != "" {
				req.Header.Set("Authorization", "Bearer "+auth)
			}
			return req, err
		}
	}
	report("GET user/get, sandbox directly", load(ctx, *n, *conns, get(sbURL+"/cgi-bin/user/get?userid=zhangsan&access_token="+token, ""), client))
	report("GET user/get through the relay", load(ctx, *n, *conns, get(relayURL+"/cgi-bin/user/get?userid=zhangsan", clientToken), client))
	report("GET get_jsapi_ticket through the relay (cached)", load(ctx, *n, *conns, get(relayURL+"/cgi-bin/get_jsapi_ticket", clientToken), client))
	if *post {
		body := `{"touser":"zhangsan","msgtype":"text","agentid":1000002,"text":{"content":"load"}}`
		report("POST message/send through the relay", load(ctx, *n, *conns, func(int) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodPost, relayURL+"/cgi-bin/message/send", strings.NewReader(body))
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+clientToken)
				req.Header.Set("Content-Type", "application/json")
			}
			return req, err
		}, client))
	}
	fmt.Printf("\nWeCom (the sandbox) saw %d gettoken and %d get_jsapi_ticket calls in all.\n",
		sb.Count("/cgi-bin/gettoken"), sb.Count("/cgi-bin/get_jsapi_ticket"))
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "relay-load: stopped at -timeout")
		return 1
	}
	if failed {
		return 1
	}
	return 0
}

// startRelay runs a relay for the demo app in front of sbURL, with the
// file token cache in a temp dir and a rate high enough not to interfere.
func startRelay(ctx context.Context, sbURL string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "relay-load-")
	if err != nil {
		return "", nil, err
	}
	env := map[string]string{"WWCLI_CACHE_DIR": dir + "/cache", "WWCLI_CONFIG_DIR": dir + "/config", "WWCLI_KEYRING": "off",
		"WWCLI_CORP_ID": sandbox.DemoCorpID, "WWCLI_SECRET": sandbox.DemoAppSecret, "WWCLI_AGENT_ID": fmt.Sprint(sandbox.DemoAgentID)}
	streams, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: streams, Getenv: func(k string) string { return env[k] }, Now: time.Now,
		Global: cmdutil.GlobalFlags{Timeout: 10 * time.Second, BaseURL: sbURL}}
	creds, err := f.ResolveCredentials(ctx, "relay", cmdutil.CredInput{})
	if err != nil {
		return "", nil, err
	}
	up, err := f.RelayUpstream(creds, false)
	if err != nil {
		return "", nil, err
	}
	clients, err := relay.ParseClients(strings.NewReader(`{"clients":[{"name":"bench","token_sha256":"` +
		relay.HashToken(clientToken) + `","paths":["/cgi-bin/*"],"rate_per_minute":10000000}]}`))
	if err != nil {
		return "", nil, err
	}
	srv := relay.New(relay.Options{Clients: clients, Upstream: up, Audit: io.Discard,
		Identity: relay.Identity{CorpID: creds.CorpID, AgentID: creds.AgentID}})
	server, err := serve.Listen(serve.Config{Addr: "127.0.0.1:0", Handler: srv.Handler()})
	if err != nil {
		return "", nil, err
	}
	server.Start()
	return server.URL(), func() { _ = server.Shutdown(); srv.CloseAudit(time.Second); f.Close(); _ = os.RemoveAll(dir) }, nil
}

// directToken is a token for the direct phase, fetched once.
func directToken(ctx context.Context, client *http.Client, sbURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sbURL+"/cgi-bin/gettoken?corpid="+sandbox.DemoCorpID+"&corpsecret="+sandbox.DemoAppSecret, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	_, after, ok := strings.Cut(string(raw), `"access_token":"`)
	tok, _, ok2 := strings.Cut(after, `"`)
	if !ok || !ok2 {
		return "", fmt.Errorf("gettoken answered %s", raw)
	}
	return tok, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// load sends n requests from conns workers; a request counts as an error
// unless it gets HTTP 200 with errcode 0.
func load(ctx context.Context, n, conns int, build func(i int) (*http.Request, error), client *http.Client) loadrun.Phase {
	return loadrun.Load(ctx, n, conns, build, client, func(status int, body []byte) bool {
		return status == http.StatusOK && strings.Contains(string(body), `"errcode":0`)
	})
}
