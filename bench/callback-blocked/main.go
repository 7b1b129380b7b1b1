// Command callback-blocked loads `wwcli callback serve` whose stdout and
// stderr nobody reads (a paused pager, a stuck `| jq`, docker's blocking
// log mode): the audit's D4 pattern at 1,000 connections. A server that
// writes its output on the request path stops answering once the pipes
// fill; one that queues it goes on.
//
//	go build -o wwcli . && go run ./bench/callback-blocked -wwcli ./wwcli
//	go run ./bench/callback-blocked -wwcli ./wwcli -mode suite -conns 1000
//
// It picks a free port on 127.0.0.1, starts the binary there with stdout
// and stderr on pipes it never reads, and sends valid signed POSTs from
// -conns keep-alive connections (one each) until -n are sent or -duration
// is over. A request not answered within -stall is a stall. Then a URL
// verification GET must be answered within a second, and SIGTERM must stop
// the server within 5 s (else it is killed). Mode "app" sends app messages
// (printed on stdout); mode "suite" sends suite_ticket pushes (stored, and
// logged on stderr). It prints one markdown table row; exit status 1 when
// anything stalled or failed.
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
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wwcli/wwcli/bench/internal/loadrun"
	"github.com/wwcli/wwcli/pkg/callback"
)

// The official WXBizMsgCrypt sample's secrets and its URL-verification
// vector (V1).
const (
	token    = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	aesKey   = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	corpID   = "ww1436e0e65a779aee"
	suiteID  = "ww9c3e7b1a5d2f8e60"
	v1Sig    = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
	v1TS     = "1476416373"
	v1Nonce  = "47744683"
	v1Echo   = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
	v1Answer = "1288432023552776189"
)

func main() { os.Exit(run()) }

func run() int {
	bin := flag.String("wwcli", "wwcli", "the wwcli binary to measure")
	label := flag.String("label", "", "name of the binary in the table (default: -wwcli)")
	mode := flag.String("mode", "app", "app (messages: a stdout line each), suite (change_auth events: a stderr and a stdout line each) or suite-ticket (suite_ticket pushes, stored: the file store's lock sets the pace)")
	read := flag.Bool("read", false, "read stdout and stderr after all (a control run)")
	conns := flag.Int("conns", 1000, "concurrent keep-alive connections")
	n := flag.Int("n", 30000, "most requests to send")
	duration := flag.Duration("duration", 15*time.Second, "most time to send them (at most 25s)")
	stall := flag.Duration("stall", 2*time.Second, "an answer slower than this is a stall")
	header := flag.Bool("header", false, "print the table header first")
	flag.Parse()
	if *duration > 25*time.Second {
		*duration = 25 * time.Second // each run stays under 30 s
	}
	if *label == "" {
		*label = *bin
	}
	if *mode != "app" && *mode != "suite" && *mode != "suite-ticket" {
		fmt.Fprintln(os.Stderr, "-mode is app, suite or suite-ticket")
		return 2
	}
	if *header {
		fmt.Println("| binary | mode | conns | sent | answered 200 | stalls (> " + stall.String() + ") | errors | answers/s | p50 / p99 / max | verification GET after | peak RSS | SIGTERM |")
		fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	}
	row, ok, err := measure(*bin, *mode, *conns, *n, *duration, *stall, *read)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("| %s | %s |\n", *label, row)
	if !ok {
		return 1
	}
	return 0
}

