//go:build unix && !darwin

// The Secret Service (D-Bus) is the keyring on Unix systems other than
// macOS; macOS has the Keychain and Windows the Credential Manager, which
// need no session bus, so this file is not built there.

package credstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With no session bus, the store answers "unavailable" at once and never
// autolaunches D-Bus: a fake dbus-launch on PATH would leave a marker.
func TestNoSessionBusFailsFastWithoutLaunching(t *testing.T) {
	if !needsSessionBus() {
		t.Fatal("the build constraint of this file and needsSessionBus disagree")
	}
	bin := t.TempDir()
	marker := filepath.Join(bin, "launched")
	script := "#!/bin/sh\ntouch " + marker + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	env := envMap(map[string]string{"XDG_RUNTIME_DIR": t.TempDir()})
	s := NewKeyring(env)
	for _, call := range []func() error{
		func() error { _, err := s.Get(context.Background(), "default"); return err },
		func() error { return s.Set(context.Background(), "default", "x") },
		func() error { return s.Delete(context.Background(), "default") },
	} {
		if err := call(); !IsUnavailable(err) || !strings.Contains(err.Error(), "D-Bus") {
			t.Fatalf("got %v", err)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("dbus-launch was started")
	}
}
