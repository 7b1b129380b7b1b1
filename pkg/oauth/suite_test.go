package oauth

import (
	"errors"
	"testing"
)

func TestBuildSuiteLink(t *testing.T) {
	link, warnings, err := Build(Params{Suite: true, CorpID: "ww9c3e7b1a5d2f8e60",
		RedirectURI: "https://app.example.com/cb?x=1", State: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	want := "https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww9c3e7b1a5d2f8e60" +
		"&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1&response_type=code&scope=snsapi_base&state=s1#wechat_redirect"
	if link != want {
		t.Errorf("link\n got %s\nwant %s", link, want)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %v", warnings)
	}
}

// snsapi_privateinfo needs an agent id for corp links, not for suite ones.
func TestSuitePrivateInfoWithoutAgent(t *testing.T) {
	link, _, err := Build(Params{Suite: true, CorpID: "ww9c3e7b1a5d2f8e60", Scope: ScopePrivateInfo,
		RedirectURI: "https://app.example.com/cb"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "scope=snsapi_privateinfo&state=#wechat_redirect"; link[len(link)-len(want):] != want {
		t.Errorf("link %s", link)
	}
	if _, _, err := Build(Params{CorpID: "ww9c3e7b1a5d2f8e60", Scope: ScopePrivateInfo, RedirectURI: "https://app.example.com/cb"}); err == nil {
		t.Error("a corp link with snsapi_privateinfo and no agent id was accepted")
	}
}

func TestSuiteLinkRules(t *testing.T) {
	for name, tt := range map[string]struct {
		p     Params
		field string
	}{
		"agent id":  {Params{Suite: true, CorpID: "ww1", AgentID: "1000002", RedirectURI: "https://a.example.com/"}, "agent-id"},
		"web kind":  {Params{Suite: true, Kind: KindWeb, CorpID: "ww1", RedirectURI: "https://a.example.com/"}, "suite"},
		"qrconnect": {Params{Suite: true, Kind: KindQRConnect, CorpID: "ww1", AgentID: "1", RedirectURI: "https://a.example.com/"}, "suite"},
	} {
		_, _, err := Build(tt.p)
		var e *Error
		if !errors.As(err, &e) || e.Field != tt.field {
			t.Errorf("%s: got %v, want an error on %s", name, err, tt.field)
		}
	}
}

func TestSuiteIDWarnings(t *testing.T) {
	for id, code := range map[string]string{"dk3b7e1f9a2c5d8e40": "suite_template", "1000002": "suite_id", "wx1": "", "tj1": ""} {
		_, warnings, err := Build(Params{Suite: true, CorpID: id, RedirectURI: "https://a.example.com/"})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(warnings) > 0 {
			got = warnings[0].Code
		}
		if got != code {
			t.Errorf("%s: warning %q, want %q", id, got, code)
		}
	}
}
