package callback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/safetext"
	"github.com/wwcli/wwcli/pkg/suiteticket"
	"github.com/wwcli/wwcli/pkg/ui"
)

// ServeOptions of `wwcli callback serve`: only what run needs.
type ServeOptions struct {
	IO      *iostreams.IOStreams
	Secrets SecretsFunc
	Now     func() time.Time
	// Terminated delivers SIGTERM (tests send their own); stop releases it.
	Terminated func() (sig <-chan os.Signal, stop func())
	SecretOptions
	Addr      string
	Path      string
	ForwardTo string
	MaxBody   int64
	Timeout   time.Duration // --timeout: bounds each forward to the app
	Exporter  cmdutil.Exporter
	// Suite: serve the instruction callback (指令回调) of this suite id.
	Suite        string
	SuiteTickets func() (*suiteticket.Store, error)
	// Exchange: turn create_auth / reset_permanent_code auth codes into
	// stored permanent codes at once (--exchange).
	Exchange           bool
	SuiteSession       func(ctx context.Context, command string, noCache bool) (*cmdutil.SuiteSession, error)
	StorePermanentCode func(ctx context.Context, suiteID, corpID, code string) error

	// Ready, when set, is called with the listening address (tests).
	Ready func(addr string)

	queueLen int // stdout lines waiting to be written; 0 = defaultQueueLen
}

// notifyTerm delivers the process's SIGTERM (docker stop, kill, systemd).
func notifyTerm() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	return ch, func() { signal.Stop(ch) }
}

// NewServeCmd builds `wwcli callback serve`.
func NewServeCmd(f *cmdutil.Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IO, Secrets: f.CallbackSecrets, Now: f.Now, Terminated: notifyTerm, SuiteTickets: f.SuiteTickets,
		SuiteSession: f.SuiteSession, StorePermanentCode: f.StorePermanentCode}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a callback URL: verify, decrypt and print each message",
		Long: `Serve a WeCom callback URL locally (put a tunnel or reverse proxy in
front of it).

The first stdout line is the callback URL to configure. GET verification
requests are answered at once with the bare plaintext echo. POSTs are
verified and decrypted; each message is printed on stdout as one JSON line
(indented on a terminal; --jq filters each one) and answered with 200 and
an empty body ("no passive reply"). With --forward-to the plaintext is
POSTed to your app; a non-empty answer from it is encrypted and returned to
WeCom as the passive reply.
Rejected requests get 400 and a log line on stderr with the -4000x code.
SIGTERM (docker stop, kill) stops the server cleanly with exit 0; Ctrl-C
exits 130.

--suite SUITE_ID serves a third-party app's (or 代开发 template's)
instruction callback (指令回调, DOC 90628): the receive id of every POST is
the suite id (URL verification uses the provider's corp id, so GET checks
only the signature), each POST is answered "success" (DOC 97172), and each
pushed suite_ticket is stored for 'wwcli suite token' (the latest push
wins). create_auth, change_auth, cancel_auth and reset_permanent_code
(DOC 90642, DOC 97175) are logged on stderr, one line each, auth codes
redacted. stdout gets one JSON line per event without any ticket or code:
{received_at, info_type, suite_id, auth_corp_id, state, stored}.
--receive-id "" skips the events' receive-id check. --exchange also turns
each pushed auth_code (market installs, re-issued 代开发 secrets) into the
stored permanent code, as 'wwcli suite permanent-code' does, after the
answer (WeCom allows 1000 ms; DOC 97175).`,
		Example: `  wwcli callback serve
  wwcli callback serve --addr 127.0.0.1:9000 --path /wecom/callback
  wwcli callback serve --forward-to http://127.0.0.1:3000/wecom \
    --jq .fields.MsgType
  wwcli callback serve --suite ww9c3e7b1a5d2f8e60 --path /suite/receive`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.bind(cmd)
			opts.Timeout = f.Global.Timeout
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runServe(cmd.Context(), opts)
		},
	}
	addReceiveIDFlag(cmd, &opts.SecretOptions)
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&opts.Path, "path", "/", "URL path of the callback")
	cmd.Flags().StringVar(&opts.ForwardTo, "forward-to", "", "POST each decrypted message to this URL; its answer becomes the passive reply")
	cmd.Flags().Int64Var(&opts.MaxBody, "max-body", cb.DefaultMaxBody, "largest POST body accepted, in bytes")
	cmd.Flags().StringVar(&opts.Suite, "suite", "", "serve this suite's instruction callback and store its suite_tickets")
	cmd.Flags().BoolVar(&opts.Exchange, "exchange", false, "with --suite: exchange pushed auth codes and store the permanent codes")
	shared.AddJSONFlags(cmd, &opts.Exporter, "each message (always JSON; --json is accepted)")
	return cmd
}

