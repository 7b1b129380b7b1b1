//go:build unix

package safedir

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// otherUID owns the "other user's" files: as root (CI) os.Chown gives a
// file away; elsewhere the same check is made as if we were someone else.
const otherUID = 1002

// tempDir is t.TempDir with symlinks resolved (macOS's /var is one), so
// the paths errors name are the ones the test built.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func write(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, path string, mode os.FileMode) string {
	t.Helper()
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantUnsafe: err is an *UnsafeError about path whose text has want.
func wantUnsafe(t *testing.T, what string, err error, path, want string) {
	t.Helper()
	var ue *UnsafeError
	if !errors.As(err, &ue) || ue.Path != path || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: got %v, want an UnsafeError about %s saying %q", what, err, path, want)
	}
}

// within fails the test if f does not return in 5 s: a FIFO must never
// block an open.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("%s blocked", what)
		return nil
	}
}

func TestReadTrustedReadsOwnFilesAndSymlinksToThem(t *testing.T) {
	dir := tempDir(t)
	p := filepath.Join(dir, "clients.json")
	write(t, p, `{"clients":[]}`, 0o644) // readable by others is fine
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{p, link} {
		if data, err := ReadTrusted(path, 100); err != nil || string(data) != `{"clients":[]}` {
			t.Errorf("%s: %q %v", path, data, err)
		}
	}
	if _, err := ReadTrusted(filepath.Join(dir, "missing.json"), 100); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := ReadTrusted(p, 0); err == nil {
		t.Error("a zero limit was accepted")
	}
}

func TestReadTrustedRefusesFilesOthersCanWrite(t *testing.T) {
	dir := tempDir(t)
	p := filepath.Join(dir, "clients.json")
	write(t, p, "{}", 0o666)
	_, err := ReadTrusted(p, 100)
	wantUnsafe(t, "0666 file", err, p, "chmod go-w "+p)
	write(t, p, "{}", 0o620)
	_, err = ReadTrusted(p, 100)
	wantUnsafe(t, "0620 file", err, p, "writable by group")

	// A 0600 file in a 0777 directory: the owner of the directory's
	// other entries could swap it.
	shared := mkdir(t, filepath.Join(dir, "shared"), 0o777)
	inShared := filepath.Join(shared, "clients.json")
	write(t, inShared, "{}", 0o600)
	_, err = ReadTrusted(inShared, 100)
	wantUnsafe(t, "file in a 0777 dir", err, shared, "chmod go-w "+shared)

	// A symlink there to a good file: whoever writes the directory
	// chooses what the name points at.
	good := filepath.Join(dir, "good.json")
	write(t, good, "{}", 0o600)
	link := filepath.Join(shared, "link.json")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	_, err = ReadTrusted(link, 100)
	wantUnsafe(t, "symlink in a 0777 dir", err, shared, "chmod go-w")
	// A symlink from a good directory into the shared one: the target's
	// directory counts.
	link2 := filepath.Join(dir, "link2.json")
	if err := os.Symlink(inShared, link2); err != nil {
		t.Fatal(err)
	}
	_, err = ReadTrusted(link2, 100)
	wantUnsafe(t, "symlink into a 0777 dir", err, shared, "chmod go-w")

	// The sticky bit (like /tmp) makes the directory fine.
	if err := os.Chmod(shared, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTrusted(inShared, 100); err != nil {
		t.Errorf("file in a sticky dir: %v", err)
	}
}

func TestReadTrustedRefusesAnotherUsersFile(t *testing.T) {
	dir := tempDir(t)
	p := filepath.Join(dir, "clients.json")
	write(t, p, "{}", 0o644)
	if err := os.Chown(p, otherUID, otherUID); err != nil {
		// Not root: judge our own file as if we were someone else.
		info, _ := os.Stat(p)
		err := checkAs(p, info, false, fixOwnFile, os.Geteuid()+1)
		wantUnsafe(t, "file of another uid", err, p, "not you")
		return
	}
	_, err := ReadTrusted(p, 100)
	wantUnsafe(t, "file of uid 1002", err, p, "owned by uid 1002, not you")
	if !strings.Contains(err.Error(), "fix: use a file you own") {
		t.Errorf("no fix: %v", err)
	}
	// Root's files are trusted (as /etc is).
	if err := os.Chown(p, 0, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTrusted(p, 100); err != nil {
		t.Errorf("root's file: %v", err)
	}
}

func TestReadTrustedLimit(t *testing.T) {
	p := filepath.Join(tempDir(t), "f")
	write(t, p, strings.Repeat("x", 10), 0o600)
	if data, err := ReadTrusted(p, 10); err != nil || len(data) != 10 {
		t.Fatalf("exactly the limit: %d %v", len(data), err)
	}
	_, err := ReadTrusted(p, 9)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "at most 9") || !strings.Contains(err.Error(), p) {
		t.Fatalf("over the limit: %v", err)
	}
}

func TestReadTrustedNeverBlocksOnFIFOOrDevice(t *testing.T) {
	fifo := filepath.Join(tempDir(t), "clients.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	err := within(t, "ReadTrusted on a FIFO", func() error { _, err := ReadTrusted(fifo, 100); return err })
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "a FIFO") {
		t.Fatalf("FIFO: %v", err)
	}
	// /dev/zero never ends: refused before any read.
	err = within(t, "ReadTrusted on /dev/zero", func() error { _, err := ReadTrusted("/dev/zero", 100); return err })
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "a device") {
		t.Fatalf("/dev/zero: %v", err)
	}
}

