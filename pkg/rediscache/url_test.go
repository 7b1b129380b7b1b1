package rediscache

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	cfg, err := ParseURL("redis://wwcli:s3cret-pass@10.0.0.5:6380/3?lock_ttl=3s&timeout=250ms")
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Redis
	if o.Addr != "10.0.0.5:6380" || o.DB != 3 || o.Username != "wwcli" || o.Password != "s3cret-pass" || o.TLSConfig != nil {
		t.Fatalf("options %+v", o)
	}
	if cfg.LockTTL != 3*time.Second || cfg.OpTimeout != 250*time.Millisecond || o.ReadTimeout != 250*time.Millisecond || o.DialTimeout != 250*time.Millisecond {
		t.Fatalf("durations: lock %v op %v read %v dial %v", cfg.LockTTL, cfg.OpTimeout, o.ReadTimeout, o.DialTimeout)
	}
	if o.MaxRetries != -1 {
		t.Fatalf("go-redis retries must be off (they multiply the bound), got %d", o.MaxRetries)
	}
	if cfg.Where != "redis://10.0.0.5:6380/3" || strings.Contains(cfg.Where, "s3cret") {
		t.Fatalf("Where = %q", cfg.Where)
	}

	tlsCfg, err := ParseURL("rediss://:pw@cache.example.com/0")
	if err != nil {
		t.Fatal(err)
	}
	if tlsCfg.Redis.TLSConfig == nil || tlsCfg.Redis.TLSConfig.ServerName != "cache.example.com" || tlsCfg.Redis.Addr != "cache.example.com:6379" {
		t.Fatalf("rediss: %+v", tlsCfg.Redis)
	}
	if tlsCfg.OpTimeout != DefaultOpTimeout || tlsCfg.LockTTL != DefaultLockTTL {
		t.Fatalf("defaults: %v %v", tlsCfg.OpTimeout, tlsCfg.LockTTL)
	}
}

func TestParseURLErrorsNameTheFixAndHideThePassword(t *testing.T) {
	for raw, want := range map[string]string{
		"http://u:topsecret@host:6379/0":                `scheme is "http"`,
		"redis://u:topsecret@host:6379/zero":            "invalid database number",
		"redis://u:topsecret@host:6379/0?lock_ttl=soon": "lock_ttl",
		"redis://u:topsecret@host:6379/0?timeout=-1s":   "timeout",
		"redis://u:topsecret@host:port/0":               "invalid port",
		"redis://u:topsecret@/0":                        "no host",
		"redis://u:topsecret@host/0?bogus=1":            "unexpected option: bogus",
		"127.0.0.1:6379":                                "",
	} {
		_, err := ParseURL(raw)
		var ue *URLError
		if !errors.As(err, &ue) {
			t.Errorf("%s: want a URLError, got %v", raw, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, want) || !strings.Contains(msg, "redis://[user:password@]host:port/db") {
			t.Errorf("%s: message %q should say %q and the URL form", raw, msg, want)
		}
		if strings.Contains(msg, "topsecret") {
			t.Errorf("%s: the message shows the password: %q", raw, msg)
		}
	}
}

// FuzzParseURL: any WWCLI_CACHE_URL gives a config or a URLError, never a
// panic, and no message shows the password.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"redis://127.0.0.1:6379/0", "rediss://u:p@h:1/2?timeout=1s&lock_ttl=3s",
		"redis://:pw@host:port/x", "redis://[::1]:6379/0", "redis://u:p%zz@h/0", "http://x", ""} {
		f.Add(s, "s3cret-pw")
	}
	f.Fuzz(func(t *testing.T, raw, password string) {
		scheme, rest, ok := strings.Cut(raw, "://")
		if !ok || len(password) < 6 || strings.ContainsAny(password, "@/:?#[]%") ||
			strings.Contains(strings.ToLower(raw), strings.ToLower(password)) {
			return // the password must be in the URL once, in its place
		}
		raw = scheme + "://user:" + password + "@" + rest
		cfg, err := ParseURL(raw)
		if err != nil {
			var ue *URLError
			if !errors.As(err, &ue) {
				t.Fatalf("%q: %T %v", raw, err, err)
			}
			if strings.Contains(err.Error(), password) {
				t.Fatalf("%q: the message shows the password: %v", raw, err)
			}
			return
		}
		if strings.Contains(cfg.Where, password) || cfg.OpTimeout <= 0 || cfg.LockTTL <= 0 {
			t.Fatalf("%q: %+v", raw, cfg)
		}
	})
}
