package rediscache

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/tokencache"
)

// These need no redis-server: they check the sealed entry format itself.

var sealNow = time.Date(2026, 12, 8, 10, 0, 0, 123456789, time.UTC)

func genuine(t *testing.T, k tokencache.Key, value string) (sealer, tokencache.Entry, []byte) {
	t.Helper()
	s, err := newSealer(k.Secret)
	if err != nil {
		t.Fatal(err)
	}
	e := entryFor(k, value, sealNow, sealNow.Add(2*time.Hour))
	raw, err := s.seal(e)
	if err != nil {
		t.Fatal(err)
	}
	return s, e, raw
}

func TestSealedEntryOpensWithItsSecretAndShowsNoToken(t *testing.T) {
	s, e, raw := genuine(t, testKey, "the-token-value")
	got, err := s.open(string(raw), testKey)
	if err != nil {
		t.Fatal(err)
	}
	if got.Value != "the-token-value" || !got.FetchedAt.Equal(e.FetchedAt) || !got.ExpiresAt.Equal(e.ExpiresAt) ||
		got.ID != testKey.ID() || !got.FreshAt(sealNow) {
		t.Fatalf("opened %+v, sealed %+v", got, e)
	}
	// A Redis reader sees neither the token nor the secret.
	if bytes.Contains(raw, []byte("the-token-value")) || bytes.Contains(raw, []byte(testKey.Secret)) {
		t.Fatalf("stored bytes hold the token or secret: %s", raw)
	}
	// Each write has its own nonce: the same token sealed twice differs.
	_, _, again := genuine(t, testKey, "the-token-value")
	if bytes.Equal(raw, again) {
		t.Fatal("two seals of one entry are identical")
	}
}

