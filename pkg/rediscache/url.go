package rediscache

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Defaults of the knobs a cache URL may set.
const (
	// DefaultOpTimeout bounds every Redis call: a slow or dead Redis costs
	// a command at most this much before it falls back to the file cache.
	DefaultOpTimeout = 500 * time.Millisecond
	// DefaultLockTTL is how long a fetch lock lives without its holder
	// renewing it: a holder killed mid-fetch blocks the others this long.
	DefaultLockTTL = 10 * time.Second
)

// Config is a parsed WWCLI_CACHE_URL.
type Config struct {
	Redis *redis.Options
	// Where names the server for messages: scheme, host, port and db,
	// never the user or password.
	Where string
	// OpTimeout bounds each Redis call (URL parameter timeout=).
	OpTimeout time.Duration
	// LockTTL is the fetch lock's expiry (URL parameter lock_ttl=).
	LockTTL time.Duration
}

// URLError is a WWCLI_CACHE_URL that cannot be used. Its message never
// holds the password.
type URLError struct{ Reason string }

func (e *URLError) Error() string {
	return "WWCLI_CACHE_URL is not a usable Redis URL: " + e.Reason +
		"\n  use redis://[user:password@]host:port/db or rediss://... (TLS), e.g. redis://127.0.0.1:6379/0"
}

// ParseURL reads redis://[user:pass@]host:port/db or rediss://... (TLS),
// with the optional parameters timeout= and lock_ttl= (Go durations) and
// those go-redis itself knows (see docs/fleet.md).
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, password included: keep only
		// the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Config{}, &URLError{Reason: redact(err.Error(), rawPassword(raw))}
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return Config{}, &URLError{Reason: fmt.Sprintf("the scheme is %q, not redis or rediss", u.Scheme)}
	}
	if u.Hostname() == "" {
		return Config{}, &URLError{Reason: "no host"}
	}
	password, _ := u.User.Password()
	cfg := Config{OpTimeout: DefaultOpTimeout, LockTTL: DefaultLockTTL}
	q := u.Query()
	for name, dst := range map[string]*time.Duration{"timeout": &cfg.OpTimeout, "lock_ttl": &cfg.LockTTL} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Config{}, &URLError{Reason: fmt.Sprintf("%s=%q is not a positive duration such as 500ms or 10s", name, v)}
		}
		*dst = d
		q.Del(name)
	}
	protocolGiven := q.Has("protocol")
	u.RawQuery = q.Encode()
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		return Config{}, &URLError{Reason: redact(strings.TrimPrefix(err.Error(), "redis: "), password)}
	}
	// Every call is bounded by OpTimeout through its context; go-redis'
	// own retries would multiply that bound, so they are off.
	opts.DialTimeout = cfg.OpTimeout
	opts.ReadTimeout = cfg.OpTimeout
	opts.WriteTimeout = cfg.OpTimeout
	opts.PoolTimeout = cfg.OpTimeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = -1
	opts.DialerRetries = 1
	opts.PoolSize = 4 // a CLI process makes a handful of calls
	opts.DisableIdentity = true
	if !protocolGiven {
		opts.Protocol = 2 // no HELLO round trip before the first call
	}
	// No maintenance-notification handshake: it logs to stderr on servers
	// that do not know it.
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	cfg.Redis = opts
	cfg.Where = u.Scheme + "://" + opts.Addr + "/" + strconv.Itoa(opts.DB)
	return cfg, nil
}

// redact removes secret from msg (a parse error may quote it).
func redact(msg, secret string) string {
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "xxxxx")
}

// rawPassword finds the password of a URL url.Parse refused:
// scheme://user:PASSWORD@host...
func rawPassword(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pw, ok := strings.Cut(rest[:at], ":")
	if !ok {
		return ""
	}
	return pw
}
