package errcode

import (
	"encoding/json"
	"strings"
	"testing"
)

const errmsg60020 = "not allow to access from your ip, hint: [1706848717432011565347844], from ip: 139.227.20.128, more info at https://open.work.weixin.qq.com/devtool/query?e=60020"

func TestExplain60020(t *testing.T) {
	e := Explain(60020, errmsg60020)
	if !e.Known || e.ZH != "不安全的访问IP" || e.Hint != "1706848717432011565347844" || e.FromIP != "139.227.20.128" ||
		e.MoreInfoURL != "https://open.work.weixin.qq.com/devtool/query?e=60020" || e.Errmsg != errmsg60020 || e.Fix == "" {
		t.Fatalf("%+v", e)
	}
	want := "errcode 60020 (不安全的访问IP / Untrusted source IP (not in trusted-IP / IP whitelist)): not allow to access from your ip\n" +
		"  hint: 1706848717432011565347844   from ip: 139.227.20.128 → add this IP to 企业可信IP (or to the provider IP whitelist for third-party and 代开发 apps)\n" +
		"  fix: " + e.Fix + "\n" +
		"  more: https://open.work.weixin.qq.com/devtool/query?e=60020"
	if got := e.Short(); got != want {
		t.Errorf("Short:\n%s\nwant:\n%s", got, want)
	}
}

func TestExplain60020WithoutIP(t *testing.T) {
	s := Explain(60020, "not allow to access from your ip, hint: [1], from ip: , more info at x").Short()
	if !strings.Contains(s, "from ip: (not reported) → add this IP to 企业可信IP") {
		t.Errorf("60020 without from ip should still say where to add the IP:\n%s", s)
	}
}

func TestExplainUnknown(t *testing.T) {
	e := Explain(123456789, "")
	if e.Known || e.ZH != "" || e.Fix != "" || e.MoreInfoURL != DevtoolBase+"123456789" {
		t.Fatalf("%+v", e)
	}
	s := e.Short()
	if !strings.HasPrefix(s, "errcode 123456789 (not in wwcli's table)\n") || !strings.Contains(s, "more: "+DevtoolBase+"123456789") {
		t.Errorf("unknown Short:\n%s", s)
	}
}

func TestExplainCallbackIsNotAPI40001(t *testing.T) {
	e := Explain(-40001, "")
	if !e.Known || !e.Callback || e.ZH != "签名校验错误" || e.MoreInfoURL != CallbackDocURL {
		t.Fatalf("%+v", e)
	}
	s := e.Short()
	for _, w := range []string{"callback code -40001 (签名校验错误 / msg_signature mismatch", "not a WeCom API errcode", "unrelated to API errcode 40001 (不合法的secret参数)", "Token"} {
		if !strings.Contains(s, w) {
			t.Errorf("Short misses %q:\n%s", w, s)
		}
	}
	if api := Explain(40001, "invalid credential"); api.Callback || !strings.Contains(api.Short(), "errcode 40001 (不合法的secret参数") {
		t.Errorf("40001 must stay the API code: %s", api.Short())
	}
	if sys := Explain(-1, ""); sys.Callback || sys.ZH != "系统繁忙" {
		t.Errorf("-1 is the API 'system busy' code: %+v", sys)
	}
}

func TestExplanationJSONKeys(t *testing.T) {
	b, err := json.Marshal(Explain(40029, "invalid code"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"errcode", "errmsg", "known", "zh", "en", "fix", "hint", "from_ip", "more_info_url"}
	if len(m) != len(want) {
		t.Errorf("keys %v", m)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("missing key %q in %s", k, b)
		}
	}
	if m["errmsg"] != "invalid code" {
		t.Errorf("errmsg must be kept: %s", b)
	}
}

func BenchmarkExplain(b *testing.B) {
	loadTable()
	for b.Loop() {
		_ = Explain(60020, errmsg60020).Short()
	}
}

// BenchmarkFirstLoad is the one-time cost the first lookup pays.
func BenchmarkFirstLoad(b *testing.B) {
	for b.Loop() {
		_ = parseTable(errcodesTSV, fixes[:])
	}
}

func BenchmarkParseErrmsg(b *testing.B) {
	for b.Loop() {
		ParseErrmsg(errmsg60020)
	}
}
