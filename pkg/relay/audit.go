package relay

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/safedir"
)

// AuditEntry is one audit log line. It never holds a token, a secret, a
// query value or a body: only who called which path and how it ended.
type AuditEntry struct {
	Time      string  `json:"time"`
	Client    string  `json:"client,omitempty"`
	Remote    string  `json:"remote"`
	Host      string  `json:"host,omitempty"` // escaped; only when refused for it
	Method    string  `json:"method"`         // escaped, see logSafe
	Path      string  `json:"path"`           // escaped, see logSafe
	Status    int     `json:"status"`
	ErrCode   *int    `json:"errcode,omitempty"` // WeCom's, when it answered JSON
	Refused   string  `json:"refused,omitempty"` // why the relay answered itself
	LatencyMS float64 `json:"latency_ms"`
}

// OpenAuditLog opens --audit-log for appending (created 0600). It never
// follows a symlink planted at path, and refuses a file or directory
// chain another local user could write (safedir.OpenAppend): the log
// holds text chosen by whoever reaches the relay, so it must never end up
// in a file someone else picked, such as a shell's rc file.
func OpenAuditLog(path string) (*os.File, error) {
	return safedir.OpenAppend(path)
}

// maxLoggedPath bounds a path in the audit log: a request line may carry
// 64 KiB, and an unauthenticated caller should not get to write that much.
const maxLoggedPath = 256

// logSafe is s as the audit log records a path or method: every byte
// outside [A-Za-z0-9/_.-] percent-encoded (so `$(touch x)` is
// `%24%28touch%20x%29`), at most maxLoggedPath bytes of it and "…" when
// cut. The client chose these bytes, possibly without a valid token, and
// the log may end up in a shell, a terminal or a spreadsheet: nothing in
// it may be a metacharacter of any of them.
func logSafe(s string) string {
	const hex = "0123456789ABCDEF"
	out := make([]byte, 0, min(len(s), maxLoggedPath)+8)
	for i := 0; i < len(s); i++ {
		if len(out) >= maxLoggedPath {
			return string(out) + "…"
		}
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '.' || c == '-' {
			out = append(out, c)
			continue
		}
		out = append(out, '%', hex[c>>4], hex[c&15])
	}
	return string(out)
}

// auditQueue puts w behind a LineQueue, so that a reader who stops
// reading (stderr into a full pipe, a stuck journald) never holds up an
// answer: lines are dropped and counted instead. A LineQueue is used as
// it is (its owner closes it); owned says whether the relay made it.
func auditQueue(w io.Writer) (q *serve.LineQueue, owned bool) {
	if w == nil {
		return nil, false
	}
	if q, ok := w.(*serve.LineQueue); ok {
		return q, false
	}
	return serve.NewLineQueue(w, serve.QueueOptions{Name: "the audit log"}), true
}

// audit queues one JSON line; it never waits for the writer.
func (s *Server) audit(e AuditEntry) {
	if s.auditQ == nil {
		return
	}
	line, err := json.Marshal(e)
	if err != nil {
		return
	}
	_, _ = s.auditQ.Write(append(line, '\n'))
}

// HostRefused logs a request the server foundation refused for its Host
// (serve.Config.HostRefused): a DNS-rebinding page, or a name the relay
// was not started with --allow-host for. It never reached the relay.
func (s *Server) HostRefused(r *http.Request) {
	e := AuditEntry{Time: s.opts.Now().UTC().Format(time.RFC3339Nano), Remote: remoteHost(r), Host: logSafe(r.Host),
		Method: logSafe(r.Method), Path: logSafe(sentPath(r)), Status: http.StatusForbidden, Refused: "host_not_allowed"}
	s.audit(e)
}

// AuditDropped is how many audit lines were dropped because the audit
// writer did not keep up.
func (s *Server) AuditDropped() int64 {
	if s.auditQ == nil {
		return 0
	}
	return s.auditQ.Dropped()
}

// CloseAudit lets the queued audit lines out, waiting at most wait for a
// writer that may never take them. It closes only a queue New made (for
// an Audit writer that was not a LineQueue already). Call it after the
// server stopped: lines of later requests are not written.
func (s *Server) CloseAudit(wait time.Duration) {
	if s.auditOwned {
		s.auditQ.Close(wait)
	}
}
