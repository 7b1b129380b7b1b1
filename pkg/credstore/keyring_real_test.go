//go:build keyring

package credstore

import (
	"context"
	"errors"
	"os"
	"testing"
)

// Runs against a real Secret Service: .ci/run calls it through
// scripts/with-keyring.sh (a private D-Bus session + gnome-keyring).
func TestRealKeyringRoundTrip(t *testing.T) {
	s := NewKeyring(os.Getenv)
	ctx := context.Background()
	account := "wwcli-test-" + t.Name()
	t.Cleanup(func() { _ = s.Delete(ctx, account) })
	if _, err := s.Get(ctx, account); !errors.Is(err, ErrNotFound) {
		t.Fatalf("fresh keyring should say not found, got %v", err)
	}
	if err := s.Set(ctx, account, "秘密-secret"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(ctx, account); err != nil || v != "秘密-secret" {
		t.Fatalf("got %q %v", v, err)
	}
	if err := s.Delete(ctx, account); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, account); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// The probe answers "works" from a real keyring and stores nothing.
func TestRealKeyringProbe(t *testing.T) {
	s := NewKeyring(os.Getenv)
	ctx := context.Background()
	if err := Probe(ctx, s); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if _, err := s.Get(ctx, probeAccount); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the probe must store nothing: %v", err)
	}
	if err := Probe(ctx, Interactive(s)); err != nil {
		t.Fatalf("interactive probe: %v", err)
	}
}
