package callback

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The listen policy of the server foundation, with callback serve's exit
// codes: a reachable address without --insecure-listen and a bad
// --allow-host are usage errors (2, before any secret is read); a port in
// use is a failure (1).
func TestServeListenPolicy(t *testing.T) {
	r := execute(t, nil, vEnv, "", "serve", "--addr", "0.0.0.0:8080")
	r.expect(t, 2, "", "--addr 0.0.0.0:8080 is not a loopback address: anyone who reaches it can send it requests")
	if !strings.Contains(r.stderr, "use --addr 127.0.0.1:8080, or add --insecure-listen if you mean it") {
		t.Errorf("the refusal names no fix: %s", r.stderr)
	}
	execute(t, nil, nil, "", "serve", "--addr", "0.0.0.0:8080").expect(t, 2, "", "not a loopback address") // not exit 4: no secret read yet
	execute(t, nil, vEnv, "", "serve", "--addr", "8080").expect(t, 2, "", "use host:port")
	execute(t, nil, vEnv, "", "serve", "--allow-host", "https://abc.ngrok-free.app").expect(t, 2, "", "--allow-host \"https://abc.ngrok-free.app\" is not a host name")

	base, _, _ := startServe(t, vEnv)
	addr := strings.TrimPrefix(base, "http://")
	execute(t, nil, vEnv, "", "serve", "--addr", addr).expect(t, 1, "", "is already in use")
}

// verifyGET sends the official verification vector to base with Host host.
func verifyGET(t *testing.T, base, host string) (int, string) {
	t.Helper()
	q := url.Values{"msg_signature": {v1Sig}, "timestamp": {v1TS}, "nonce": {v1Nonce}, "echostr": {v1Echo}}
	req, err := http.NewRequest(http.MethodGet, base+"/wecom?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// A tunnel that passes its public name through (ngrok by default) gets 403
// from the Host allow-list (the DNS-rebinding guard) until --allow-host
// names it; each refusal is logged with the Host seen and the exact flag.
func TestServeHostAllowListForTunnels(t *testing.T) {
	const tunnel = "abc.ngrok-free.app"
	base, _, errOut := startServe(t, vEnv, "--path", "/wecom")
	if status, body := verifyGET(t, base, tunnel); status != http.StatusForbidden || !strings.Contains(body, "--allow-host") {
		t.Fatalf("Host %s: %d %q, want 403 naming --allow-host", tunnel, status, body)
	}
	want := `fail GET /wecom → 403: Host "` + tunnel + `" is not a name of this server (a guard against DNS rebinding); if your tunnel or reverse proxy sends it, restart with --allow-host ` + tunnel
	if log := errOut.WaitFor("→ 403"); !strings.Contains(log, want) {
		t.Fatalf("log lacks %q:\n%s", want, log)
	}
	// A port in the Host is not part of the flag's value.
	verifyGET(t, base, "rebind.attacker.example:8080")
	if log := errOut.WaitFor("rebind.attacker.example\n"); !strings.Contains(log, `Host "rebind.attacker.example:8080"`) ||
		!strings.Contains(log, "restart with --allow-host rebind.attacker.example\n") {
		t.Fatalf("log:\n%s", log)
	}
	// Its own address, localhost and IPs are always answered.
	for _, host := range []string{strings.TrimPrefix(base, "http://"), "localhost:8080", "192.0.2.7"} {
		if status, body := verifyGET(t, base, host); status != http.StatusOK || body != v1Plain {
			t.Fatalf("Host %s: %d %q", host, status, body)
		}
	}

	allowed, _, _ := startServe(t, vEnv, "--path", "/wecom", "--allow-host", tunnel)
	if status, body := verifyGET(t, allowed, tunnel); status != http.StatusOK || body != v1Plain {
		t.Fatalf("with --allow-host: %d %q", status, body)
	}
	if status, _ := verifyGET(t, allowed, "other.ngrok-free.app"); status != http.StatusForbidden {
		t.Fatalf("another name with --allow-host %s: %d, want 403", tunnel, status)
	}
	// Every request callback serve acts on is signed, so '*' may turn the
	// check off (a tunnel whose name changes on each start).
	open, _, _ := startServe(t, vEnv, "--path", "/wecom", "--allow-host", "*")
	if status, body := verifyGET(t, open, "whatever.example"); status != http.StatusOK || body != v1Plain {
		t.Fatalf("with --allow-host '*': %d %q", status, body)
	}
}
