package recording

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/safedir"
)

func TestRedactJSONMasksSecretsAndPersonalDataKeepingOrder(t *testing.T) {
	in := `{"errcode":0,"errmsg":"ok","access_token":"tok123","expires_in":7200,
	"userlist":[{"userid":"zhangsan","name":"张三","mobile":"13800000000","email":"z@example.com","department":[1,2]}],
	"department":[{"id":2,"name":"研发部"}],"ticket":"T1","nested":{"permanent_code":"P","big":12345678901234567890}}`
	got := string(RedactJSON([]byte(in)))
	want := `{"errcode":0,"errmsg":"ok","access_token":"***","expires_in":7200,` +
		`"userlist":[{"userid":"zhangsan","name":"***","mobile":"***","email":"***","department":[1,2]}],` +
		`"department":[{"id":2,"name":"研发部"}],"ticket":"***","nested":{"permanent_code":"***","big":12345678901234567890}}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	for _, secret := range []string{"tok123", "13800000000", "z@example.com", "张三", `"P"`, "T1"} {
		if strings.Contains(got, secret) {
			t.Errorf("%s survived", secret)
		}
	}
}

func TestRedactJSONReplacesWhatIsNotJSON(t *testing.T) {
	for _, in := range []string{"corpsecret=abc", `{"a":1} trailing`, `{"a":`} {
		if got := string(RedactJSON([]byte(in))); strings.Contains(got, "abc") || !strings.Contains(got, "not JSON") {
			t.Errorf("%q -> %s", in, got)
		}
	}
	if RedactJSON(nil) != nil {
		t.Error("empty body should stay empty")
	}
}

func TestRedactQuery(t *testing.T) {
	q := url.Values{"access_token": {"t"}, "userid": {"zhangsan"}, "key": {"robotkey"}, "mobile": {"138"}}
	got := RedactQuery(q)
	if got["access_token"][0] != Mask || got["key"][0] != Mask || got["mobile"][0] != Mask || got["userid"][0] != "zhangsan" {
		t.Fatalf("%v", got)
	}
	if q.Get("access_token") != "t" {
		t.Fatal("the caller's query was changed")
	}
}

func TestWriteLoadAndMatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rec")
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	a := New(now, "GET", "/cgi-bin/tag/get", url.Values{"tagid": {"1"}, "access_token": {"secret-token"}}, nil,
		[]byte(`{"errcode":0,"errmsg":"ok","tagname":"A"}`), 200)
	b := New(now, "GET", "/cgi-bin/tag/get", url.Values{"tagid": {"2"}}, nil, []byte(`{"errcode":0,"errmsg":"ok","tagname":"B"}`), 200)
	c := New(now, "POST", "/cgi-bin/tag/addtagusers", nil, []byte(`{"tagid":1,"userlist":["lisi"]}`), []byte(`{"errcode":0,"errmsg":"ok"}`), 200)
	for _, e := range []Exchange{a, b, c} {
		if _, err := Write(dir, e); err != nil {
			t.Fatal(err)
		}
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("dir %v %v", info, err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(names) != 3 {
		t.Fatalf("files %v (same timestamp must not overwrite)", names)
	}
	for _, n := range names {
		data, _ := os.ReadFile(n)
		if strings.Contains(string(data), "secret-token") {
			t.Fatalf("%s holds the token", n)
		}
	}
	recs, err := Load(dir)
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d %v", len(recs), err)
	}
	m := Match(recs, "GET", "/cgi-bin/tag/get", url.Values{"tagid": {"2"}, "access_token": {"other"}, "debug": {"1"}}, nil)
	if m == nil || !strings.Contains(string(m.Response), `"B"`) {
		t.Fatalf("tagid=2 -> %+v", m)
	}
	for _, miss := range []url.Values{{"tagid": {"3"}}, {}, {"tagid": {"2"}, "extra": {"x"}}} {
		if m := Match(recs, "GET", "/cgi-bin/tag/get", miss, nil); m != nil {
			t.Errorf("%v matched %s", miss, m.File)
		}
	}
	if Match(recs, "POST", "/cgi-bin/tag/get", url.Values{"tagid": {"2"}}, nil) != nil {
		t.Error("the method must match")
	}
	if Match(recs, "POST", "/cgi-bin/tag/addtagusers", nil, []byte(`{"userlist":["lisi"],"tagid":1}`)) == nil {
		t.Error("a body with the same fields in another order must match")
	}
	if Match(recs, "POST", "/cgi-bin/tag/addtagusers", nil, []byte(`{"tagid":1,"userlist":["wangwu"]}`)) != nil {
		t.Error("another body must not match")
	}
	if Count(recs, "GET", "/cgi-bin/tag/get") != 2 {
		t.Error("count")
	}
}

func TestLoadRefusesWhatIsNotARecording(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.json"), []byte(`{"hello":1}`), 0o600)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "x.json") {
		t.Fatalf("err %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing directory must be an error")
	}
}

func TestWriteClipsLongFileNames(t *testing.T) {
	dir := t.TempDir()
	e := New(time.Now(), "GET", "/cgi-bin/"+strings.Repeat("a", 400), nil, nil, []byte(`{"errcode":0}`), 200)
	name, err := Write(dir, e)
	if err != nil || len(filepath.Base(name)) > 200 {
		t.Fatalf("%s %v", name, err)
	}
}

// writeRecording writes a recording file of exactly size bytes (padded with
// spaces, which JSON allows) with the given status.
func writeRecording(t *testing.T, path string, status, size int) {
	t.Helper()
	head := fmt.Sprintf(`{"format":%q,"method":"GET","path":"/cgi-bin/corp/get_join_qrcode","status":%d,"response":{"errcode":0}}`, Format, status)
	if size < len(head) {
		size = len(head)
	}
	if err := os.WriteFile(path, []byte(head+strings.Repeat(" ", size-len(head))), 0o600); err != nil {
		t.Fatal(err)
	}
}

// N10: net/http panics on status 1000 and -5, and 101 switches protocols:
// such a recording is refused at load, naming the file.
func TestLoadRefusesStatusesOutside200To599(t *testing.T) {
	for _, status := range []int{1000, -5, 101, 199, 600} {
		dir := t.TempDir()
		writeRecording(t, filepath.Join(dir, "bad.json"), status, 0)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), fmt.Sprintf("status %d", status)) ||
			!strings.Contains(err.Error(), "200–599") {
			t.Errorf("status %d: %v", status, err)
		}
	}
	for _, status := range []int{200, 404, 599} {
		dir := t.TempDir()
		writeRecording(t, filepath.Join(dir, "ok.json"), status, 0)
		if recs, err := Load(dir); err != nil || recs[0].Status != status {
			t.Errorf("status %d: %v", status, err)
		}
	}
	// No status recorded: WeCom's 200.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"format":"`+Format+`","method":"GET","path":"/x","response":{}}`), 0o600)
	if recs, err := Load(dir); err != nil || recs[0].Status != 200 {
		t.Errorf("no status: %v %v", recs, err)
	}
}

