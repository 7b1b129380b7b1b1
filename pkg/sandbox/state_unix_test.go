//go:build unix

package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The state file decides what the sandbox answers (live tokens, members,
// the clock): one that another local user could have written is refused
// with the fix, not loaded, and left as it is.
func TestStateFileOthersCouldWriteIsRefused(t *testing.T) {
	planted := []byte(`{"format":1,"clock_offset_ns":360000000000000,"corps":[]}`)
	type stateCase struct {
		name string
		set  func(t *testing.T, dir, file string)
		want string
	}
	cases := []stateCase{
		{"file writable by others", func(t *testing.T, _, file string) { chmod(t, file, 0o666) },
			"writable by group or others (mode 0666) (another local user could change it); fix: chmod go-w "},
		{"file writable by the group", func(t *testing.T, _, file string) { chmod(t, file, 0o620) },
			"writable by group or others (mode 0620)"},
		{"directory writable by others", func(t *testing.T, dir, _ string) { chmod(t, dir, 0o777) },
			"writable by group or others (mode 0777)"},
	}
	if os.Geteuid() == 0 { // only root can give a file away
		cases = append(cases,
			stateCase{"file owned by another user", func(t *testing.T, _, file string) { chown(t, file, 65534) }, "owned by uid 65534, not you"},
			stateCase{"directory owned by another user", func(t *testing.T, dir, _ string) { chown(t, dir, 65534) }, "owned by uid 65534, not you"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "state.json")
			if err := os.WriteFile(file, planted, 0o600); err != nil {
				t.Fatal(err)
			}
			c.set(t, dir, file)
			s, err := Open(Options{StatePath: file})
			if err == nil {
				_ = s.Close()
				t.Fatalf("loaded a state file (%s)", c.name)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "refusing to use ") {
				t.Fatalf("error %q, want %q", err, c.want)
			}
			if data, _ := os.ReadFile(file); string(data) != string(planted) {
				t.Fatalf("the refused file was rewritten: %s", data)
			}
		})
	}
}

// The file the sandbox writes passes its own check on the next start.
func TestStateFileWrittenIsTrusted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.json")
	e := openEnv(t, path)
	e.token(DemoAppSecret)
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, filepath.Dir(path)} {
		info, err := os.Stat(p)
		if err != nil || info.Mode().Perm()&0o077 != 0 {
			t.Fatalf("%s: %v %v", p, info.Mode(), err)
		}
	}
	s, err := Open(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func chown(t *testing.T, path string, uid int) {
	t.Helper()
	if err := os.Chown(path, uid, -1); err != nil {
		t.Fatal(err)
	}
}
