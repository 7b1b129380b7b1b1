package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openEnv starts a server with a state file, like `wwcli sandbox --state`.
func openEnv(t *testing.T, path string) *env {
	t.Helper()
	s, err := Open(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &env{t: t, s: s, base: base}
}

// A token, a member written with user/create, a message and the clock
// survive a restart; a client that cached the token keeps working (F4).
func TestStateSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := openEnv(t, path)
	at := e.token(DemoAppSecret)
	ct := e.token(DemoContactSecret)
	wantCode(t, e.post("/cgi-bin/user/create", `{"userid":"NewHire","name":"新人","department":[2],"mobile":"13900000009"}`, "access_token", ct), 0)
	wantCode(t, e.post("/cgi-bin/message/send", `{"touser":"newhire","msgtype":"text","agentid":1000002,"text":{"content":"welcome"}}`, "access_token", at), 0)
	e.s.Advance(10 * time.Minute)
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", info, err)
	}

	e2 := openEnv(t, path)
	a := e2.get("/cgi-bin/user/get", "access_token", at, "userid", "newhire")
	if wantCode(t, a, 0); a.str("userid") != "NewHire" {
		t.Fatalf("after restart: %s", a.raw)
	}
	if got := e2.token(DemoAppSecret); got != at {
		t.Fatal("gettoken after a restart minted a new token while the old one lives")
	}
	if m := e2.s.Messages(); len(m) != 1 || m[0].ToUsers[0] != "NewHire" {
		t.Fatalf("messages after restart: %+v", m)
	}
	// the clock offset too: 10 minutes used, 1h50m left
	e2.s.Advance(111 * time.Minute)
	wantCode(t, e2.get("/cgi-bin/user/get", "access_token", at, "userid", "zhangsan"), 42001)

	// Reset puts the contacts back as the fixtures had them
	e2.s.Reset()
	ct2 := e2.token(DemoContactSecret)
	wantCode(t, e2.get("/cgi-bin/user/get", "access_token", ct2, "userid", "newhire"), 60111)
}

// Deleting a member that an app's visible range names, a tag and a menu
// all come back after a restart.
func TestStateKeepsDeletesTagsAndMenus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := openEnv(t, path)
	ct := e.token(DemoContactSecret)
	at := e.token(DemoAppSecret)
	wantCode(t, e.get("/cgi-bin/user/delete", "access_token", ct, "userid", "zhangsan"), 0) // in app 2's allow_users
	wantCode(t, e.post("/cgi-bin/tag/create", `{"tagname":"值班"}`, "access_token", at), 0)
	wantCode(t, e.post("/cgi-bin/menu/create", `{"button":[{"type":"click","name":"a","key":"k"}]}`, "access_token", at, "agentid", "1000002"), 0)
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := openEnv(t, path)
	wantCode(t, e2.get("/cgi-bin/user/get", "access_token", ct, "userid", "zhangsan"), 60111)
	wantCode(t, e2.get("/cgi-bin/tag/get", "access_token", at, "tagid", "3"), 0)
	wantCode(t, e2.get("/cgi-bin/tag/delete", "access_token", e2.token(DemoApp2Secret), "tagid", "3"), 60011) // still app 1's
	wantCode(t, e2.get("/cgi-bin/menu/get", "access_token", at, "agentid", "1000002"), 0)
}

// The saver writes changes without waiting for Close.
func TestStateIsSavedOnChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := openEnv(t, path)
	at := e.token(DemoAppSecret)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && strings.Contains(string(data), at) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the token did not reach the state file within 5s")
}

// A state file that cannot be used is an error naming the file and the
// fix, never a silent fresh start.
func TestCorruptStateIsAnError(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"garbled":    `{"format":1,`,
		"format":     `{"format":99}`,
		"other corp": `{"format":1,"corps":[{"corpid":"wwother"}]}`,
		"bad member": `{"format":1,"corps":[{"corpid":"` + DemoCorpID + `","departments":[{"id":1,"name":"r"}],"users":[{"userid":"u","name":"U","department":[7]}]}]}`,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(Options{StatePath: path})
		if err == nil {
			_ = s.Close()
			t.Fatalf("%s: no error", name)
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "move it away to start afresh") {
			t.Fatalf("%s: %v", name, err)
		}
		if data, _ := os.ReadFile(path); string(data) != body {
			t.Fatalf("%s: the file was changed", name)
		}
	}
}

func TestNewestMessagesFitTheBudget(t *testing.T) {
	msgs := []Message{{MsgID: "a", Body: make([]byte, 6)}, {MsgID: "b", Body: make([]byte, 5)}, {MsgID: "c", Body: make([]byte, 4)}}
	if got := newestMessages(msgs, 10); len(got) != 2 || got[0].MsgID != "b" {
		t.Fatalf("%+v", got)
	}
	if got := newestMessages(msgs, 3); len(got) != 0 || got == nil {
		t.Fatalf("%+v", got)
	}
}

// A state path that cannot be written fails at start.
func TestUnwritableStatePathFailsAtStart(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(blocker, "state.json"), filepath.Join(blocker, "sub", "state.json")} {
		s, err := Open(Options{StatePath: path}) // under a file
		if err == nil {
			_ = s.Close()
			t.Fatalf("%s: no error", path)
		}
		if !strings.Contains(err.Error(), "use a --state path you can read and write") {
			t.Fatal(err)
		}
	}
}

// A token the state file cannot describe (kind app, no app) is left out,
// so the file stays loadable.
func TestStateSkipsTokensOfNoApp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := openEnv(t, path)
	e.s.mu.Lock()
	e.s.storeToken("orphan", &token{corp: e.s.corps[DemoCorpID], expires: e.s.nowLocked().Add(time.Hour)})
	e.s.changed()
	e.s.mu.Unlock()
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.tokens["orphan"] != nil {
		t.Fatal("the orphan token came back")
	}
}
