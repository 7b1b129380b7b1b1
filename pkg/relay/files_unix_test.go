//go:build unix

package relay_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/relay"
	"github.com/wwcli/wwcli/pkg/safedir"
)

// writeFile writes data with exactly mode (no umask).
func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// otherUID is a user id that is neither us nor root (the audit's mallory).
const otherUID = 1002

// N1: whoever can write the clients file picks the tokens that get in.
func TestLoadClientsRefusesFilesOthersCouldWrite(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "clients.json")
	writeFile(t, good, clientsJSON(), 0o600)
	if cs, err := relay.LoadClients(good); err != nil || len(cs.Names()) != 3 {
		t.Fatalf("own 0600 file: %v", err)
	}
	open := filepath.Join(dir, "open.json")
	writeFile(t, open, clientsJSON(), 0o666)
	var unsafe *safedir.UnsafeError
	if _, err := relay.LoadClients(open); !errors.As(err, &unsafe) || !strings.Contains(err.Error(), "chmod go-w "+open) {
		t.Fatalf("0666 file: %v", err)
	}
	shared := filepath.Join(dir, "shared")
	if err := os.Mkdir(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	inShared := filepath.Join(shared, "clients.json")
	writeFile(t, inShared, clientsJSON(), 0o600)
	if _, err := relay.LoadClients(inShared); !errors.As(err, &unsafe) || !strings.Contains(err.Error(), "chmod go-w "+shared) {
		t.Fatalf("own file in a 0777 directory (anyone can replace it): %v", err)
	}
}

func TestLoadClientsRefusesAnotherUsersFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	path := filepath.Join(t.TempDir(), "clients.json")
	writeFile(t, path, clientsJSON(), 0o644)
	if err := os.Chown(path, otherUID, otherUID); err != nil {
		t.Fatal(err)
	}
	if _, err := relay.LoadClients(path); err == nil || !strings.Contains(err.Error(), "owned by uid 1002") {
		t.Fatalf("mallory's clients file: %v", err)
	}
}

// N11: a FIFO at the clients path is refused at once, never waited on.
func TestLoadClientsNeverBlocksOnAFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clients.json")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := relay.LoadClients(path); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, safedir.ErrNotRegular) {
			t.Fatalf("FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		// unblock the open for the test's sake, then fail
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatal("LoadClients blocked on a FIFO")
	}
}

// N1: a symlink planted at the audit log's path would have the relay
// append client-chosen text to the file it points at.
func TestOpenAuditLogNeverFollowsASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "bashrc")
	writeFile(t, target, "# victim's shell file\n", 0o600)
	link := filepath.Join(dir, "audit.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if f, err := relay.OpenAuditLog(link); err == nil {
		f.Close()
		t.Fatal("opened the audit log through a symlink")
	}
	if b, _ := os.ReadFile(target); string(b) != "# victim's shell file\n" {
		t.Fatalf("the symlink's target changed: %q", b)
	}
	// a fresh log is the relay's own, 0600
	fresh := filepath.Join(dir, "fresh.jsonl")
	f, err := relay.OpenAuditLog(fresh)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if info, err := os.Stat(fresh); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("new audit log: %v %v", info.Mode(), err)
	}
}
