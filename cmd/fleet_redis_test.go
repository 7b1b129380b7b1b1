//go:build redis

package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wwcli/wwcli/pkg/rediscache/redistest"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// The fleet tests (go test -tags redis ./cmd/ -run Fleet) run the real
// wwcli binary as many processes on several simulated machines (each its
// own cache dir) sharing one redis-server and one sandbox.

type fleet struct {
	t     *testing.T
	bin   string
	base  string
	srv   *sandbox.Server
	redis *redistest.Server
	url   string
	root  string
}

// loadedMachine: a hundred processes starting at once on two cores can
// wait longer than the default 500ms bound for the CPU, not for Redis;
// that bound has tests of its own (pkg/rediscache, cache_url.txtar).
const loadedMachine = "timeout=3s"

// fleetBinary builds the real wwcli into dir (the build cache makes all
// but the first build a link).
func fleetBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "wwcli")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func newFleet(t *testing.T, query string) *fleet {
	t.Helper()
	root := t.TempDir()
	bin := fleetBinary(t, root)
	srv := sandbox.New(sandbox.Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	rs := redistest.Start(t)
	return &fleet{t: t, bin: bin, base: base, srv: srv, redis: rs, url: rs.URL(0, query), root: root}
}

type run struct {
	machine int
	stdout  string
	stderr  string
	err     error
}

// command prepares `wwcli ARGS` on machine m: its own config and cache
// dirs, the shared sandbox and Redis, credentials from the environment.
func (f *fleet) command(ctx context.Context, m int, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	machine := filepath.Join(f.root, fmt.Sprintf("machine-%d", m))
	cmd := exec.CommandContext(ctx, f.bin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(machine, "home"),
		"WWCLI_CONFIG_DIR=" + filepath.Join(machine, "config"),
		"WWCLI_CACHE_DIR=" + filepath.Join(machine, "cache"),
		"WWCLI_KEYRING=off",
		"WWCLI_BASE_URL=" + f.base,
		"WWCLI_CORP_ID=" + sandbox.DemoCorpID,
		"WWCLI_SECRET=" + sandbox.DemoAppSecret,
		"WWCLI_CACHE_URL=" + f.url,
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	return cmd, &out, &errb
}

// wave runs perMachine processes on each of machines at once and waits;
// each run holds its process's error (allOK checks them).
func (f *fleet) wave(machines, perMachine int, args ...string) []run {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	runs := make([]run, machines*perMachine)
	var wg sync.WaitGroup
	for i := range runs {
		cmd, out, errb := f.command(ctx, i%machines, args...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := cmd.Run()
			runs[i] = run{machine: i % machines, stdout: strings.TrimSpace(out.String()), stderr: errb.String(), err: err}
		}()
	}
	wg.Wait()
	return runs
}

func (f *fleet) wantCounts(token, ticket int) {
	f.t.Helper()
	if got := f.srv.Count("/cgi-bin/gettoken"); got != token {
		f.t.Errorf("the sandbox saw %d gettoken, want %d", got, token)
	}
	if got := f.srv.Count("/cgi-bin/get_jsapi_ticket"); got != ticket {
		f.t.Errorf("the sandbox saw %d get_jsapi_ticket, want %d", got, ticket)
	}
}

// tokenValid asks the sandbox whether it issued token and still takes it.
func (f *fleet) tokenValid(token string) bool {
	resp, err := http.Get(f.base + "/cgi-bin/get_api_domain_ip?access_token=" + token)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		ErrCode int `json:"errcode"`
	}
	return json.NewDecoder(resp.Body).Decode(&body) == nil && body.ErrCode == 0
}

func allOK(t *testing.T, runs []run) {
	t.Helper()
	for i, r := range runs {
		if r.err != nil || r.stdout == "" {
			t.Fatalf("process %d (machine %d): %v\nstdout %q\nstderr %s", i, r.machine, r.err, r.stdout, r.stderr)
		}
	}
}

func TestFleetOneFetchForAHundredProcesses(t *testing.T) {
	f := newFleet(t, loadedMachine)
	start := time.Now()
	runs := f.wave(4, 25, "ticket")
	took := time.Since(start)
	allOK(t, runs)
	for _, r := range runs {
		if r.stdout != runs[0].stdout {
			t.Fatalf("processes printed different tickets: %q and %q", runs[0].stdout, r.stdout)
		}
		if strings.Contains(r.stderr, "warning") {
			t.Fatalf("unexpected warning: %s", r.stderr)
		}
	}
	f.wantCounts(1, 1)
	t.Logf("4 machines x 25 processes, empty cache: 1 gettoken, 1 get_jsapi_ticket, %v wall", took.Round(time.Millisecond))

	// Nothing was written to the machines' own caches: Redis holds it.
	for m := range 4 {
		files, err := filepath.Glob(filepath.Join(f.root, fmt.Sprintf("machine-%d", m), "cache", "tokens", "*.json"))
		if err != nil || len(files) != 0 {
			t.Fatalf("machine %d has local cache files %q (%v)", m, files, err)
		}
	}
	// A second wave is served from Redis without a request.
	runs = f.wave(4, 5, "ticket", "--json")
	allOK(t, runs)
	for _, r := range runs {
		if !strings.Contains(r.stdout, `"cached":true`) {
			t.Fatalf("second wave not from the cache: %s", r.stdout)
		}
	}
	f.wantCounts(1, 1)
}

func TestFleetLockHolderKilledWithSIGKILL(t *testing.T) {
	f := newFleet(t, loadedMachine+"&lock_ttl=2s")
	// The holder's gettoken hangs; it is killed while it holds the lock.
	if err := f.srv.InjectFault(sandbox.Fault{Path: "/cgi-bin/gettoken", Delay: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	holder, _, _ := f.command(ctx, 0, "token")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for f.srv.Count("/cgi-bin/gettoken") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the holder never called gettoken")
		}
		time.Sleep(10 * time.Millisecond)
	}
	raw := redis.NewClient(&redis.Options{Addr: f.redis.Addr(), DisableIdentity: true})
	defer raw.Close()
	locks, err := raw.Keys(ctx, "wwcli:tokens:v3:lock:*").Result()
	if err != nil || len(locks) != 1 {
		t.Fatalf("locks while the holder fetches: %q %v", locks, err)
	}
	if err := holder.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()
	killed := time.Now()

	runs := f.wave(2, 5, "token")
	allOK(t, runs)
	waited := time.Since(killed)
	for _, r := range runs {
		if r.stdout != runs[0].stdout {
			t.Fatalf("different tokens: %q %q", runs[0].stdout, r.stdout)
		}
	}
	if !f.tokenValid(runs[0].stdout) {
		t.Fatalf("token %q is not one the sandbox takes", runs[0].stdout)
	}
	// The dead holder's request and one more.
	f.wantCounts(2, 0)
	if waited < time.Second || waited > 30*time.Second {
		t.Fatalf("the others proceeded after %v; the lock expires after 2s", waited)
	}
	t.Logf("lock holder SIGKILLed: 10 processes got a token %v later (lock_ttl 2s), 1 more gettoken", waited.Round(time.Millisecond))
}

func TestFleetRedisStoppedAndRestartedMidRun(t *testing.T) {
	f := newFleet(t, loadedMachine)
	// gettoken is slow, so every process is in flight when Redis dies.
	if err := f.srv.InjectFault(sandbox.Fault{Path: "/cgi-bin/gettoken", Delay: time.Second}); err != nil {
		t.Fatal(err)
	}
	done := make(chan []run, 1)
	go func() { done <- f.wave(2, 10, "token") }()
	// Redis dies while the holder's gettoken hangs and the others wait on
	// its lock: the gettoken arrived, the lock is there, and all 20
	// processes are connected (in practice within 0.2s of the wave's
	// start, well inside the 1s delay).
	raw := redis.NewClient(&redis.Options{Addr: f.redis.Addr(), DisableIdentity: true})
	defer raw.Close()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		locks, err := raw.Keys(ctx, "wwcli:tokens:v3:lock:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		clients, err := raw.ClientList(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		others := strings.Count(clients, "\n") - 1 // one line per connection, ours too
		if len(locks) == 1 && others >= 20 && f.srv.Count("/cgi-bin/gettoken") > 0 {
			break
		}
		if f.srv.Count("/cgi-bin/gettoken") > 0 && len(locks) == 0 {
			t.Fatalf("the holder's fetch ended before every process waited on it (%d connected): the scenario needs a longer gettoken delay", others)
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20s: %d gettoken, locks %q, %d processes connected to Redis; want the holder's gettoken, 1 lock and 20",
				f.srv.Count("/cgi-bin/gettoken"), locks, others)
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.redis.Stop()
	runs := <-done
	allOK(t, runs)
	for i, r := range runs {
		if !f.tokenValid(r.stdout) {
			t.Fatalf("process %d printed %q, a token the sandbox does not take", i, r.stdout)
		}
		if n := strings.Count(r.stderr, "warning:"); n != 1 || !strings.Contains(r.stderr, "did not answer") {
			t.Fatalf("process %d: want one warning about Redis, stderr:\n%s", i, r.stderr)
		}
	}
	// One fetch through Redis before it died, at most one per machine
	// through the file cache after.
	fetched := f.srv.Count("/cgi-bin/gettoken")
	if fetched < 1 || fetched > 3 {
		t.Fatalf("%d gettoken with Redis stopped mid-run; want 1 + at most 1 per machine", fetched)
	}

	// Redis comes back empty: one more fetch, then served from it.
	f.redis.Restart()
	runs = f.wave(2, 10, "token")
	allOK(t, runs)
	for i, r := range runs {
		if r.stdout != runs[0].stdout || strings.Contains(r.stderr, "warning") {
			t.Fatalf("process %d after the restart: %q, stderr %s", i, r.stdout, r.stderr)
		}
	}
	if !f.tokenValid(runs[0].stdout) {
		t.Fatalf("token %q after the restart is not valid", runs[0].stdout)
	}
	f.wantCounts(fetched+1, 0)
	t.Logf("Redis stopped mid-run: 20 processes, %d gettoken, each one warning; restarted empty: 20 processes, 1 gettoken", fetched)
}