func measure(bin, mode string, conns, n int, duration, stall time.Duration, read bool) (string, bool, error) {
	dir, err := os.MkdirTemp("", "callback-blocked-")
	if err != nil {
		return "", false, err
	}
	defer os.RemoveAll(dir)
	addr, err := loadrun.FreeAddr()
	if err != nil {
		return "", false, err
	}
	args := []string{"callback", "serve", "--addr", addr, "--path", "/cb"}
	receiveID := corpID
	if mode != "app" {
		args = append(args, "--suite", suiteID)
		receiveID = suiteID
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "WWCLI_CONFIG_DIR="+dir+"/config", "WWCLI_CACHE_DIR="+dir+"/cache", "WWCLI_KEYRING=off",
		"WWCLI_CALLBACK_TOKEN="+token, "WWCLI_CALLBACK_AES_KEY="+aesKey, "WWCLI_CALLBACK_RECEIVE_ID="+corpID)
	srv, err := loadrun.Start(cmd, "callback serve")
	if err != nil {
		return "", false, err
	}
	defer srv.Close() // kills it only when measure failed early
	if read {
		srv.Drain()
	}
	if err := srv.WaitListening(context.Background(), addr); err != nil {
		return "", false, err
	}

	bodies, err := seal(mode, receiveID, min(n, 20000))
	if err != nil {
		return "", false, err
	}
	target := "http://" + addr + "/cb"
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var answered, stalls, failures atomic.Int64
	lats := loadrun.NewLatencies(conns)
	// One connection per worker: -conns connections at once.
	clients := make([]*http.Client, conns)
	for w := range clients {
		clients[w] = &http.Client{Timeout: stall, Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}
	}
	var sentN atomic.Int64
	elapsed := loadrun.Spread(ctx, conns, n, func(w, i int) {
		sentN.Add(1)
		b := bodies[i%len(bodies)]
		t0 := time.Now()
		req, _ := http.NewRequest(http.MethodPost, target+"?"+b.query, bytes.NewReader(b.body))
		res, err := clients[w].Do(req)
		if err != nil {
			if loadrun.IsStall(err) {
				stalls.Add(1)
			} else {
				failures.Add(1)
			}
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		lats.Add(w, time.Since(t0))
		if res.StatusCode == http.StatusOK {
			answered.Add(1)
		} else {
			failures.Add(1)
		}
	})
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	sent := sentN.Load()

	verify := target + "?" + url.Values{"msg_signature": {v1Sig}, "timestamp": {v1TS}, "nonce": {v1Nonce}, "echostr": {v1Echo}}.Encode()
	after := verifyGET(verify)
	peak := "—"
	if kb := loadrun.StatusKB(srv.PID(), "VmHWM"); kb > 0 {
		peak = fmt.Sprintf("%.1f MB", float64(kb)/1024)
	}

	stopped := "still running after 5 s: killed"
	if st := srv.Terminate(5 * time.Second); st.Exited {
		stopped = fmt.Sprintf("exit %d in %s", st.Code, st.Took.Round(10*time.Millisecond))
	}

	all := lats.Sorted()
	pct := func(q float64) string {
		if len(all) == 0 {
			return "—"
		}
		return loadrun.Quantile(all, q).Round(time.Millisecond).String()
	}
	ok := stalls.Load() == 0 && failures.Load() == 0 && answered.Load() == sent && strings.HasPrefix(after, "200")
	row := fmt.Sprintf("%s | %d | %d | %d | %d | %d | %.0f | %s / %s / %s | %s | %s | %s",
		mode, conns, sent, answered.Load(), stalls.Load(), failures.Load(), float64(answered.Load())/elapsed.Seconds(),
		pct(0.5), pct(0.99), pct(1), after, peak, stopped)
	return row, ok, nil
}

type sealed struct {
	query string
	body  []byte
}

// seal makes count distinct signed requests: app messages, change_auth
// events, or suite_ticket pushes with rising TimeStamps (each one newer,
// so each is stored).
func seal(mode, receiveID string, count int) ([]sealed, error) {
	c, err := callback.New(token, aesKey, receiveID)
	if err != nil {
		return nil, err
	}
	out := make([]sealed, count)
	now := time.Now()
	for i := range out {
		msg := "<xml><ToUserName>" + corpID + "</ToUserName><FromUserName>bench</FromUserName><CreateTime>" + strconv.FormatInt(now.Unix(), 10) +
			"</CreateTime><MsgType>text</MsgType><Content>bench message " + strconv.Itoa(i) + "</Content><MsgId>" + strconv.Itoa(1000000+i) + "</MsgId><AgentID>1000002</AgentID></xml>"
		switch mode {
		case "suite":
			msg = "<xml><SuiteId>" + suiteID + "</SuiteId><InfoType>change_auth</InfoType><TimeStamp>" + strconv.FormatInt(now.Unix(), 10) +
				"</TimeStamp><AuthCorpId>wwbench" + strconv.Itoa(i) + "</AuthCorpId></xml>"
		case "suite-ticket":
			msg = "<xml><SuiteId><![CDATA[" + suiteID + "]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>" +
				strconv.FormatInt(now.Unix()+int64(i), 10) + "</TimeStamp><SuiteTicket><![CDATA[bench-ticket-" + strconv.Itoa(i) + "-" + strings.Repeat("x", 40) + "]]></SuiteTicket></xml>"
		}
		s, err := c.Seal([]byte(msg), receiveID, nil, "", "", now)
		if err != nil {
			return nil, err
		}
		body, err := callback.RequestBody(callback.FormatXML, receiveID, "1000002", s.Encrypt)
		if err != nil {
			return nil, err
		}
		q := url.Values{"msg_signature": {s.MsgSignature}, "timestamp": {s.Timestamp}, "nonce": {s.Nonce}}
		out[i] = sealed{q.Encode(), body}
	}
	return out, nil
}

// verifyGET sends a URL verification and says how it was answered.
func verifyGET(u string) string {
	client := &http.Client{Timeout: time.Second}
	t0 := time.Now()
	res, err := client.Get(u)
	if err != nil {
		return "no answer within 1 s"
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != v1Answer {
		return fmt.Sprintf("%d %q", res.StatusCode, body)
	}
	return fmt.Sprintf("200 in %s", time.Since(t0).Round(100*time.Microsecond))
}
