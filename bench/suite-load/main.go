// Command suite-load measures the sandbox's third-party endpoints and its
// callback pushes (issue 11): get_suite_token and get_corp_token from many
// connections at once, getuserinfo3rd with fresh codes, and suite_ticket
// pushes to a receiver on 127.0.0.1 that checks and decrypts each one.
//
//	go run ./bench/suite-load
//	go run ./bench/suite-load -n 20000 -conns 50 -pushes 500
//
// It prints a markdown table on stdout. Everything listens on and talks to
// 127.0.0.1, every phase has a fixed request count, and -timeout bounds the
// whole run. Exit status 1 when a request fails.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

func main() { os.Exit(run()) }

func run() int {
	n := flag.Int("n", 10000, "requests per API phase")
	conns := flag.Int("conns", 50, "concurrent connections")
	pushes := flag.Int("pushes", 300, "suite_ticket pushes (one at a time)")
	timeout := flag.Duration("timeout", 5*time.Minute, "bound on the whole run")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	srv := sandbox.New(sandbox.Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Close()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conns}}

	call := func(method, path, body string) (map[string]any, error) {
		req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			return nil, err
		}
		if m["errcode"] != float64(0) {
			return m, fmt.Errorf("%s: %v", path, m)
		}
		return m, nil
	}

	// setup: ticket → suite token → install → permanent code
	ticket, _, err := srv.PushSuiteTicket(sandbox.DemoSuiteID)
	must(err)
	tokenBody := fmt.Sprintf(`{"suite_id":%q,"suite_secret":%q,"suite_ticket":%q}`, sandbox.DemoSuiteID, sandbox.DemoSuiteSecret, ticket)
	m, err := call(http.MethodPost, "/cgi-bin/service/get_suite_token", tokenBody)
	must(err)
	st := m["suite_access_token"].(string)
	auth, err := srv.AuthorizeSuite(sandbox.SuiteAuthorizeRequest{})
	must(err)
	m, err = call(http.MethodPost, "/cgi-bin/service/get_permanent_code?suite_access_token="+st, fmt.Sprintf(`{"auth_code":%q}`, auth.AuthCode))
	must(err)
	corpBody := fmt.Sprintf(`{"auth_corpid":%q,"permanent_code":%q}`, sandbox.DemoCorpID, m["permanent_code"])

	fmt.Println("| phase | requests | conns | req/s | p50 | p99 | max |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- |")
	failed := false
	report := func(name string, count, c int, lat []time.Duration, wall time.Duration, err error) {
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			failed = true
		}
		slices.Sort(lat)
		q := func(p float64) time.Duration {
			if len(lat) == 0 {
				return 0
			}
			return lat[min(len(lat)-1, int(p*float64(len(lat))))]
		}
		fmt.Printf("| %s | %d | %d | %.0f | %s | %s | %s |\n", name, count, c, float64(count)/wall.Seconds(),
			q(0.50).Round(time.Microsecond), q(0.99).Round(time.Microsecond), q(1).Round(time.Microsecond))
	}

	phase := func(name string, do func(i int) error) {
		lat := make([]time.Duration, *n)
		var next atomic.Int64
		var firstErr error
		var once sync.Once
		var wg sync.WaitGroup
		start := time.Now()
		for range *conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= *n || ctx.Err() != nil {
						return
					}
					t := time.Now()
					if err := do(i); err != nil {
						once.Do(func() { firstErr = err })
					}
					lat[i] = time.Since(t)
				}
			}()
		}
		wg.Wait()
		report(name, *n, *conns, lat, time.Since(start), errors.Join(firstErr, ctx.Err()))
	}

	phase("get_suite_token (same live token)", func(int) error {
		_, err := call(http.MethodPost, "/cgi-bin/service/get_suite_token", tokenBody)
		return err
	})
	phase("get_corp_token (same live token)", func(int) error {
		_, err := call(http.MethodPost, "/cgi-bin/service/get_corp_token?suite_access_token="+st, corpBody)
		return err
	})
	phase("getuserinfo3rd (a fresh code each)", func(int) error {
		code, err := srv.IssueSuiteCode(sandbox.SuiteCodeRequest{UserID: "lisi", Scope: "snsapi_privateinfo"})
		if err != nil {
			return err
		}
		_, err = call(http.MethodGet, "/cgi-bin/service/auth/getuserinfo3rd?suite_access_token="+st+"&code="+code, "")
		return err
	})

	// pushes: the receiver checks the signature and decrypts, like a provider's callback
	cr, err := callback.New(sandbox.DemoSuiteToken, sandbox.DemoSuiteEncodingAESKey, sandbox.DemoSuiteID)
	must(err)
	var opened atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		q := r.URL.Query()
		op, err := cr.Open(body, callback.Params{MsgSignature: q.Get("msg_signature"), Timestamp: q.Get("timestamp"), Nonce: q.Get("nonce")})
		if err != nil || !bytes.Contains(op.Plaintext.Message, []byte("<InfoType><![CDATA[suite_ticket]]></InfoType>")) {
			http.Error(w, "bad push", http.StatusBadRequest)
			return
		}
		opened.Add(1)
		_, _ = io.WriteString(w, "success")
	}))
	defer recv.Close()
	must(srv.SetSuiteCallback(sandbox.DemoSuiteID, recv.URL))
	time.Sleep(200 * time.Millisecond) // the push at once when the URL is set
	before := opened.Load()
	lat := make([]time.Duration, 0, *pushes)
	var pushErr error
	start := time.Now()
	for i := 0; i < *pushes && ctx.Err() == nil; i++ {
		t := time.Now()
		_, res, err := srv.PushSuiteTicket(sandbox.DemoSuiteID)
		lat = append(lat, time.Since(t))
		if err == nil && !res.OK {
			err = errors.New(res.Error)
		}
		if err != nil && pushErr == nil {
			pushErr = err
		}
	}
	if got := opened.Load() - before; pushErr == nil && got != int64(*pushes) {
		pushErr = fmt.Errorf("the receiver opened %d of %d pushes", got, *pushes)
	}
	report("suite_ticket push (seal, POST, decrypt, reply)", *pushes, 1, lat, time.Since(start), pushErr)
	if failed {
		return 1
	}
	return 0
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
