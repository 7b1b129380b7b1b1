package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// seenRequest is one request a recording server received.
type seenRequest struct {
	Method, Path, Query string
	Body                map[string]any
}

// recording answers every request with status and body and records it.
func recording(t *testing.T, status int, body string) (*Client, *[]seenRequest) {
	t.Helper()
	var seen []seenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := seenRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &req.Body); err != nil {
				t.Errorf("body %q is not JSON: %v", b, err)
			}
		}
		seen = append(seen, req)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL, srv.Client())
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	return c, &seen
}

func TestGetSuiteToken(t *testing.T) {
	// errcode is only present on failure (DOC 97162).
	c, seen := recording(t, 200, `{"suite_access_token":"sat","expires_in":7200}`)
	tok, err := c.GetSuiteToken(context.Background(), "wwsuite", "ssecret", "sticket")
	if err != nil || tok.SuiteAccessToken != "sat" || tok.ExpiresIn != 7200 {
		t.Fatalf("%+v %v", tok, err)
	}
	r := (*seen)[0]
	if r.Method != "POST" || r.Path != "/cgi-bin/service/get_suite_token" || r.Query != "" ||
		r.Body["suite_id"] != "wwsuite" || r.Body["suite_secret"] != "ssecret" || r.Body["suite_ticket"] != "sticket" {
		t.Fatalf("sent %+v", r)
	}
	c, _ = recording(t, 200, `{"errcode":40085,"errmsg":"invalid suite_ticket"}`)
	if _, err := c.GetSuiteToken(context.Background(), "wwsuite", "s", "old"); !IsCode(err, 40085) {
		t.Fatalf("stale ticket: %v", err)
	}
	c, _ = recording(t, 200, `{"errcode":0,"errmsg":"ok"}`)
	if _, err := c.GetSuiteToken(context.Background(), "wwsuite", "s", "t"); err == nil || !strings.Contains(err.Error(), "without a suite_access_token") {
		t.Fatalf("empty answer: %v", err)
	}
}

func TestGetProviderToken(t *testing.T) {
	c, seen := recording(t, 200, `{"errcode":0,"errmsg":"ok","provider_access_token":"pat","expires_in":7200}`)
	tok, err := c.GetProviderToken(context.Background(), "wwprov", "psecret")
	if err != nil || tok.ProviderAccessToken != "pat" || tok.ExpiresIn != 7200 {
		t.Fatalf("%+v %v", tok, err)
	}
	r := (*seen)[0]
	if r.Method != "POST" || r.Path != "/cgi-bin/service/get_provider_token" || r.Body["corpid"] != "wwprov" || r.Body["provider_secret"] != "psecret" {
		t.Fatalf("sent %+v", r)
	}
}

func TestGetCorpToken(t *testing.T) {
	c, seen := recording(t, 200, `{"access_token":"corptok","expires_in":7200}`)
	tok, err := c.GetCorpToken(context.Background(), "sat", "wwcorp", "pcode")
	if err != nil || tok.AccessToken != "corptok" || tok.ExpiresIn != 7200 {
		t.Fatalf("%+v %v", tok, err)
	}
	r := (*seen)[0]
	if r.Method != "POST" || r.Path != "/cgi-bin/service/get_corp_token" || r.Query != "suite_access_token=sat" ||
		r.Body["auth_corpid"] != "wwcorp" || r.Body["permanent_code"] != "pcode" {
		t.Fatalf("sent %+v", r)
	}
	c, _ = recording(t, 200, `{"errcode":40084,"errmsg":"invalid permanent_code"}`)
	if _, err := c.GetCorpToken(context.Background(), "sat", "wwcorp", "bad"); !IsCode(err, 40084) {
		t.Fatalf("bad code: %v", err)
	}
}

func TestPreAuthCodeAndSessionInfo(t *testing.T) {
	c, seen := recording(t, 200, `{"errcode":0,"errmsg":"ok","pre_auth_code":"pac","expires_in":1200}`)
	p, err := c.GetPreAuthCode(context.Background(), "sat")
	if err != nil || p.PreAuthCode != "pac" || p.ExpiresIn != 1200 {
		t.Fatalf("%+v %v", p, err)
	}
	if r := (*seen)[0]; r.Method != "GET" || r.Path != "/cgi-bin/service/get_pre_auth_code" || r.Query != "suite_access_token=sat" {
		t.Fatalf("sent %+v", r)
	}
	c, seen = recording(t, 200, `{"errcode":0,"errmsg":"ok"}`)
	if err := c.SetSessionInfo(context.Background(), "sat", "pac", SessionInfo{AuthType: AuthTypeTest}); err != nil {
		t.Fatal(err)
	}
	r := (*seen)[0]
	info, _ := r.Body["session_info"].(map[string]any)
	if r.Method != "POST" || r.Path != "/cgi-bin/service/set_session_info" || r.Query != "suite_access_token=sat" ||
		r.Body["pre_auth_code"] != "pac" || info["auth_type"] != float64(1) {
		t.Fatalf("sent %+v", r)
	}
	if _, ok := info["appid"]; ok {
		t.Fatalf("appid sent although empty: %+v", info)
	}
}