// N10: the file count and size limits alone allowed 40 GB; the directory
// as a whole is capped, and the error says the limit. Small limits keep
// the test fast; Load passes MaxTotalSize.
func TestLoadCapsTheTotalSize(t *testing.T) {
	if MaxTotalSize != 64<<20 || size(MaxTotalSize) != "64 MiB" {
		t.Fatalf("MaxTotalSize %d (%s)", MaxTotalSize, size(MaxTotalSize))
	}
	lim := limits{files: 100, file: 1000, total: 4000}
	dir := t.TempDir()
	for i := range 4 {
		writeRecording(t, filepath.Join(dir, fmt.Sprintf("%03d.json", i)), 200, 1000)
	}
	if recs, err := load(dir, lim); err != nil || len(recs) != 4 {
		t.Fatalf("exactly the total: %d recordings, %v", len(recs), err)
	}
	writeRecording(t, filepath.Join(dir, "999.json"), 200, 0)
	_, err := load(dir, lim)
	if err == nil || !strings.Contains(err.Error(), "add up to more than 4000 bytes") || !strings.Contains(err.Error(), "999.json") {
		t.Fatalf("over the total: %v", err)
	}
	// The file that crosses the total is refused as such.
	writeRecording(t, filepath.Join(dir, "000.json"), 200, 990)
	writeRecording(t, filepath.Join(dir, "999.json"), 200, 200)
	if _, err := load(dir, lim); err == nil || !strings.Contains(err.Error(), "add up to more than 4000 bytes") || !strings.Contains(err.Error(), "999.json") {
		t.Fatalf("crossing the total: %v", err)
	}
	// A file over the per-file limit is named as too large on its own.
	os.Remove(filepath.Join(dir, "999.json"))
	writeRecording(t, filepath.Join(dir, "000.json"), 200, 1001)
	if _, err := load(dir, lim); !errors.Is(err, safedir.ErrTooLarge) || !strings.Contains(err.Error(), "000.json") || strings.Contains(err.Error(), "add up") {
		t.Fatalf("one file over its limit: %v", err)
	}
}

func TestLoadRefusesOversizedFile(t *testing.T) {
	dir := t.TempDir()
	writeRecording(t, filepath.Join(dir, "big.json"), 200, MaxFileSize+1)
	if _, err := Load(dir); !errors.Is(err, safedir.ErrTooLarge) || !strings.Contains(err.Error(), "big.json") {
		t.Fatalf("%v", err)
	}
}

// The sandbox serves what the files say: a recording another user could
// have written is not served, and --record never writes where they could
// swap files.
func TestLoadAndWriteRefuseWhatOthersCanChange(t *testing.T) {
	if runtime.GOOS == "windows" {
		return // no Unix modes: safedir checks nothing there
	}
	base := t.TempDir()
	good := filepath.Join(base, "good")
	if _, err := Write(good, New(time.Now(), "GET", "/cgi-bin/tag/list", nil, nil, []byte(`{"errcode":0}`), 200)); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(good, "*.json"))
	if err := os.Chmod(names[0], 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(good); err == nil || !strings.Contains(err.Error(), "chmod go-w "+names[0]) {
		t.Fatalf("0666 recording: %v", err)
	}
	os.Chmod(names[0], 0o600)
	if err := os.Chmod(good, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(good); err == nil || !strings.Contains(err.Error(), "chmod go-w "+good) {
		t.Fatalf("0777 directory: %v", err)
	}
	if _, err := Write(good, New(time.Now(), "GET", "/cgi-bin/tag/list", nil, nil, []byte(`{"errcode":0}`), 200)); err == nil ||
		!strings.Contains(err.Error(), "chmod go-w "+good) {
		t.Fatalf("--record into a 0777 directory: %v", err)
	}
	if after, _ := filepath.Glob(filepath.Join(good, "*.json")); len(after) != 1 {
		t.Fatalf("written anyway: %v", after)
	}
	// A FIFO named like a recording never blocks the load.
	os.Chmod(good, 0o700)
	fifo := filepath.Join(good, "zz.json")
	if err := mkfifo(fifo); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Load(good); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, safedir.ErrNotRegular) || !strings.Contains(err.Error(), "zz.json") {
			t.Fatalf("FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Load blocked on a FIFO")
	}
}
