package userinfo

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		name string
		raw  string
		want identity
	}{
		{"member (auth/getuserinfo)",
			`{"errcode":0,"errmsg":"ok","userid":"lisi","user_ticket":"T"}`,
			identity{"userid": "lisi", "user_ticket": "T"}},
		{"non-member with external_userid",
			`{"errcode":0,"errmsg":"ok","openid":"oAAA","external_userid":"wmBBB"}`,
			identity{"openid": "oAAA", "external_userid": "wmBBB"}},
		{"legacy member: capitalised keys become snake_case",
			`{"errcode":0,"errmsg":"ok","UserId":"lisi","DeviceId":"d1","user_ticket":"T","expires_in":1800}`,
			identity{"userid": "lisi", "device_id": "d1", "user_ticket": "T", "expires_in": json.Number("1800")}},
		{"legacy non-member",
			`{"errcode":0,"errmsg":"ok","OpenId":"oAAA","DeviceId":"d1"}`,
			identity{"openid": "oAAA", "device_id": "d1"}},
		{"both spellings: the current one wins",
			`{"UserId":"old","userid":"new"}`,
			identity{"userid": "new"}},
		{"other CamelCase keys",
			`{"ExpiresIn":7200,"CorpID":"ww1","parent_userid":"p"}`,
			identity{"expires_in": json.Number("7200"), "corp_id": "ww1", "parent_userid": "p"}},
		{"mini program keeps session_key",
			`{"corpid":"ww1","userid":"u","session_key":"k==","errcode":0,"errmsg":"ok"}`,
			identity{"corpid": "ww1", "userid": "u", "session_key": "k=="}},
		{"large numbers are not rounded",
			`{"errcode":0,"n":12345678901234567890}`,
			identity{"n": json.Number("12345678901234567890")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := normalize([]byte(c.raw))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("normalize(%s)\n got  %#v\n want %#v", c.raw, got, c.want)
			}
		})
	}
}

func TestNormalizeRejectsNonObjects(t *testing.T) {
	for _, raw := range []string{``, `[]`, `"x"`, `{`} {
		if _, err := normalize([]byte(raw)); err == nil {
			t.Errorf("normalize(%q): want an error", raw)
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

// FuzzNormalize: any input either fails cleanly or yields only snake_case
// keys without errcode/errmsg.
func FuzzNormalize(f *testing.F) {
	f.Add(`{"errcode":0,"errmsg":"ok","UserId":"a","DeviceId":"b"}`)
	f.Add(`{"openid":"o","external_userid":"e"}`)
	f.Add(`{"ÄÖ":1,"A_B":2}`)
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := normalize([]byte(raw))
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