func TestGetPermanentCodeV1AndV2(t *testing.T) {
	v1 := `{"errcode":0,"errmsg":"ok","access_token":"corptok","expires_in":7200,"permanent_code":"PCODE",
		"dealer_corp_info":{"corpid":"wwdealer","corp_name":"代理"},
		"auth_corp_info":{"corpid":"wwcorp","corp_name":"演示企业","corp_user_max":50},
		"auth_info":{"agent":[{"agentid":1000005,"name":"应用","auth_mode":0,"is_customized_app":false,"privilege":{"level":1}}]},
		"auth_user_info":{"userid":"admin","open_userid":"woAdmin","name":"管理员"}}`
	c, seen := recording(t, 200, v1)
	p, err := c.GetPermanentCode(context.Background(), "sat", "AUTHCODE", false)
	if err != nil || p.PermanentCode != "PCODE" || p.AccessToken != "corptok" || p.AuthCorpInfo.CorpID != "wwcorp" ||
		p.AuthCorpInfo.CorpName != "演示企业" || p.AuthInfo == nil || len(p.AuthInfo.Agent) != 1 ||
		p.AuthInfo.Agent[0].AgentID != 1000005 || p.AuthUserInfo.OpenUserID != "woAdmin" || p.DealerCorpInfo.CorpID != "wwdealer" {
		t.Fatalf("%+v %v", p, err)
	}
	if !strings.Contains(string(p.Raw), `"corp_user_max":50`) {
		t.Fatalf("raw answer not kept: %s", p.Raw)
	}
	if r := (*seen)[0]; r.Method != "POST" || r.Path != "/cgi-bin/service/get_permanent_code" || r.Query != "suite_access_token=sat" || r.Body["auth_code"] != "AUTHCODE" {
		t.Fatalf("sent %+v", r)
	}

	c, seen = recording(t, 200, `{"errcode":0,"errmsg":"ok","permanent_code":"P2","auth_corp_info":{"corpid":"wwcorp","corp_name":"演示企业"},"state":"s1"}`)
	p, err = c.GetPermanentCode(context.Background(), "sat", "AUTHCODE", true)
	if err != nil || p.PermanentCode != "P2" || p.State != "s1" || p.AuthInfo != nil || p.AccessToken != "" {
		t.Fatalf("v2: %+v %v", p, err)
	}
	if r := (*seen)[0]; r.Path != "/cgi-bin/service/v2/get_permanent_code" {
		t.Fatalf("v2 sent %+v", r)
	}
}

// An auth_code is single use: a call that reached WeCom and got no answer
// is never repeated (the second attempt would meet 40078 at best).
func TestGetPermanentCodeIsNeverRepeated(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	c := New(srv.URL, srv.Client())
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	_, err := c.GetPermanentCode(context.Background(), "sat", "AUTHCODE", false)
	var unknown *DeliveryUnknownError
	if !errors.As(err, &unknown) || n.Load() != 1 {
		t.Fatalf("err=%v calls=%d", err, n.Load())
	}
	// A GET (get_pre_auth_code) is retried as any read.
	n.Store(0)
	if _, err := c.GetPreAuthCode(context.Background(), "sat"); err == nil || n.Load() != maxAttempts {
		t.Fatalf("GET: err=%v calls=%d", err, n.Load())
	}
}

func TestGetAuthInfo(t *testing.T) {
	c, seen := recording(t, 200, `{"errcode":0,"errmsg":"ok","auth_corp_info":{"corpid":"wwcorp","corp_name":"演示企业"},
		"auth_info":{"agent":[{"agentid":1000005,"name":"应用"}]}}`)
	a, err := c.GetAuthInfo(context.Background(), "sat", "wwcorp", "PCODE")
	if err != nil || a.AuthCorpInfo.CorpName != "演示企业" || len(a.AuthInfo.Agent) != 1 {
		t.Fatalf("%+v %v", a, err)
	}
	if r := (*seen)[0]; r.Method != "POST" || r.Path != "/cgi-bin/service/get_auth_info" || r.Body["auth_corpid"] != "wwcorp" || r.Body["permanent_code"] != "PCODE" {
		t.Fatalf("sent %+v", r)
	}
}

func TestThirdPartyIdentity(t *testing.T) {
	c, seen := recording(t, 200, `{"errcode":0,"errmsg":"ok","corpid":"wwcorp","userid":"zhangsan","user_ticket":"UT","expires_in":7200,"open_userid":"woZ"}`)
	id, err := c.GetUserInfo3rd(context.Background(), "sat", "CODE")
	if err != nil || id.Str("corpid") != "wwcorp" || id.Str("userid") != "zhangsan" || id.Str("user_ticket") != "UT" {
		t.Fatalf("%v %v", id, err)
	}
	if _, ok := id["errcode"]; ok {
		t.Fatalf("errcode kept: %v", id)
	}
	if r := (*seen)[0]; r.Method != "GET" || r.Path != "/cgi-bin/service/auth/getuserinfo3rd" || r.Query != "code=CODE&suite_access_token=sat" {
		t.Fatalf("sent %+v", r)
	}
	c, seen = recording(t, 200, `{"errcode":0,"errmsg":"ok","corpid":"wwcorp","userid":"zhangsan","name":"zhangsan","gender":"1"}`)
	id, err = c.GetUserDetail3rd(context.Background(), "sat", "UT")
	if err != nil || id.Str("gender") != "1" {
		t.Fatalf("%v %v", id, err)
	}
	if r := (*seen)[0]; r.Method != "POST" || r.Path != "/cgi-bin/service/auth/getuserdetail3rd" || r.Body["user_ticket"] != "UT" {
		t.Fatalf("sent %+v", r)
	}
}
