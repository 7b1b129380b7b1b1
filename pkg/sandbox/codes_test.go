package sandbox

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func frozenCodeFile(t *testing.T) *CodeFile {
	t.Helper()
	f := NewCodeFile(t.TempDir())
	f.Now = func() time.Time { return testEpoch }
	return f
}

func TestCodeFileSaveTake(t *testing.T) {
	f := frozenCodeFile(t)
	c := StoredCode{CorpID: DemoCorpID, UserID: "zhangsan", Scope: "snsapi_base", Type: codeOAuth, Expires: testEpoch.Add(codeTTL)}
	if err := f.Save("C1", c); err != nil {
		t.Fatal(err)
	}
	yes := func(StoredCode) bool { return true }
	if _, ok, err := f.Take("C1", func(StoredCode) bool { return false }); ok || err != nil {
		t.Fatalf("a refused code is not taken: %v %v", ok, err)
	}
	got, ok, err := f.Take("C1", yes)
	if err != nil || !ok || got != c {
		t.Fatalf("Take = %+v %v %v", got, ok, err)
	}
	if _, ok, _ := f.Take("C1", yes); ok {
		t.Fatal("a code is single use")
	}
	// expired codes are gone
	_ = f.Save("C2", StoredCode{Expires: testEpoch})
	if _, ok, _ := f.Take("C2", yes); ok {
		t.Fatal("an expired code must not be taken")
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{f.Dir: 0o700, f.Path(): 0o600} {
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != want {
				t.Errorf("%s: mode %v, want %v (%v)", path, info.Mode().Perm(), want, err)
			}
		}
	}
}

func TestCodeFileIsBounded(t *testing.T) {
	f := frozenCodeFile(t)
	for i := range MaxStoredCodes + 20 {
		// later codes expire later: the first 20 go
		c := StoredCode{CorpID: DemoCorpID, Expires: testEpoch.Add(time.Minute + time.Duration(i)*time.Second)}
		if err := f.Save("C"+strings.Repeat("x", i), c); err != nil {
			t.Fatal(err)
		}
	}
	codes, err := f.read()
	if err != nil || len(codes) != MaxStoredCodes {
		t.Fatalf("%d codes kept (%v), want %d", len(codes), err, MaxStoredCodes)
	}
	if _, ok := codes["C"]; ok {
		t.Error("the oldest code must be dropped first")
	}
}

func TestCodeFileGarbledIsEmpty(t *testing.T) {
	f := frozenCodeFile(t)
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.Path(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := f.Take("C1", func(StoredCode) bool { return true }); ok || err != nil {
		t.Fatalf("garbled file: %v %v", ok, err)
	}
	if err := f.Save("C1", StoredCode{Expires: testEpoch.Add(time.Minute)}); err != nil {
		t.Fatalf("a garbled file is replaced: %v", err)
	}
}

// Many takers (each with its own file handle, as separate processes have)
// race for one code: exactly one gets it.
func TestCodeFileTakeIsExclusive(t *testing.T) {
	dir := t.TempDir()
	f := NewCodeFile(dir)
	if err := f.Save("C1", StoredCode{Expires: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	const takers = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range takers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := NewCodeFile(dir).Take("C1", func(StoredCode) bool { return true })
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d takers got the code, want exactly 1", won)
	}
}

// A code issued by one server with a store is exchanged by another: the
// in-process sandbox of the next `wwcli --sandbox` run.
func TestCodesAcrossServers(t *testing.T) {
	store := frozenCodeFile(t)
	issuer := New(Options{Codes: store, Now: func() time.Time { return testEpoch }})
	code, err := issuer.IssueCode(CodeRequest{UserID: "zhangsan", AgentID: DemoApp2AgentID})
	if err != nil {
		t.Fatal(err)
	}
	for range 500 {
		if c := newCode(); strings.HasPrefix(c, "-") || len(c) != len(code) {
			t.Fatalf("codes never start with '-' (no -- needed before them): %q", c)
		}
	}
	if len(issuer.codes) != 0 {
		t.Fatal("a stored code is not kept in memory too (it could be used twice)")
	}
	e := newEnv(t, Options{Codes: store})
	// bound to app 2: app 1's token is refused, and the code stays usable
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", e.token(DemoAppSecret), "code", code), 40029)
	tok := e.token(DemoApp2Secret)
	a := e.get("/cgi-bin/auth/getuserinfo", "access_token", tok, "code", code)
	if a.code() != 0 || a.str("userid") != "zhangsan" {
		t.Fatalf("stored code: %s", a.raw)
	}
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", tok, "code", code), 40029)
	// the control API of a server with a store issues into the store
	mp := e.code(CodeRequest{UserID: "lisi", Type: codeMiniProgram})
	if _, ok := mustRead(t, store)[mp]; !ok {
		t.Fatal("control API code not in the store")
	}
}

func mustRead(t *testing.T, f *CodeFile) map[string]StoredCode {
	t.Helper()
	codes, err := f.read()
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

type failingStore struct{}

func (failingStore) Save(string, StoredCode) error { return errors.New("disk full") }
func (failingStore) Take(string, func(StoredCode) bool) (StoredCode, bool, error) {
	return StoredCode{}, false, errors.New("lock timeout")
}

func TestStoreErrors(t *testing.T) {
	s := New(Options{Codes: failingStore{}})
	var se *StoreError
	if _, err := s.IssueCode(CodeRequest{UserID: "zhangsan"}); !errors.As(err, &se) {
		t.Fatalf("IssueCode: %v, want a StoreError", err)
	}
	if _, err := s.IssueCode(CodeRequest{UserID: "nobody"}); err == nil || errors.As(err, &se) {
		t.Fatalf("a bad request is not a StoreError: %v", err)
	}
	e := newEnv(t, Options{Codes: failingStore{}})
	wantCode(t, e.get("/cgi-bin/auth/getuserinfo", "access_token", e.token(DemoAppSecret), "code", "X"), -1)
}

func TestRequestCode(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	code, ttl, err := RequestCode(ctx, testClient, e.base+"/", CodeRequest{UserID: "wangwu"})
	if err != nil || ttl != 300 || code == "" {
		t.Fatalf("RequestCode = %q %d %v", code, ttl, err)
	}
	a := e.get("/cgi-bin/auth/getuserinfo", "access_token", e.token(DemoAppSecret), "code", code)
	if a.str("userid") != "wangwu" {
		t.Fatalf("requested code: %s", a.raw)
	}
	var cre *CodeRequestError
	if _, _, err := RequestCode(ctx, testClient, e.base, CodeRequest{UserID: "nobody"}); !errors.As(err, &cre) ||
		!strings.Contains(err.Error(), `userid "nobody" is not a member`) {
		t.Fatalf("refused request: %v", err)
	}
	notSandbox := httptest.NewServer(http.NotFoundHandler()) // listens on 127.0.0.1
	defer notSandbox.Close()
	if _, _, err := RequestCode(ctx, testClient, notSandbox.URL, CodeRequest{UserID: "x"}); err == nil ||
		!strings.Contains(err.Error(), "is not a wwcli sandbox") {
		t.Fatalf("not a sandbox: %v", err)
	}
}

// Codes, auth codes, permanent codes and suite tickets are pasted after a
// command: a leading "-" would read as a flag. One in 64 random strings
// starts with "-", so 2,000 draws without one are a sure sign.
func TestPasteableNeverStartsWithADash(t *testing.T) {
	for i := 0; i < 2000; i++ {
		if c := pasteable(48); c[0] == '-' || len(c) != len(randomString(48)) {
			t.Fatalf("pasteable(48) = %q", c)
		}
	}
}
