// Package recording keeps WeCom API calls as files so they can be served
// again offline: `wwcli api --record DIR` writes one JSON file per call, and
// `wwcli sandbox --replay DIR` answers the endpoints it does not simulate
// from them.
//
// Nothing secret or personal is written. Redacted (the value becomes
// "***"), in the query, the request body and the answer, at any depth:
//   - credentials and what grants one: every name safetext.IsSecretParam
//     knows (access_token, corpsecret, suite_ticket, permanent_code, code,
//     user_ticket, key, ...) plus tickets, session keys and callback keys;
//   - personal data: mobile, email, biz_mail, telephone, avatar,
//     thumb_avatar, qr_code, address, remark_mobiles, unionid, and a
//     person's name (name, alias, english_name, remark) in any object that
//     names a person (has userid, external_userid, open_userid or openid),
//     so department and tag names stay.
//
// userids, external_userids, department and tag ids are kept: replay
// matches requests by them, and they are what a fixture is about.
//
// The sandbox serves what the files say, so both directions go through
// pkg/safedir: --record writes into a directory no other user can write
// (created 0700), and --replay reads only files and directories no other
// user can change, and at most MaxFiles files, MaxFileSize each,
// MaxTotalSize together.
package recording

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/safedir"
	"github.com/wwcli/wwcli/pkg/safetext"
)

// Mask replaces every redacted value.
const Mask = "***"

// Format identifies a recording file.
const Format = "wwcli-recording/1"

// Limits on --replay: a recording directory is a fixture, not a database.
// Without the total, the file count and size alone allowed 40 GB (N10).
const (
	MaxFiles     = 10000
	MaxFileSize  = 4 << 20
	MaxTotalSize = 64 << 20
)

// Statuses a recording may carry: net/http panics on a status outside
// 100–999, and 1xx answers are not a WeCom answer (101 would switch
// protocols).
const (
	MinStatus = 200
	MaxStatus = 599
)

// Exchange is one recorded call.
type Exchange struct {
	Format     string              `json:"format"`
	RecordedAt time.Time           `json:"recorded_at"`
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	Query      map[string][]string `json:"query,omitempty"`
	Body       json.RawMessage     `json:"body,omitempty"`
	Status     int                 `json:"status"`
	Response   json.RawMessage     `json:"response"`
	// File is where it was read from (not written).
	File string `json:"-"`
}

// extraSecret: redacted besides safetext's list, because answers carry
// them. A switch, not a map: nothing is built at init.
func extraSecret(lower string) bool {
	switch lower {
	case "ticket", "jsapi_ticket", "session_key", "token", "encodingaeskey", "encoding_aes_key", "aeskey",
		"register_code", "corp_access_token":
		return true
	}
	return false
}

// personalField is redacted wherever it appears.
func personalField(lower string) bool {
	switch lower {
	case "mobile", "email", "biz_mail", "telephone", "avatar", "thumb_avatar", "qr_code", "address",
		"remark_mobiles", "unionid", "mobile_list":
		return true
	}
	return false
}

// personName is redacted in an object that names a person.
func personName(lower string) bool {
	switch lower {
	case "name", "alias", "english_name", "remark":
		return true
	}
	return false
}

// namesPerson: an object with one of these keys is about a person.
func namesPerson(key string) bool {
	switch strings.ToLower(key) {
	case "userid", "external_userid", "open_userid", "openid":
		return true
	}
	return false
}

func secretKey(name string) bool {
	return safetext.IsSecretParam(name) || extraSecret(strings.ToLower(name))
}

// RedactQuery returns the query with secret and personal values masked.
func RedactQuery(q url.Values) map[string][]string {
	if len(q) == 0 {
		return nil
	}
	out := map[string][]string{}
	for k, vs := range q {
		vs = append([]string(nil), vs...)
		if secretKey(k) || personalField(strings.ToLower(k)) {
			for i := range vs {
				vs[i] = Mask
			}
		}
		out[k] = vs
	}
	return out
}

// RedactJSON masks secret and personal values in a JSON document, keeping
// the order of keys and the spelling of numbers. Input that is not JSON
// is replaced whole: it cannot be checked.
func RedactJSON(raw []byte) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var buf bytes.Buffer
	if err := redactValue(dec, &buf, false); err != nil {
		return json.RawMessage(`"` + Mask + ` (not JSON)"`)
	}
	if _, err := dec.Token(); err != io.EOF {
		return json.RawMessage(`"` + Mask + ` (not JSON)"`)
	}
	return json.RawMessage(buf.Bytes())
}

// redactValue copies one value from dec to buf; mask replaces it.
func redactValue(dec *json.Decoder, buf *bytes.Buffer, mask bool) error {
	if mask {
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
		buf.WriteString(`"` + Mask + `"`)
		return nil
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return redactObject(dec, buf)
		case '[':
			buf.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					buf.WriteByte(',')
				}
				if err := redactValue(dec, buf, false); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			buf.WriteByte(']')
			return nil
		}
		return fmt.Errorf("unexpected %v", t)
	default:
		return writeScalar(buf, t)
	}
}