// The audit's N2: a Redis writer copies the entry's clear fields and puts
// its own value in. None of these may be opened as the key's entry.
func TestForgedOrTamperedEntriesAreForeign(t *testing.T) {
	_, _, raw := genuine(t, testKey, "genuine-token")
	var orig map[string]any
	if err := json.Unmarshal(raw, &orig); err != nil {
		t.Fatal(err)
	}
	attacker := testKey
	attacker.Secret = "a-guess-at-the-secret"
	_, _, forged := genuine(t, attacker, "ATTACKER-CHOSEN-token")
	var forgedFields map[string]any
	_ = json.Unmarshal(forged, &forgedFields)
	ticketKey := testKey
	ticketKey.Kind = "ticket:corp"
	_, _, ticket := genuine(t, ticketKey, "genuine-ticket")

	edit := func(change func(m map[string]any)) string {
		m := map[string]any{}
		for k, v := range orig {
			m[k] = v
		}
		change(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := map[string]string{
		"a value field added":              edit(func(m map[string]any) { m["value"] = "ATTACKER-CHOSEN-token" }),
		"sealed with another secret":       edit(func(m map[string]any) { m["sealed"], m["nonce"] = forgedFields["sealed"], forgedFields["nonce"] }),
		"whole entry of another secret":    string(forged),
		"mac removed":                      edit(func(m map[string]any) { delete(m, "mac") }),
		"mac of another entry":             edit(func(m map[string]any) { m["mac"] = forgedFields["mac"] }),
		"expiry moved":                     edit(func(m map[string]any) { m["expires_at"] = sealNow.Add(9 * time.Hour) }),
		"fetched_at moved":                 edit(func(m map[string]any) { m["fetched_at"] = sealNow.Add(-time.Hour) }),
		"agent added":                      edit(func(m map[string]any) { m["agent_id"] = "1000002" }),
		"format 2":                         edit(func(m map[string]any) { m["format"] = 2 }),
		"the ticket's entry, copied":       string(ticket),
		"old v2 entry with value in clear": `{"version":2,"id":"` + testKey.ID() + `","corp_id":"wwcorp","kind":"token","value":"x"}`,
		"not JSON":                         "{corrupt",
		"too long":                         string(raw) + strings.Repeat(" ", maxEntry),
	}
	s, err := newSealer(testKey.Secret)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range cases {
		if e, err := s.open(v, testKey); !errors.Is(err, errForeign) {
			t.Errorf("%s: opened as %+v (err %v)", name, e, err)
		}
	}
	// Flipping any single byte of the sealed value or the nonce fails too.
	for _, field := range []string{"sealed", "nonce"} {
		b, err := base64.StdEncoding.DecodeString(orig[field].(string))
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 1
		v := edit(func(m map[string]any) { m[field] = b })
		if _, err := s.open(v, testKey); !errors.Is(err, errForeign) {
			t.Errorf("%s flipped: %v", field, err)
		}
	}
}

func TestValueOutsideTheTokenCharsetIsForeign(t *testing.T) {
	for _, v := range []string{"", "with space", "esc\x1b]0;title\x07", "tab\t", "nl\n", "del\x7f", "é", strings.Repeat("a", maxValue+1)} {
		if validValue(v) {
			t.Errorf("%q accepted", v)
		}
		// Even sealed with the right secret (a buggy writer): not served.
		s, _, raw := genuine(t, testKey, v)
		if _, err := s.open(string(raw), testKey); !errors.Is(err, errForeign) {
			t.Errorf("%q opened: %v", v, err)
		}
	}
	for _, v := range []string{"aZ09-_.~!", strings.Repeat("x", maxValue), "kgt8ON7yVITDhtdwci0qeQfSMd7LGJ0SmB_Cjsv8AaLgGpZUeu6iSxLf2_Rzhr7Z"} {
		if !validValue(v) {
			t.Errorf("%q refused", v)
		}
	}
}

func TestFieldEncodingIsUnambiguous(t *testing.T) {
	if bytes.Equal(fields([]byte("ab"), []byte("c")), fields([]byte("a"), []byte("bc"))) ||
		bytes.Equal(fields([]byte("a"), nil), fields([]byte("a"))) {
		t.Fatal("two field lists encode alike")
	}
}

// A secret from which anyone could derive the keys is never used to seal.
func TestEmptySecretIsNeverShared(t *testing.T) {
	if _, err := newSealer(""); err == nil {
		t.Fatal("sealer for an empty secret")
	}
	// Not even dialled: the closed port would give a warning.
	c, w := newTestCache(t, "redis://"+closedPort(t)+"/0?timeout=100ms")
	k := testKey
	k.Secret = ""
	var n atomic.Int32
	if e, _, err := c.GetOrFetch(context.Background(), k, counting("local-only", time.Hour, &n)); err != nil || e.Value != "local-only" {
		t.Fatalf("%+v %v", e, err)
	}
	if e, ok := c.Get(k); !ok || e.Value != "local-only" || len(w.all()) != 0 {
		t.Fatalf("%+v %v warnings %q", e, ok, w.all())
	}
}

// A shared failure binds its key, owner and answer.
func TestFailureMAC(t *testing.T) {
	s, _ := newSealer(testKey.Secret)
	other, _ := newSealer("other")
	f := failure{Owner: "o", Code: 40001, Msg: "invalid credential", Path: "/cgi-bin/gettoken"}
	mac := s.failureMAC("id", f)
	for _, g := range []failure{{Owner: "p", Code: 40001, Msg: f.Msg, Path: f.Path}, {Owner: "o", Code: 40013, Msg: f.Msg, Path: f.Path},
		{Owner: "o", Code: 40001, Msg: "pwned", Path: f.Path}} {
		if bytes.Equal(mac, s.failureMAC("id", g)) {
			t.Errorf("%+v has the MAC of %+v", g, f)
		}
	}
	if bytes.Equal(mac, s.failureMAC("id2", f)) || bytes.Equal(mac, other.failureMAC("id", f)) {
		t.Error("MAC ignores the key or the secret")
	}
}
