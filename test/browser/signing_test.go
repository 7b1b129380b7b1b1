//go:build browser

package browser

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wwcli/wwcli/pkg/sandbox"
)

// jssdkDist is the official @wecom/jssdk browser build, installed by
// `npm ci` in test/oracle.
func jssdkDist(t *testing.T) []byte {
	t.Helper()
	p := filepath.Join(repoRoot, "test", "oracle", "node_modules", "@wecom", "jssdk", "dist", "wecom.global.prod.js")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("the official @wecom/jssdk is not installed (%v): run `npm ci` in test/oracle", err)
	}
	return data
}

const roundTripPage = `<!doctype html>
<meta charset="utf-8">
<title>sign serve round trip</title>
<script src="/wecom.global.prod.js"></script>
<script src="/roundtrip.js"></script>
`

// roundTripJS asks sign serve exactly as the snippet's callbacks do, then
// (given the ticket, which only this test page ever sees) computes the
// same signature with the official ww.getSignature.
const roundTripJS = `
window.fetchSignatures = async function (base, kind, urls) {
  const q = kind === 'corp' ? '/signature?url=' : '/signature?type=' + kind + '&url=';
  const callback = (url) => fetch(base + q + encodeURIComponent(url)).then((r) => r.json());
  const out = [];
  for (const url of urls) out.push({ url, got: await callback(url) });
  return out;
};
window.officialSignatures = function (ticket, results) {
  return results.map((r) => ww.getSignature({
    ticket, nonceStr: r.got.nonceStr, timestamp: r.got.timestamp,
    url: r.url.split('#')[0], // what the SDK passes for location.href
  }).signature);
};
window.fetchFails = async function (base) {
  try { await fetch(base + '/signature?url=' + encodeURIComponent('https://app.example.com/')); return 'fetched'; }
  catch (e) { return 'blocked: ' + e.name; }
};
`

func pageServer(t *testing.T) string {
	t.Helper()
	dist := jssdkDist(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(roundTripPage))
	})
	mux.HandleFunc("/wecom.global.prod.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write(dist)
	})
	mux.HandleFunc("/roundtrip.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write([]byte(roundTripJS))
	})
	srv := httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.URL
}

// signedURLs are ASCII page URLs as location.href reports them: paths,
// queries, percent-encoding, ports, IDN hosts in punycode, fragments.
func signedURLs(page string) []string {
	urls := []string{
		page + "/",
		page + "/app/orders?id=7",
		page + "/app/#/orders/7",
		page + "/index.html?from=singlemessage&isappinstalled=0#wechat_redirect",
		"http://mp.weixin.qq.com?params=value", // the official example's URL
		"https://app.example.com/",
		"https://app.example.com/a/b/c.html?x=1&y=2",
		"https://app.example.com/search?q=%E4%B8%AD%E6%96%87&page=2",
		"https://app.example.com/p%20q/r?s=a+b",
		"https://app.example.com/~user/!$&'()*+,;=:@/",
		"https://app.example.com:8443/port",
		"https://xn--fiq228c.example.com/idn",
		"https://app.example.com/?",
		"https://app.example.com/#",
		"https://app.example.com/trailing/",
		"https://app.example.com/trailing",
		"https://app.example.com/q?a=1&a=2&b=",
		"https://app.example.com/q?redirect=https%3A%2F%2Fother.example.com%2Fcb%3Fx%3D1",
		"https://app.example.com/%7Euser/%2Fencoded-slash",
		"https://sub.app.example.com/deep/path/to/page.php?id=123&lang=zh_CN",
		"https://app.example.com/spa/route/1?tab=info#section-2",
		"https://app.example.com/wework_admin/frame#contacts",
		"https://app.example.com/q?json=%7B%22a%22%3A1%7D",
		"https://app.example.com/q?emoji=%F0%9F%98%80",
		"https://app.example.com/" + strings.Repeat("long-segment/", 40) + "?" + strings.Repeat("k=v&", 60),
		"http://localhost:5173/",
		"http://localhost:5173/login?code=CODE&state=STATE",
		"http://192.168.1.20:8080/h5/index.html",
	}
	for i := range 12 {
		urls = append(urls, "https://app.example.com/item/"+strconv.Itoa(i)+"?n="+strconv.Itoa(i*i))
	}
	return urls
}