func TestOpenAppendCreatesPrivateFileAndAppends(t *testing.T) {
	p := filepath.Join(tempDir(t), "audit.jsonl")
	for _, line := range []string{"one\n", "two\n"} {
		f, err := OpenAppend(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(line); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	info, err := os.Stat(p)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", info.Mode(), err)
	}
	if data, _ := os.ReadFile(p); string(data) != "one\ntwo\n" {
		t.Fatalf("%q", data)
	}
	// An existing 0644 log of ours is fine.
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenAppend(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// N1: a symlink planted at the log path is never followed: its target is
// neither created nor written.
func TestOpenAppendNeverFollowsASymlink(t *testing.T) {
	dir := tempDir(t)
	rc := filepath.Join(dir, "bashrc")
	log := filepath.Join(dir, "relay-audit.jsonl")
	if err := os.Symlink(rc, log); err != nil {
		t.Fatal(err)
	}
	_, err := OpenAppend(log)
	wantUnsafe(t, "dangling symlink", err, log, "it is a symlink")
	if _, err := os.Lstat(rc); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the symlink's target was created (%v)", err)
	}
	write(t, rc, "# mine\n", 0o600)
	_, err = OpenAppend(log)
	wantUnsafe(t, "symlink to an existing file", err, log, "remove the symlink")
	if data, _ := os.ReadFile(rc); string(data) != "# mine\n" {
		t.Fatalf("the target changed: %q", data)
	}
}

// A hard link to one of our files, planted at the log's name, passes the
// owner and mode checks; the link count gives it away.
func TestOpenAppendRefusesAHardLink(t *testing.T) {
	dir := tempDir(t)
	rc := filepath.Join(dir, "bashrc")
	write(t, rc, "# mine\n", 0o600)
	log := filepath.Join(dir, "audit.jsonl")
	if err := os.Link(rc, log); err != nil {
		t.Fatal(err)
	}
	_, err := OpenAppend(log)
	wantUnsafe(t, "hard link", err, log, "2 hard links")
	if data, _ := os.ReadFile(rc); string(data) != "# mine\n" {
		t.Fatalf("the linked file changed: %q", data)
	}
}

func TestOpenAppendRefusesWhatOthersCanChange(t *testing.T) {
	dir := tempDir(t)
	p := filepath.Join(dir, "audit.jsonl")
	write(t, p, "", 0o666)
	_, err := OpenAppend(p)
	wantUnsafe(t, "0666 log", err, p, "chmod go-w "+p)

	shared := mkdir(t, filepath.Join(dir, "logs"), 0o777)
	inShared := filepath.Join(shared, "audit.jsonl")
	_, err = OpenAppend(inShared)
	wantUnsafe(t, "log in a 0777 dir", err, shared, "chmod go-w "+shared)
	if _, err := os.Lstat(inShared); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the log was created in the shared dir (%v)", err)
	}
	if err := os.Chmod(shared, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	f, err := OpenAppend(inShared)
	if err != nil {
		t.Fatalf("sticky dir: %v", err)
	}
	f.Close()

	// In a sticky dir, another user can create the name first.
	if err := os.Chown(inShared, otherUID, otherUID); err != nil {
		info, _ := os.Stat(inShared)
		wantUnsafe(t, "log of another uid", checkAs(inShared, info, false, fixOwnFile, os.Geteuid()+1), inShared, "not you")
		return
	}
	_, err = OpenAppend(inShared)
	wantUnsafe(t, "log of uid 1002", err, inShared, "owned by uid 1002")
}

func TestOpenAppendNeverBlocksOnAFIFO(t *testing.T) {
	fifo := filepath.Join(tempDir(t), "audit.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Nobody reads: a blocking open would wait forever.
	err := within(t, "OpenAppend on a FIFO", func() error { _, err := OpenAppend(fifo); return err })
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "a FIFO") {
		t.Fatalf("FIFO without a reader: %v", err)
	}
	// Someone reads: the open succeeds, the file kind is still refused.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	err = within(t, "OpenAppend on a read FIFO", func() error { _, err := OpenAppend(fifo); return err })
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("FIFO with a reader: %v", err)
	}
}

func TestMkdirPrivate(t *testing.T) {
	base := tempDir(t)
	dir := filepath.Join(base, "rec", "sub")
	if err := MkdirPrivate(dir); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("%v %v", info, err)
	}
	shared := mkdir(t, filepath.Join(base, "shared"), 0o777)
	err := MkdirPrivate(filepath.Join(shared, "rec"))
	wantUnsafe(t, "under a 0777 dir", err, shared, "chmod go-w "+shared)
	if _, err := os.Lstat(filepath.Join(shared, "rec")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("created under a shared dir (%v)", err)
	}
	// A directory someone else made first (in /tmp, say) is not ours to fill.
	theirs := mkdir(t, filepath.Join(base, "theirs"), 0o700)
	if err := os.Chown(theirs, otherUID, otherUID); err != nil {
		info, _ := os.Stat(theirs)
		wantUnsafe(t, "dir of another uid", checkAs(theirs, info, true, fixOwnDir, os.Geteuid()+1), theirs, "not you")
		return
	}
	wantUnsafe(t, "dir of uid 1002", MkdirPrivate(theirs), theirs, "owned by uid 1002")
}
