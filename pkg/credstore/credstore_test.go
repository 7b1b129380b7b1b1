package credstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

type fakeBackend struct {
	m     map[string]string
	err   error
	block chan struct{} // when set, calls wait on it
	calls atomic.Int32  // every call, answered or not
}

func (f *fakeBackend) wait() {
	f.calls.Add(1)
	if f.block != nil {
		<-f.block
	}
}
func (f *fakeBackend) Get(s, u string) (string, error) {
	f.wait()
	if f.err != nil {
		return "", f.err
	}
	v, ok := f.m[s+"/"+u]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}
func (f *fakeBackend) Set(s, u, p string) error {
	f.wait()
	if f.err != nil {
		return f.err
	}
	f.m[s+"/"+u] = p
	return nil
}
func (f *fakeBackend) Delete(s, u string) error {
	f.wait()
	if _, ok := f.m[s+"/"+u]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.m, s+"/"+u)
	return nil
}

func TestKeyringRoundTripAndNotFound(t *testing.T) {
	s := &keyringStore{backend: &fakeBackend{m: map[string]string{}}, timeout: time.Second}
	ctx := context.Background()
	if _, err := s.Get(ctx, "default"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	if err := s.Set(ctx, "default", "sec"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(ctx, "default"); err != nil || v != "sec" {
		t.Fatalf("got %q %v", v, err)
	}
	if err := s.Delete(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "default"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestKeyringBackendErrorIsUnavailableNotNotFound(t *testing.T) {
	s := &keyringStore{backend: &fakeBackend{err: errors.New("failed to unlock correct collection")}, timeout: time.Second}
	_, err := s.Get(context.Background(), "default")
	if !IsUnavailable(err) || errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v", err)
	}
	for _, fix := range []string{"WWCLI_SECRET", "dbus-run-session", "--insecure-storage"} {
		if !strings.Contains(err.Error(), fix) {
			t.Errorf("error should name the fix %q:\n%s", fix, err)
		}
	}
}

func TestKeyringTimeout(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	s := &keyringStore{backend: &fakeBackend{m: map[string]string{}, block: block}, timeout: 30 * time.Millisecond}
	_, err := s.Get(context.Background(), "default")
	if !IsUnavailable(err) || !strings.Contains(err.Error(), "WWCLI_KEYRING_TIMEOUT") {
		t.Fatalf("got %v", err)
	}
}

func TestKeyringTimeoutFromEnv(t *testing.T) {
	cases := map[string]time.Duration{"": DefaultKeyringTimeout, "5s": 5 * time.Second, "7": 7 * time.Second}
	for v, want := range cases {
		if got, err := keyringTimeout(envMap(map[string]string{"WWCLI_KEYRING_TIMEOUT": v})); got != want || err != nil {
			t.Errorf("%q: got %v %v want %v", v, got, err, want)
		}
	}
	// A value that is not a duration is said, never silently the default.
	for _, bad := range []string{"abc", "-1s", "0"} {
		s := NewKeyring(envMap(map[string]string{"WWCLI_KEYRING_TIMEOUT": bad, "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"})).(*keyringStore)
		s.backend = &fakeBackend{err: errors.New("backend must not be called")}
		_, err := s.Get(context.Background(), "default")
		if !IsUnavailable(err) || !strings.Contains(err.Error(), "WWCLI_KEYRING_TIMEOUT=\""+bad+"\" is not a positive duration") {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

// An interactive login waits longer for the keyring (an unlock dialog),
// unless WWCLI_KEYRING_TIMEOUT chose the bound.
func TestInteractiveTimeout(t *testing.T) {
	bus := map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}
	if got := Interactive(NewKeyring(envMap(bus))).(*keyringStore).timeout; got != InteractiveKeyringTimeout || got <= DefaultKeyringTimeout {
		t.Fatalf("interactive timeout %v", got)
	}
	bus["WWCLI_KEYRING_TIMEOUT"] = "2s"
	if got := Interactive(NewKeyring(envMap(bus))).(*keyringStore).timeout; got != 2*time.Second {
		t.Fatalf("WWCLI_KEYRING_TIMEOUT must win, got %v", got)
	}
	m := NewMemory()
	if Interactive(m) != m {
		t.Fatal("other stores are returned as they are")
	}
}

func TestProbe(t *testing.T) {
	ctx := context.Background()
	works := &keyringStore{backend: &fakeBackend{m: map[string]string{}}, timeout: time.Second}
	if err := Probe(ctx, works); err != nil {
		t.Fatalf("a working keyring: %v", err)
	}
	if len(works.backend.(*fakeBackend).m) != 0 {
		t.Fatal("a probe must store nothing")
	}
	broken := &keyringStore{backend: &fakeBackend{err: errors.New("no such interface")}, timeout: time.Second}
	if err := Probe(ctx, broken); !IsUnavailable(err) {
		t.Fatalf("a broken keyring: %v", err)
	}
	off := NewKeyring(envMap(map[string]string{"WWCLI_KEYRING": "off"}))
	if err := Probe(ctx, off); !IsUnavailable(err) {
		t.Fatalf("keyring off: %v", err)
	}
	path := filepath.Join(t.TempDir(), "secrets.json")
	if err := Probe(ctx, NewFile(path)); err != nil {
		t.Fatalf("a missing secrets file is fine: %v", err)
	}
	os.WriteFile(path, []byte("{"), 0o600)
	if err := Probe(ctx, NewFile(path)); err == nil || !strings.Contains(err.Error(), "fix or remove") {
		t.Fatalf("a corrupt secrets file: %v", err)
	}
	if err := Probe(ctx, NewMemory()); err != nil {
		t.Fatal(err)
	}
}

// Two processes storing different accounts at once both land (the file is
// locked across read-modify-write).
func TestFileStoreConcurrentSetsKeepEveryAccount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.json")
	const n = 8
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// A store per goroutine, as separate processes would have.
			if err := NewFile(path).Set(context.Background(), fmt.Sprintf("p%d", i), "s"); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	b, _ := os.ReadFile(path)
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || len(m) != n {
		t.Fatalf("want %d accounts, got %v %v", n, m, err)
	}
}

func TestFileStoreErrorsNameTheFileNotATempFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	err := NewFile(filepath.Join(file, "secrets.json")).Set(context.Background(), "a", "x")
	if err == nil || !strings.HasPrefix(err.Error(), "saving secrets file "+filepath.Join(file, "secrets.json")) || strings.Contains(err.Error(), ".tmp-") {
		t.Fatalf("got %v", err)
	}
	denied := fileError("saving", "/cfg/secrets.json", &os.PathError{Op: "open", Path: "/cfg/.tmp-1", Err: os.ErrPermission})
	if denied.Error() != "saving secrets file /cfg/secrets.json: permission denied; check the permissions of /cfg or set WWCLI_CONFIG_DIR" {
		t.Fatalf("got %q", denied)
	}
}

func TestKeyringOffNeverCallsBackend(t *testing.T) {
	s := NewKeyring(envMap(map[string]string{"WWCLI_KEYRING": "off", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"})).(*keyringStore)
	s.backend = &fakeBackend{err: errors.New("backend must not be called")}
	_, err := s.Get(context.Background(), "x")
	if !IsUnavailable(err) || !strings.Contains(err.Error(), "WWCLI_KEYRING=off") {
		t.Fatalf("got %v", err)
	}
}

func TestSessionBusDetection(t *testing.T) {
	if !sessionBusAvailable(envMap(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"})) {
		t.Fatal("an explicit address counts")
	}
	if sessionBusAvailable(envMap(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:", "XDG_RUNTIME_DIR": t.TempDir()})) {
		t.Fatal("autolaunch: must not count")
	}
}

func TestFileStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "secrets.json")
	s := NewFile(path)
	ctx := context.Background()
	if _, err := s.Get(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty store: %v", err)
	}
	if err := s.Set(ctx, "a", "one"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "b", "two"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get(ctx, "a"); v != "one" {
		t.Fatalf("got %q", v)
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get(ctx, "b"); v != "two" {
		t.Fatal("deleting a must keep b")
	}
	if !strings.Contains(s.Location(), "plain text") || s.Kind() != "file" {
		t.Fatal("location must warn about plain text")
	}
}

func TestFileStoreNeverOverwritesCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.json")
	os.WriteFile(path, []byte("{broken"), 0o600)
	s := NewFile(path)
	if err := s.Set(context.Background(), "a", "x"); err == nil || !strings.Contains(err.Error(), "fix or remove") {
		t.Fatalf("got %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "{broken" {
		t.Fatal("the corrupt file was changed")
	}
}

func TestMemoryStore(t *testing.T) {
	s := NewMemory()
	ctx := context.Background()
	s.Set(ctx, "a", "1")
	if v, err := s.Get(ctx, "a"); v != "1" || err != nil {
		t.Fatal(v, err)
	}
	if err := s.Delete(ctx, "zz"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}

// A hung keyring costs one timeout per command, not one per call: after
// the first call times out, the rest fail at once as unavailable (auth
// status with 3 profiles took 9 s).
func TestKeyringTimeoutIsPerCommand(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	backend := &fakeBackend{m: map[string]string{}, block: block}
	s := &keyringStore{backend: backend, timeout: 200 * time.Millisecond}
	interactive := s.Interactive()
	for i, st := range []Store{s, s, s, interactive} {
		if _, err := st.Get(context.Background(), fmt.Sprintf("p%d", i)); !IsUnavailable(err) {
			t.Fatalf("call %d: got %v", i, err)
		}
	}
	if err := s.Set(context.Background(), "p", "x"); !IsUnavailable(err) {
		t.Fatalf("set: got %v", err)
	}
	// Counted, not timed: each call that reaches the hung backend costs a
	// timeout, and only the first may.
	if n := backend.calls.Load(); n != 1 {
		t.Fatalf("5 calls on a hung keyring reached it %d times, want once (one timeout)", n)
	}
}