// redactObject reads an object whose '{' was read. It looks at the whole
// object first: whether it names a person decides about "name".
func redactObject(dec *json.Decoder, buf *bytes.Buffer) error {
	type member struct {
		key string
		val json.RawMessage
	}
	var members []member
	isPerson := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("object key %v", tok)
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return err
		}
		if namesPerson(key) {
			isPerson = true
		}
		members = append(members, member{key, val})
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	buf.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		buf.Write(k)
		buf.WriteByte(':')
		low := strings.ToLower(m.key)
		mask := secretKey(m.key) || personalField(low) || (isPerson && personName(low))
		sub := json.NewDecoder(bytes.NewReader(m.val))
		sub.UseNumber()
		if err := redactValue(sub, buf, mask); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

func writeScalar(buf *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case json.Number:
		buf.WriteString(t.String())
		return nil
	case nil:
		buf.WriteString("null")
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	buf.Write(b)
	return nil
}

// New builds a redacted exchange from what went over the wire.
func New(now time.Time, method, path string, query url.Values, body, response []byte, status int) Exchange {
	return Exchange{
		Format: Format, RecordedAt: now.UTC(), Method: method, Path: path,
		Query: RedactQuery(query), Body: RedactJSON(body), Status: status, Response: RedactJSON(response),
	}
}

// maxSlug keeps file names well under the 255 bytes file systems allow.
const maxSlug = 120

// Write stores e as a new file in dir (created 0700 if missing), named
// after the time and the path so a directory listing reads in order.
// It never overwrites a file, and refuses a directory another user could
// write (safedir.MkdirPrivate): a recording is served back as WeCom's word.
func Write(dir string, e Exchange) (string, error) {
	if err := safedir.MkdirPrivate(dir); err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return "", err
	}
	data = append(data, '\n')
	slug := strings.NewReplacer("/", "-", ".", "-").Replace(strings.Trim(strings.TrimPrefix(e.Path, "/cgi-bin/"), "/"))
	if len(slug) > maxSlug {
		slug = slug[:maxSlug]
	}
	stamp := e.RecordedAt.UTC().Format("20060102T150405.000000000Z")
	for n := 0; n < 100; n++ {
		name := fmt.Sprintf("%s-%s.json", stamp, slug)
		if n > 0 {
			name = fmt.Sprintf("%s-%02d-%s.json", stamp, n, slug)
		}
		path := filepath.Join(dir, name)
		// O_EXCL also refuses a symlink planted at the name.
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if _, err := fh.Write(data); err != nil {
			fh.Close()
			return "", err
		}
		return path, fh.Close()
	}
	return "", fmt.Errorf("recording: no free file name in %s", dir)
}

// Load reads every *.json recording in dir, in file-name order (the order
// they were recorded in). A file that is not a recording is an error
// naming it: a fixture that silently lost a call would mislead. So is a
// file or directory another user could change (safedir.ReadTrusted), and
// a directory over MaxFiles files or MaxTotalSize bytes.
func Load(dir string) ([]Exchange, error) {
	return load(dir, limits{files: MaxFiles, file: MaxFileSize, total: MaxTotalSize})
}

// limits are Load's, given as a value so tests can use small ones.
type limits struct {
	files       int
	file, total int64
}

func load(dir string, lim limits) ([]Exchange, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	if err := safedir.Dir(dir); err != nil {
		return nil, err
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(names) > lim.files {
		return nil, fmt.Errorf("%s holds %d recordings; at most %d are served", dir, len(names), lim.files)
	}
	sort.Strings(names)
	out := make([]Exchange, 0, len(names))
	overTotal := func(name string) error {
		return fmt.Errorf("the recordings in %s add up to more than %s (the limit was reached at %s): split the directory or remove recordings",
			dir, size(lim.total), filepath.Base(name))
	}
	var total int64
	for _, name := range names {
		// No file may take the directory past the total: reading stops
		// there, whatever the files hold.
		limit := min(lim.file, lim.total-total)
		if limit <= 0 {
			return nil, overTotal(name)
		}
		data, err := safedir.ReadTrusted(name, limit)
		if errors.Is(err, safedir.ErrTooLarge) && limit < lim.file {
			return nil, overTotal(name)
		}
		if err != nil {
			return nil, err // names the file
		}
		total += int64(len(data))
		e, err := parseFile(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		e.File = name
		out = append(out, e)
	}
	return out, nil
}

// size says n bytes in MiB when it is a whole number of them.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func parseFile(data []byte) (Exchange, error) {
	var e Exchange
	if err := json.Unmarshal(data, &e); err != nil {
		return Exchange{}, fmt.Errorf("not a recording: %w", err)
	}
	if e.Format != Format {
		return Exchange{}, fmt.Errorf("not a recording: format %q, want %q", e.Format, Format)
	}
	if e.Method == "" || !strings.HasPrefix(e.Path, "/") || !json.Valid(e.Response) {
		return Exchange{}, errors.New("not a recording: method, path or response missing")
	}
	if e.Status == 0 {
		e.Status = 200 // not recorded: WeCom answers 200
	}
	if e.Status < MinStatus || e.Status > MaxStatus {
		return Exchange{}, fmt.Errorf("status %d is not an answer the sandbox can replay: want %d–%d", e.Status, MinStatus, MaxStatus)
	}
	return e, nil
}
