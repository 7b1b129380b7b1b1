//go:build browser

package browser

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wwcli/wwcli/pkg/sandbox"
)

// rebindName stands for an attacker's DNS name whose answer has turned
// to 127.0.0.1; Chromium's resolver maps it there (no DNS server needed).
const rebindName = "rebind.attacker.example"

// newRebindBrowser is newBrowser whose resolver maps rebindName to
// 127.0.0.1, as a DNS-rebinding attacker's name server would.
func newRebindBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("host-resolver-rules", "MAP "+rebindName+" 127.0.0.1"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath(t), err)
	}
	return ctx
}

// askJS fetches a signature for the victim's page and reports what the
// page could read: "STATUS BODY", or "blocked: ..." when the browser
// refused it the answer.
const askJS = `
window.ask = async function (base) {
  const u = base + '/signature?type=agent&url=' + encodeURIComponent('https://victim-app.example.com/pay');
  try { const r = await fetch(u); return r.status + ' ' + await r.text(); }
  catch (e) { return 'blocked: ' + e.name; }
};`

// TestSignServeRefusesADNSRebindingPageInTheBrowser is the audit's N3 in a
// real browser: a page of rebind.attacker.example, its name now resolving
// to 127.0.0.1, on sign serve's own port, asks for a signature with a
// same-origin fetch (no Origin header). It must read no signature, and no
// ticket may be fetched for it. A page of that name on another port (a
// cross-origin request, with Origin) gets no ticket fetched either.
func TestSignServeRefusesADNSRebindingPageInTheBrowser(t *testing.T) {
	srv, sandboxURL := startSandbox(t)
	base := startServer(t, env(t, sandboxURL, "WWCLI_CORP_ID="+sandbox.DemoCorpID, "WWCLI_SECRET="+sandbox.DemoAppSecret,
		"WWCLI_AGENT_ID="+strconv.Itoa(sandbox.DemoAgentID)), "sign", "serve", "--addr", "127.0.0.1:0")
	_, port, err := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := newRebindBrowser(t)

	// Same origin as sign serve: the rebinding itself.
	rebound := "http://" + rebindName + ":" + port
	if err := chromedp.Do(ctx, chromedp.Navigate(rebound+"/"), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](askJS+"; ask('')", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "403 ") || strings.Contains(got, `"signature"`) {
		t.Fatalf("a page of %s read %q, want a 403 without a signature", rebound, got)
	}
	// The page the attacker serves first, before the name turns to
	// 127.0.0.1: another port, so its fetch is cross-origin.
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>attacker</title><script>" + askJS + "</script>"))
	})) // 127.0.0.1
	t.Cleanup(page.Close)
	_, pagePort, _ := net.SplitHostPort(strings.TrimPrefix(page.URL, "http://"))
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+rebindName+":"+pagePort+"/"), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string]("ask("+mustJSON(base)+")", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "blocked: ") {
		t.Fatalf("a cross-origin page of %s read %q, want the fetch blocked", rebindName, got)
	}
	if c, a := srv.Count("/cgi-bin/get_jsapi_ticket"), srv.Count("/cgi-bin/ticket/get"); c != 0 || a != 0 {
		t.Fatalf("pages of %s made sign serve fetch tickets: corp %d, agent %d; want 0", rebindName, c, a)
	}
}
