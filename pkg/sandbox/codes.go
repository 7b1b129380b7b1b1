package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/wwcli/wwcli/pkg/atomicfile"
)

// Codes outside one server's memory: `wwcli --sandbox` starts a new
// in-process sandbox on every run, so a code issued in one run must be
// kept on disk to be exchanged in the next; and `wwcli sandbox code` may
// ask a running `wwcli sandbox` for one over its control API.

// CodeStore keeps issued codes where another process can use them. A
// server with Options.Codes saves every code it issues there (and not in
// memory), and takes codes it does not know from there.
type CodeStore interface {
	// Save records a code.
	Save(code string, c StoredCode) error
	// Take removes a code that accept agrees to and returns it; ok is false
	// when no process has issued it, another one already took it (codes
	// are single use), it expired, or accept refused it (it stays then).
	Take(code string, accept func(StoredCode) bool) (c StoredCode, ok bool, err error)
}

// StoredCode is an issued code as kept by a CodeStore.
type StoredCode struct {
	CorpID  string    `json:"corpid"`
	AgentID int64     `json:"agentid,omitempty"`
	UserID  string    `json:"userid,omitempty"`
	OpenID  string    `json:"openid,omitempty"`
	Scope   string    `json:"scope"`
	Type    string    `json:"type"`
	Expires time.Time `json:"expires"`
}

const (
	// CodeTTLSeconds is how long a code lives, as on WeCom.
	CodeTTLSeconds = int(codeTTL / time.Second)
	// MaxStoredCodes bounds the code file: the oldest codes go first.
	MaxStoredCodes = 100
	maxCodeFile    = 1 << 20
	codeLockWait   = 10 * time.Second
)

// CodeFile is a CodeStore in one JSON file (mode 0600, directory 0700)
// under the wwcli cache dir, changed only under a file lock so concurrent
// processes never both take one code. Expired codes are dropped whenever
// the file is written.
type CodeFile struct {
	Dir string
	Now func() time.Time // nil = time.Now
}

// NewCodeFile is the code file of the wwcli cache dir cacheDir: the one
// `wwcli sandbox code` writes and `wwcli --sandbox` reads.
func NewCodeFile(cacheDir string) *CodeFile {
	return &CodeFile{Dir: filepath.Join(cacheDir, "sandbox")}
}

// Path is the file holding the codes.
func (f *CodeFile) Path() string { return filepath.Join(f.Dir, "codes.json") }

func (f *CodeFile) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Save records code, keeping at most MaxStoredCodes unexpired codes.
func (f *CodeFile) Save(code string, c StoredCode) error {
	return f.update(func(codes map[string]StoredCode) bool {
		codes[code] = c
		return true
	})
}

// Take removes code from the file and returns it, if it has not expired
// and accept agrees.
func (f *CodeFile) Take(code string, accept func(StoredCode) bool) (StoredCode, bool, error) {
	var found StoredCode
	var ok bool
	err := f.update(func(codes map[string]StoredCode) bool {
		found, ok = codes[code] // read drops expired codes
		if !ok || !accept(found) {
			ok = false
			return false
		}
		delete(codes, code)
		return true
	})
	if err != nil || !ok {
		return StoredCode{}, false, err
	}
	return found, true, nil
}

// update reads the file under the lock, lets change edit the codes, and
// writes them back when change says so.
func (f *CodeFile) update(change func(map[string]StoredCode) bool) error {
	if err := f.checkDir(); err != nil {
		return err
	}
	lockPath := filepath.Join(f.Dir, "codes.lock")
	if err := refuseSymlink(lockPath); err != nil {
		return err
	}
	lock := flock.New(lockPath, flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(context.Background(), codeLockWait)
	defer cancel()
	locked, err := lock.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil || !locked {
		return fmt.Errorf("sandbox codes: waited %s for another wwcli process to release %s", codeLockWait, lockPath)
	}
	defer func() { _ = lock.Unlock() }()

	codes, err := f.read()
	if err != nil {
		return err
	}
	if !change(codes) {
		return nil
	}
	return f.write(codes)
}

// checkDir creates the directory, and refuses one that other users could
// write into (they could plant codes or a lock that stalls every run).
func (f *CodeFile) checkDir() error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return fmt.Errorf("sandbox codes: %w", err)
	}
	info, err := os.Lstat(f.Dir)
	if err != nil {
		return fmt.Errorf("sandbox codes: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("sandbox codes: %s is not a directory; remove it", f.Dir)
	}
	// Windows reports no Unix permission bits.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("sandbox codes: %s is writable by other users; run chmod 700 %s", f.Dir, f.Dir)
	}
	return nil
}

func refuseSymlink(path string) error {
	if info, err := os.Lstat(path); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("sandbox codes: %s is a symbolic link; remove it", path)
	}
	return nil
}

