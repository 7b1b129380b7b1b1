package credstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// DefaultKeyringTimeout bounds each keyring call unless WWCLI_KEYRING_TIMEOUT
// says otherwise; a locked keyring waiting for a prompt must not hang wwcli.
const DefaultKeyringTimeout = 3 * time.Second

// InteractiveKeyringTimeout is the bound when a person is at the terminal
// (an interactive `auth login`): a locked keyring may show an unlock dialog,
// and typing its password takes longer than 3 s.
const InteractiveKeyringTimeout = 60 * time.Second

// backend is the part of go-keyring we use, so tests can replace it.
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

type zalando struct{}

func (zalando) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (zalando) Set(s, u, p string) error        { return keyring.Set(s, u, p) }
func (zalando) Delete(s, u string) error        { return keyring.Delete(s, u) }

type keyringStore struct {
	backend backend
	timeout time.Duration
	// timeoutSet: WWCLI_KEYRING_TIMEOUT chose the timeout, and it wins
	// over the interactive one too.
	timeoutSet bool
	// unavailable is set when we know up front the keyring cannot work
	// (WWCLI_KEYRING=off, no D-Bus session): every call fails at once.
	unavailable string
	// hung is shared by the copies Interactive makes, so the whole command
	// (one Factory, one store) pays for a hung keyring once.
	hung *hungState
}

// hungState remembers that a call got no answer: go-keyring cannot be
// cancelled, so the bus is stuck and every later call would wait the full
// timeout too. Later calls fail at once instead.
type hungState struct {
	mu     sync.Mutex
	reason string
}

// hungState is s.hung, made on first use for stores built without NewKeyring.
func (s *keyringStore) hungState() *hungState {
	if s.hung == nil {
		s.hung = &hungState{}
	}
	return s.hung
}

func (h *hungState) get() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reason
}

func (h *hungState) set(reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.reason == "" {
		h.reason = reason
	}
}

// NewKeyring returns the OS keyring store, configured from the environment:
// WWCLI_KEYRING=off disables it without touching D-Bus, WWCLI_KEYRING_TIMEOUT
// (a duration like 5s, or whole seconds) bounds each call.
func NewKeyring(getenv func(string) string) Store {
	timeout, timeoutErr := keyringTimeout(getenv)
	s := &keyringStore{backend: zalando{}, timeout: timeout, timeoutSet: getenv("WWCLI_KEYRING_TIMEOUT") != "", hung: &hungState{}}
	switch {
	case getenv("WWCLI_KEYRING") == "off":
		s.unavailable = "disabled by WWCLI_KEYRING=off"
	case timeoutErr != nil:
		s.unavailable = timeoutErr.Error()
	case needsSessionBus() && !sessionBusAvailable(getenv):
		// go-keyring would try to autolaunch dbus-launch; never do that.
		s.unavailable = "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
	}
	return s
}

// keyringTimeout reads WWCLI_KEYRING_TIMEOUT: a duration ("5s") or whole
// seconds ("5"). Anything else is an error, never silently the default.
func keyringTimeout(getenv func(string) string) (time.Duration, error) {
	v := getenv("WWCLI_KEYRING_TIMEOUT")
	if v == "" {
		return DefaultKeyringTimeout, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d, nil
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second, nil
	}
	return DefaultKeyringTimeout, fmt.Errorf("WWCLI_KEYRING_TIMEOUT=%q is not a positive duration: use e.g. WWCLI_KEYRING_TIMEOUT=10s", v)
}

// Interactive is the keyring with the interactive timeout.
func (s *keyringStore) Interactive() Store {
	if s.timeoutSet {
		return s
	}
	s.hungState() // shared with the copy
	c := *s
	c.timeout = InteractiveKeyringTimeout
	return &c
}

// probeAccount is looked up (never written) to see whether the keyring answers.
const probeAccount = "wwcli-probe"

// Probe looks up an account that is never stored: "not found" means the
// keyring works. A locked keyring may show its unlock dialog here, before
// the secret is asked for.
func (s *keyringStore) Probe(ctx context.Context) error {
	_, err := s.Get(ctx, probeAccount)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// needsSessionBus: the Secret Service backend (Linux, BSD) talks D-Bus;
// macOS and Windows keyrings do not.
func needsSessionBus() bool {
	return runtime.GOOS != "darwin" && runtime.GOOS != "windows"
}

// sessionBusAvailable mirrors how godbus finds the session bus, minus the
// autolaunch: an explicit address, or the per-user socket in the runtime dir.
func sessionBusAvailable(getenv func(string) string) bool {
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return true
	}
	runtimeDir := getenv("XDG_RUNTIME_DIR")
	if runtimeDir == "" {
		runtimeDir = filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	}
	st, err := os.Stat(filepath.Join(runtimeDir, "bus"))
	return err == nil && st.Mode()&os.ModeSocket != 0
}

func (s *keyringStore) Kind() string     { return "keyring" }
func (s *keyringStore) Location() string { return "OS keyring (service \"" + Service + "\")" }

func (s *keyringStore) Get(ctx context.Context, account string) (string, error) {
	var out string
	err := s.call(ctx, func() error {
		v, err := s.backend.Get(Service, account)
		out = v
		return err
	})
	return out, err
}

func (s *keyringStore) Set(ctx context.Context, account, secret string) error {
	return s.call(ctx, func() error { return s.backend.Set(Service, account, secret) })
}

func (s *keyringStore) Delete(ctx context.Context, account string) error {
	return s.call(ctx, func() error { return s.backend.Delete(Service, account) })
}

// call runs fn with the timeout. go-keyring takes no context, so a stuck
// call is abandoned in its goroutine; the process exits soon after anyway.
// Once a call timed out, the rest fail at once: the bound is per command.
func (s *keyringStore) call(ctx context.Context, fn func() error) error {
	if s.unavailable != "" {
		return &UnavailableError{Reason: s.unavailable}
	}
	if reason := s.hungState().get(); reason != "" {
		return &UnavailableError{Reason: reason}
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return translate(err)
	case <-timer.C:
		reason := fmt.Sprintf("no answer within %s (locked, or waiting for an unlock prompt?); raise WWCLI_KEYRING_TIMEOUT if you need time to type a password", s.timeout)
		s.hung.set(reason)
		return &UnavailableError{Reason: reason}
	case <-ctx.Done():
		return ctx.Err()
	}
}

func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("secret too large for the OS keyring: %w", err)
	default:
		return &UnavailableError{Reason: err.Error()}
	}
}
