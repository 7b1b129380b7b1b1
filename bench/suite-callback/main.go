// Command suite-callback measures how fast `wwcli callback serve --suite`
// answers instruction-callback pushes (issue 11): each suite_ticket push
// is verified, decrypted, stored through the suite_ticket store (file lock
// and atomic rename) and answered "success". WeCom wants the answer within
// 1000 ms (DOC 97175), so the table counts answers slower than that.
//
//	go build -o wwcli . && go run ./bench/suite-callback -wwcli ./wwcli
//	go run ./bench/suite-callback -wwcli ./wwcli -n 2000 -conns 20
//
// It starts the given binary on 127.0.0.1:0 with a config dir of its own,
// sends -n sealed pushes from -conns connections, stops the server with
// SIGTERM and prints a markdown table on stdout. Every phase is bounded by
// -n and by -timeout. Exit status 1 when a push is not answered "success"
// or the store does not end with one of the pushed tickets.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wwcli/wwcli/bench/internal/loadrun"
	"github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/suiteticket"
)

func main() { os.Exit(run()) }

func run() int {
	bin := flag.String("wwcli", "wwcli", "the wwcli binary to measure")
	n := flag.Int("n", 1000, "pushes")
	conns := flag.Int("conns", 10, "concurrent connections")
	timeout := flag.Duration("timeout", 2*time.Minute, "bound on the whole run")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	dir, err := os.MkdirTemp("", "suite-callback-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, *bin, "callback", "serve", "--suite", sandbox.DemoSuiteID, "--addr", "127.0.0.1:0", "--path", "/suite/receive")
	cmd.Env = append(os.Environ(), "WWCLI_CONFIG_DIR="+dir+"/config", "WWCLI_CACHE_DIR="+dir+"/cache", "WWCLI_KEYRING=off",
		"WWCLI_CALLBACK_TOKEN="+sandbox.DemoSuiteToken, "WWCLI_CALLBACK_AES_KEY="+sandbox.DemoSuiteEncodingAESKey)
	srv, err := loadrun.Start(cmd, "callback serve")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Close()
	defer srv.Terminate(5 * time.Second)
	target, err := srv.FirstLine() // started on port 0: its URL
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	c, err := callback.New(sandbox.DemoSuiteToken, sandbox.DemoSuiteEncodingAESKey, sandbox.DemoSuiteID)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	type sealed struct {
		query, ticket string
		body          []byte
	}
	pushes := make([]sealed, *n)
	for i := range pushes {
		ticket := fmt.Sprintf("bench-ticket-%06d-%s", i, strings.Repeat("x", 40))
		msg := "<xml><SuiteId><![CDATA[" + sandbox.DemoSuiteID + "]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType>" +
			fmt.Sprintf("<TimeStamp>%d</TimeStamp>", time.Now().Unix()) + "<SuiteTicket><![CDATA[" + ticket + "]]></SuiteTicket></xml>"
		s, err := c.Seal([]byte(msg), sandbox.DemoSuiteID, nil, "", "", time.Now())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		body, err := callback.RequestBody(callback.FormatXML, sandbox.DemoSuiteID, "", s.Encrypt)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		q := url.Values{"msg_signature": {s.MsgSignature}, "timestamp": {s.Timestamp}, "nonce": {s.Nonce}}
		pushes[i] = sealed{query: q.Encode(), ticket: ticket, body: body}
	}

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conns}}
	lat := make([]time.Duration, *n)
	var failed atomic.Int64
	elapsed := loadrun.Spread(ctx, *conns, *n, func(_, i int) {
		t0 := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target+"?"+pushes[i].query, bytes.NewReader(pushes[i].body))
		resp, err := client.Do(req)
		if err != nil {
			failed.Add(1)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lat[i] = time.Since(t0)
		if resp.StatusCode != 200 || string(b) != "success" {
			failed.Add(1)
		}
	})

	stored, err := suiteticket.New(dir + "/config").Load(sandbox.DemoSuiteID)
	known := err == nil && slices.ContainsFunc(pushes, func(p sealed) bool { return p.ticket == stored.Value })
	slices.Sort(lat)
	pct := func(q float64) time.Duration { return loadrun.Quantile(lat, q) }
	slow := 0
	for _, d := range lat {
		if d > time.Second {
			slow++
		}
	}
	fmt.Printf("| `callback serve --suite`: %d suite_ticket pushes, %d connections | value |\n| --- | --- |\n", *n, *conns)
	fmt.Printf("| answered \"success\" | %d of %d |\n", int64(*n)-failed.Load(), *n)
	fmt.Printf("| pushes per second | %.0f |\n", float64(*n)/elapsed.Seconds())
	fmt.Printf("| latency p50 / p99 / max | %s / %s / %s |\n", pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	fmt.Printf("| answers over 1000 ms (DOC 97175's budget) | %d |\n", slow)
	fmt.Printf("| store ends with a pushed ticket | %v |\n", known)
	if failed.Load() > 0 || !known {
		return 1
	}
	return 0
}
