package sandbox

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// getRaw sends a query string exactly as given (no re-encoding), the way a
// hostile or sloppy client would.
func (e *env) getRaw(path, rawQuery string) answer {
	e.t.Helper()
	resp, err := testClient.Get(e.base + path + "?" + rawQuery)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, raw: string(data)}
	_ = json.Unmarshal(data, &a.m)
	return a
}

// Percent-encoded parameter names reach the handler decoded, so the log
// must redact by the decoded name too (audit D13).
func TestLogRedactsPercentEncodedNames(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.getRaw("/cgi-bin/gettoken", "corpid="+DemoCorpID+"&corp%73ecret="+DemoAppSecret)
	wantCode(t, a, 0)
	tok := a.str("access_token")
	wantCode(t, e.getRaw("/cgi-bin/get_jsapi_ticket", "access%5Ftoken="+tok), 0)
	e.getRaw("/cgi-bin/miniprogram/jscode2session", "access_token="+tok+"&js%5Fcode=JSCODE-SECRET&grant_type=authorization_code")
	e.getRaw("/cgi-bin/auth/getuserinfo", "ACCESS_TOKEN="+tok+"&%63ode=OAUTH-CODE-SECRET")

	reqs := e.get("/_sandbox/requests").raw
	for _, where := range []struct{ name, text string }{{"log", e.log.String()}, {"/_sandbox/requests", reqs}} {
		for _, secret := range []string{DemoAppSecret, tok, "JSCODE-SECRET", "OAUTH-CODE-SECRET"} {
			if strings.Contains(where.text, secret) {
				t.Errorf("%s shows %q in clear", where.name, secret)
			}
		}
	}
	if !strings.Contains(e.log.String(), "corpid="+DemoCorpID) {
		t.Errorf("non-secret parameters stay readable:\n%s", e.log.String())
	}
}

func TestRedactQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"corpid=ww1&corpsecret=S":            "corpid=ww1&corpsecret=***",
		"corp%73ecret=S&corpid=ww1":          "corpsecret=***&corpid=ww1",
		"access%5Ftoken=T&type=agent_config": "access_token=***&type=agent_config",
		"js_code=J&code=C&user_ticket=U":     "js_code=***&code=***&user_ticket=***",
		"key=K&debug=1":                      "key=***&debug=1",
	} {
		if got := redactQuery(raw); got != want {
			t.Errorf("redactQuery(%q) = %q, want %q", raw, got, want)
		}
	}
}