// TestSignServeMatchesOfficialJSSDKInTheBrowser: a page on 127.0.0.1 asks
// `wwcli sign serve` for signatures with fetch under CORS, and
// @wecom/jssdk's getSignature in the same page agrees on every one, for
// the corp and the app ticket.
func TestSignServeMatchesOfficialJSSDKInTheBrowser(t *testing.T) {
	srv, sandboxURL := startSandbox(t)
	rec := &ticketRecorder{tickets: map[string]string{}}
	api := rec.start(t, sandboxURL)
	base := startServer(t, env(t, api, "WWCLI_CORP_ID="+sandbox.DemoCorpID, "WWCLI_SECRET="+sandbox.DemoAppSecret,
		"WWCLI_AGENT_ID="+strconv.Itoa(sandbox.DemoAgentID)), "sign", "serve", "--addr", "127.0.0.1:0")
	page := pageServer(t)
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(page+"/"), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	urls := signedURLs(page)
	total := 0
	for _, kind := range []string{"corp", "agent"} {
		type result struct {
			URL string `json:"url"`
			Got struct {
				Timestamp int64  `json:"timestamp"`
				NonceStr  string `json:"nonceStr"`
				Signature string `json:"signature"`
				Error     string `json:"error"`
			} `json:"got"`
		}
		results, err := chromedp.Run(ctx, chromedp.Evaluate[[]result](jsCall("fetchSignatures", base, kind, urls), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: fetch from the page: %v", kind, err)
		}
		ticket := rec.ticket(kind)
		if ticket == "" {
			t.Fatalf("%s: sign serve fetched no ticket", kind)
		}
		official, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](jsCall("officialSignatures", ticket, results)))
		if err != nil {
			t.Fatalf("%s: ww.getSignature: %v", kind, err)
		}
		if len(results) != len(urls) || len(official) != len(urls) {
			t.Fatalf("%s: %d results, %d official, want %d", kind, len(results), len(official), len(urls))
		}
		for i, r := range results {
			if r.Got.Error != "" || r.Got.Signature == "" {
				t.Errorf("%s %s: %s", kind, r.URL, r.Got.Error)
				continue
			}
			if r.Got.Signature != official[i] {
				t.Errorf("%s %s: sign serve %s, @wecom/jssdk getSignature %s", kind, r.URL, r.Got.Signature, official[i])
			}
			if d := time.Since(time.Unix(r.Got.Timestamp, 0)); d < -time.Minute || d > time.Minute {
				t.Errorf("%s %s: timestamp %d is not now", kind, r.URL, r.Got.Timestamp)
			}
			total++
		}
	}
	t.Logf("%d signatures (%d ASCII URLs x corp and agent tickets) agree with @wecom/jssdk getSignature", total, len(urls))
	// One ticket fetch per kind served them all.
	if c, a := srv.Count("/cgi-bin/get_jsapi_ticket"), srv.Count("/cgi-bin/ticket/get"); c != 1 || a != 1 {
		t.Errorf("ticket fetches: corp %d, agent %d; want 1 each for %d signatures", c, a, total)
	}

	// A page of another origin (here an opaque one, "null") gets no CORS
	// header: the browser refuses to hand it the answer.
	other := "data:text/html," + url.PathEscape("<title>other origin</title><script>"+roundTripJS+"</script>")
	if err := chromedp.Do(ctx, chromedp.Navigate(other), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	blocked, err := chromedp.Run(ctx, chromedp.Evaluate[string](jsCall("fetchFails", base), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(blocked, "blocked: TypeError") {
		t.Fatalf("a page of another origin: %s, want the fetch blocked by CORS", blocked)
	}
}

// jsCall is fn(args...) with the arguments as JSON.
func jsCall(fn string, args ...any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = mustJSON(a)
	}
	return fn + "(" + strings.Join(parts, ", ") + ")"
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
