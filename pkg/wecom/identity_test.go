package wecom

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/errcode"
)

func TestNormalizeIdentity(t *testing.T) {
	cases := []struct {
		name string
		raw  string
		want Identity
	}{
		{"member (auth/getuserinfo)",
			`{"errcode":0,"errmsg":"ok","userid":"lisi","user_ticket":"T"}`,
			Identity{"userid": "lisi", "user_ticket": "T"}},
		{"non-member with external_userid",
			`{"errcode":0,"errmsg":"ok","openid":"oAAA","external_userid":"wmBBB"}`,
			Identity{"openid": "oAAA", "external_userid": "wmBBB"}},
		{"legacy member: capitalised keys become snake_case",
			`{"errcode":0,"errmsg":"ok","UserId":"lisi","DeviceId":"d1","user_ticket":"T","expires_in":1800}`,
			Identity{"userid": "lisi", "device_id": "d1", "user_ticket": "T", "expires_in": json.Number("1800")}},
		{"legacy non-member",
			`{"errcode":0,"errmsg":"ok","OpenId":"oAAA","DeviceId":"d1"}`,
			Identity{"openid": "oAAA", "device_id": "d1"}},
		{"both spellings: the current one wins",
			`{"UserId":"old","userid":"new"}`,
			Identity{"userid": "new"}},
		{"other CamelCase keys",
			`{"ExpiresIn":7200,"CorpID":"ww1","parent_userid":"p"}`,
			Identity{"expires_in": json.Number("7200"), "corp_id": "ww1", "parent_userid": "p"}},
		{"mini program keeps session_key",
			`{"corpid":"ww1","userid":"u","session_key":"k==","errcode":0,"errmsg":"ok"}`,
			Identity{"corpid": "ww1", "userid": "u", "session_key": "k=="}},
		{"large numbers are not rounded",
			`{"errcode":0,"n":12345678901234567890}`,
			Identity{"n": json.Number("12345678901234567890")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := NormalizeIdentity([]byte(c.raw))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("NormalizeIdentity(%s)\n got  %#v\n want %#v", c.raw, got, c.want)
			}
		})
	}
}

func TestNormalizeIdentityRejectsNonObjects(t *testing.T) {
	for _, raw := range []string{``, `[]`, `"x"`, `{`} {
		if _, err := NormalizeIdentity([]byte(raw)); err == nil {
			t.Errorf("NormalizeIdentity(%q): want an error", raw)
		}
	}
}

func TestSnakeKey(t *testing.T) {
	for in, want := range map[string]string{
		"UserId": "userid", "OpenId": "openid", "DeviceId": "device_id",
		"ExpiresIn": "expires_in", "UserID": "user_id", "already_snake": "already_snake",
		"userid": "userid", "Snake_Case": "snake_case",
	} {
		if got := snakeKey(in); got != want {
			t.Errorf("snakeKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzNormalizeIdentity: any input either fails cleanly or yields only snake_case
// keys without errcode/errmsg.
func FuzzNormalizeIdentity(f *testing.F) {
	f.Add(`{"errcode":0,"errmsg":"ok","UserId":"a","DeviceId":"b"}`)
	f.Add(`{"openid":"o","external_userid":"e"}`)
	f.Add(`{"ÄÖ":1,"A_B":2}`)
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := NormalizeIdentity([]byte(raw))
		if err != nil {
			return
		}
		for k := range id {
			if k == "errcode" || k == "errmsg" {
				t.Fatalf("kept %q", k)
			}
			if snakeKey(k) != k {
				t.Fatalf("key %q is not normalised", k)
			}
		}
	})
}

func TestExplainLogin(t *testing.T) {
	api := &APIError{Code: 40029, Msg: "invalid code", Path: "/cgi-bin/auth/getuserinfo"}
	var le *LoginError
	if err := ExplainLogin(fmt.Errorf("wrapped: %w", api), errcode.LoginContext{}); !errors.As(err, &le) ||
		!strings.Contains(le.Explain(), "login: each code is single-use") || !errors.Is(err, api) {
		t.Fatalf("40029: %v", err)
	}
	err := ExplainLogin(api, errcode.LoginContext{Sandbox: true})
	if !errors.As(err, &le) || !strings.Contains(le.Explain(), "fix: the in-process sandbox (--sandbox) knows only codes issued by `wwcli sandbox code USERID`") ||
		strings.Contains(le.Explain(), "two servers") {
		t.Fatalf("40029 under --sandbox must say where codes come from: %v", le.Explain())
	}
	other := &APIError{Code: 40001}
	if err := ExplainLogin(other, errcode.LoginContext{}); err != other {
		t.Errorf("codes without login advice pass through: %v", err)
	}
	plain := errors.New("network down")
	if err := ExplainLogin(plain, errcode.LoginContext{}); err != plain {
		t.Errorf("non-WeCom errors pass through: %v", err)
	}
}