// read returns the unexpired codes. A missing, oversized or garbled file
// is an empty one: it only ever holds short-lived test codes, and the next
// write replaces it.
func (f *CodeFile) read() (map[string]StoredCode, error) {
	codes := map[string]StoredCode{}
	if err := refuseSymlink(f.Path()); err != nil {
		return nil, err
	}
	file, err := os.Open(f.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return codes, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox codes: %w", err)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxCodeFile+1))
	if err != nil {
		return nil, fmt.Errorf("sandbox codes: %w", err)
	}
	if len(data) > maxCodeFile || json.Unmarshal(data, &codes) != nil {
		return map[string]StoredCode{}, nil
	}
	now := f.now()
	for k, c := range codes {
		if !now.Before(c.Expires) {
			delete(codes, k)
		}
	}
	return codes, nil
}

func (f *CodeFile) write(codes map[string]StoredCode) error {
	if len(codes) > MaxStoredCodes {
		keys := make([]string, 0, len(codes))
		for k := range codes {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return codes[a].Expires.Compare(codes[b].Expires) })
		for _, k := range keys[:len(keys)-MaxStoredCodes] {
			delete(codes, k)
		}
	}
	data, err := json.Marshal(codes)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(f.Path(), data); err != nil {
		return fmt.Errorf("sandbox codes: %w", err)
	}
	return nil
}

// RequestCode asks the running sandbox at baseURL for a code through its
// control API (POST /_sandbox/code). A request the sandbox refuses (an
// unknown userid, a bad scope) is a *CodeRequestError.
func RequestCode(ctx context.Context, client *http.Client, baseURL string, req CodeRequest) (code string, expiresIn int, err error) {
	body, err := json.Marshal(req)
	if err != nil {
		return "", 0, err
	}
	u := strings.TrimRight(baseURL, "/") + "/_sandbox/code"
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return "", 0, fmt.Errorf("base URL %q: %v", baseURL, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(hreq)
	if err != nil {
		return "", 0, fmt.Errorf("cannot reach the sandbox at %s: %v", baseURL, err)
	}
	defer resp.Body.Close()
	var answer struct {
		Code      string `json:"code"`
		ExpiresIn int    `json:"expires_in"`
		Error     string `json:"error"`
	}
	decodeErr := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&answer)
	switch {
	case resp.StatusCode == http.StatusBadRequest && answer.Error != "":
		return "", 0, &CodeRequestError{Msg: answer.Error}
	case resp.StatusCode != http.StatusOK || decodeErr != nil || answer.Code == "":
		return "", 0, fmt.Errorf("%s is not a wwcli sandbox: POST /_sandbox/code answered HTTP %d", baseURL, resp.StatusCode)
	}
	return answer.Code, answer.ExpiresIn, nil
}

// CodeRequestError is a code request the sandbox refused.
type CodeRequestError struct{ Msg string }

func (e *CodeRequestError) Error() string { return e.Msg }

// StoreError is a code store that could not be read or written.
type StoreError struct{ Err error }

func (e *StoreError) Error() string { return e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// newCode is a fresh random code. It never starts with "-", so
// `wwcli --sandbox userinfo "$code"` needs no "--" before it.
func newCode() string { return pasteable(32) }

// pasteable is a random string of n bytes' worth that never starts with
// "-", so it can follow a command as an argument without "--".
func pasteable(n int) string {
	c := randomString(n)
	if c[0] == '-' {
		c = "A" + c[1:]
	}
	return c
}

func (cd *authCode) stored() StoredCode {
	return StoredCode{CorpID: cd.corp.CorpID, AgentID: cd.agentID, UserID: cd.userID, OpenID: cd.openID,
		Scope: cd.scope, Type: cd.kind, Expires: cd.expires}
}

// saveCode hands a new code to the store. Called with s.mu held.
func (s *Server) saveCode(code string, cd *authCode) error {
	if err := s.opts.Codes.Save(code, cd.stored()); err != nil {
		return &StoreError{Err: err}
	}
	return nil
}

// takeStoredCode takes a code another process issued, if the caller's
// token may use it (the checks of useCode, so a code refused here stays
// usable for the right app); nil when not. A store that cannot be read
// answers -1 (system busy), as WeCom does when it cannot serve. Called with
// s.mu held.
func (s *Server) takeStoredCode(c *call, code, kind string) (*authCode, *apiError) {
	var cd *authCode
	_, _, err := s.opts.Codes.Take(code, func(sc StoredCode) bool {
		corp := s.corps[sc.CorpID]
		if corp == nil || sc.Type != kind || corp != c.tok.corp || c.tok.app == nil ||
			(sc.AgentID != 0 && sc.AgentID != c.tok.app.AgentID) {
			return false
		}
		cd = &authCode{corp: corp, agentID: sc.AgentID, userID: sc.UserID, openID: sc.OpenID,
			scope: sc.Scope, kind: sc.Type, expires: sc.Expires}
		return true
	})
	if err != nil {
		return nil, errf(-1, "system busy: "+err.Error())
	}
	return cd, nil
}