// servedMessage is one line of serve's output.
type servedMessage struct {
	ReceivedAt string            `json:"received_at"`
	Format     cb.Format         `json:"format"`
	ToUserName string            `json:"to_user_name"`
	AgentID    string            `json:"agent_id"`
	ReceiveID  string            `json:"receive_id"`
	MsgType    string            `json:"msg_type,omitempty"`
	Event      string            `json:"event,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Message    string            `json:"message"`
	Forwarded  *forwardResult    `json:"forwarded,omitempty"`
}

type forwardResult struct {
	Status     int  `json:"status"`
	ReplyBytes int  `json:"reply_bytes"`
	Replied    bool `json:"replied"`
}

func runServe(ctx context.Context, opts *ServeOptions) error {
	if !strings.HasPrefix(opts.Path, "/") {
		return cmdutil.FlagErrorf("--path must start with /, e.g. --path /wecom/callback")
	}
	if opts.MaxBody <= 0 {
		return cmdutil.FlagErrorf("--max-body must be positive")
	}
	var forward *url.URL
	if opts.ForwardTo != "" {
		u, err := url.Parse(opts.ForwardTo)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cmdutil.FlagErrorf("--forward-to must be an http(s) URL, e.g. http://127.0.0.1:3000/wecom")
		}
		forward = u
	}
	var tickets *suiteticket.Store
	if opts.Exchange && opts.Suite == "" {
		return cmdutil.FlagErrorf("--exchange goes with --suite SUITE_ID: it exchanges the auth codes an instruction callback receives")
	}
	if opts.Suite != "" {
		if err := checkSuiteOptions(opts); err != nil {
			return err
		}
		// The receive id of an instruction callback is the suite id;
		// --receive-id "" skips the check (some create_auth pushes are
		// reported to carry the provider's corp id).
		if !opts.ReceiveIDSet || opts.ReceiveID != "" {
			opts.ReceiveID, opts.ReceiveIDSet = opts.Suite, true
		}
		var err error
		if tickets, err = opts.SuiteTickets(); err != nil {
			return err
		}
	}
	c, err := newCrypter(ctx, opts.Secrets, opts.SecretOptions)
	if err != nil {
		return err
	}
	ios := opts.IO
	t := ui.New(ios.ErrOut, ios.ColorErr())
	// Separate locks: a stdout nobody reads must not stop the log, and the
	// log must not wait for stdout.
	var logMu sync.Mutex
	logf := func(format string, a ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(ios.ErrOut, format+"\n", a...)
	}
	out := newLineQueue(opts.queueLen, logf)
	go out.drain()
	defer out.close()
	client := &http.Client{Timeout: opts.Timeout}
	if client.Timeout <= 0 {
		client.Timeout = 10 * time.Second
	}

	h := &cb.Handler{
		Crypter: c,
		MaxBody: opts.MaxBody,
		Now:     opts.Now,
		OnVerify: func(r *http.Request, echo []byte) {
			logf("%s GET %s verification answered (%d bytes)", t.SuccessIcon(), safetext.Escape(r.URL.Path), len(echo))
		},
		OnFailure: func(r *http.Request, status int, err error) {
			logf("%s %s %s → %d: %v", t.FailIcon(), r.Method, safetext.Escape(r.URL.Path), status, safetext.Escape(err.Error()))
		},
		OnMessage: func(ctx context.Context, m *cb.Message) ([]byte, error) {
			line := servedMessage{
				ReceivedAt: m.Received.UTC().Format(time.RFC3339), Format: m.Format,
				ToUserName: m.ToUserName, AgentID: m.AgentID, ReceiveID: m.ReceiveID,
				Fields: cb.Fields(m.Plaintext), Message: string(m.Plaintext),
			}
			line.MsgType, line.Event = line.Fields["MsgType"], line.Fields["Event"]
			var reply []byte
			if forward != nil {
				status, body, err := forwardMessage(ctx, client, forward, m)
				if err != nil {
					return nil, err
				}
				reply = bytes.TrimSpace(body)
				line.Forwarded = &forwardResult{Status: status, ReplyBytes: len(reply), Replied: len(reply) > 0}
			}
			// Queued, never waited for: the answer to WeCom must not depend
			// on someone reading stdout (a paused pager, a stuck `| jq`).
			out.push(func() error { return opts.Exporter.Write(context.Background(), ios, line) })
			return reply, nil
		},
	}
	var handler http.Handler = h
	if opts.Suite != "" {
		var exchange func(ev *cb.SuiteEvent)
		if opts.Exchange {
			ex, err := newExchanger(ctx, opts, logf)
			if err != nil {
				return err
			}
			defer ex.close()
			exchange = ex.enqueue
		}
		h.OnMessage = suiteHandler(opts, tickets, logf, out, exchange)
		if handler, err = suiteHTTPHandler(ctx, opts, h); err != nil {
			return err
		}
	}
	mux := http.NewServeMux()
	mux.Handle(opts.Path, handler)
	if opts.Path != "/" {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			logf("%s %s %s → 404: not the callback path %s", t.FailIcon(), r.Method, safetext.Escape(r.URL.Path), opts.Path)
			http.NotFound(w, r)
		})
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitFailure, "cannot listen on %s: %v (is another server using it? try --addr 127.0.0.1:0)", opts.Addr, err)
	}
	addr := ln.Addr().String()
	term, stopNotify := opts.Terminated()
	defer stopNotify()
	// The callback URL first, alone on stdout: what a script or a tunnel reads.
	callbackURL := fmt.Sprintf("http://%s%s\n", addr, opts.Path)
	out.push(func() error { _, err := io.WriteString(ios.Out, callbackURL); return err })
	logf("%s listening on http://%s%s (Ctrl-C to stop)", t.SuccessIcon(), addr, opts.Path)
	if opts.Ready != nil {
		opts.Ready(addr)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	shutdown := func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		<-errc
	}
	select {
	case err := <-errc:
		return cmdutil.Errorf(cmdutil.ExitFailure, "server stopped: %v", err)
	case <-term:
		shutdown()
		logf("callback serve stopped (SIGTERM)")
		return nil
	case <-ctx.Done():
		shutdown()
		return ctx.Err() // Ctrl-C: root prints "interrupted", exit 130
	}
}

// defaultQueueLen is how many stdout lines may wait for a slow reader
// before new ones are dropped.
const defaultQueueLen = 1024

// lineQueue writes stdout lines in order from one goroutine. When the
// queue is full (stdout not read) a line is dropped instead of making the
// HTTP handler wait; the log says so once per run of drops, with the count.
type lineQueue struct {
	lines chan func() error
	done  chan struct{}
	logf  func(format string, a ...any)

	mu      sync.Mutex
	dropped int // in the current run of drops
	closed  bool
}

func newLineQueue(n int, logf func(string, ...any)) *lineQueue {
	if n <= 0 {
		n = defaultQueueLen
	}
	return &lineQueue{lines: make(chan func() error, n), done: make(chan struct{}), logf: logf}
}

func (q *lineQueue) push(write func() error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	select {
	case q.lines <- write:
		q.endDrops()
	default:
		if q.dropped == 0 {
			q.logf("warning: stdout is not being read: dropping message lines until it is (the HTTP answers go on)")
		}
		q.dropped++
	}
}

// endDrops reports how many lines the run of drops that just ended lost.
func (q *lineQueue) endDrops() {
	if q.dropped > 0 {
		q.logf("warning: %d message line(s) dropped because stdout was not read", q.dropped)
		q.dropped = 0
	}
}

func (q *lineQueue) drain() {
	defer close(q.done)
	failed := false
	for write := range q.lines {
		if err := write(); err != nil && !failed {
			failed = true
			q.logf("warning: cannot write to stdout: %v", err)
		}
	}
}

// close lets the lines already queued out, waiting at most a second for a
// reader that may never come.
func (q *lineQueue) close() {
	q.mu.Lock()
	q.closed = true
	close(q.lines)
	q.endDrops()
	q.mu.Unlock()
	select {
	case <-q.done:
	case <-time.After(time.Second):
	}
}

// maxForwardReply bounds what we read back from the forwarded-to app.
const maxForwardReply = 1 << 20

// forwardMessage POSTs the plaintext to the user's app and returns its answer.
func forwardMessage(ctx context.Context, client *http.Client, to *url.URL, m *cb.Message) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to.String(), bytes.NewReader(m.Plaintext))
	if err != nil {
		return 0, nil, err
	}
	if m.Format == cb.FormatJSON {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	} else {
		req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("forward to %s: %w", to.Redacted(), err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxForwardReply+1))
	if err != nil {
		return res.StatusCode, nil, fmt.Errorf("forward to %s: %w", to.Redacted(), err)
	}
	if len(body) > maxForwardReply {
		return res.StatusCode, nil, errors.New("forward: the app's answer is larger than 1 MiB")
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, nil, fmt.Errorf("forward to %s: the app answered %s", to.Redacted(), res.Status)
	}
	return res.StatusCode, body, nil
}
