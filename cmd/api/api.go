// Package api is `wwcli api`: call any WeCom endpoint with the cached
// access_token, like `gh api`.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/jq"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// MaxPages bounds --paginate: a server that always answers a next_cursor
// must not keep us looping forever.
const MaxPages = 1000

// maxInput bounds --input: WeCom request bodies are small.
const maxInput = 16 << 20

// Options of `wwcli api`.
type Options struct {
	f        *cmdutil.Factory
	Creds    cmdutil.CredInput
	Path     string
	Method   string
	Fields   []string
	Input    string
	Paginate bool
	JQ       string
	NoCache  bool
}

// NewCmd builds `wwcli api`.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "api PATH [CORPID SECRET]",
		Short: "Call any WeCom API endpoint with the cached access_token",
		Long: `Call a WeCom server API endpoint and print its JSON answer, like 'gh api'.

PATH is an endpoint such as /cgi-bin/user/get or just user/get (/cgi-bin/ is
added); a query string may follow it. wwcli adds the cached access_token, and
when WeCom says the token is invalid or expired (40014, 42001) it fetches a
new one and retries once. The access_token is never given by you.

-f key=value builds the JSON body of a POST (or the query of a GET). Values
that read as JSON numbers, true, false or null keep their type; anything else
is a string. --input FILE (or - for stdin) sends a JSON body as is; -f then
adds query parameters. The method is GET, or POST when there is a body.

--paginate follows next_cursor (sent back as the body's "cursor") and prints
every page, up to 1000 pages. --jq filters each answer with a jq expression;
strings print raw, one result per line.

The answer is pretty-printed on a terminal and compact when piped. When WeCom
answers errcode != 0, the explanation goes to stderr and wwcli exits 3.`,
		Example: `  wwcli api user/get?userid=zhangsan
  wwcli api user/get -X GET -f userid=zhangsan
  wwcli api /cgi-bin/agent/get?agentid=1000002 --jq .name
  wwcli api user/list_id -f limit=1000 --paginate --jq '.dept_user[].userid'
  wwcli api message/send --input msg.json
  wwcli api message/send --input - < msg.json
  wwcli --sandbox api department/list --jq '.department[].name'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("missing PATH, e.g. 'wwcli api user/get -f userid=zhangsan'")
			}
			return shared.CredArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			opts.Creds.Args = args[1:]
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id (AgentId) of the secret; unused by the call")
	fl := cmd.Flags()
	fl.StringVarP(&opts.Method, "method", "X", "", "HTTP method (default GET, or POST with a body)")
	fl.StringArrayVarP(&opts.Fields, "field", "f", nil, "add `key=value` to the JSON body (POST) or the query (GET)")
	fl.StringVar(&opts.Input, "input", "", "send the JSON body from `FILE` (- for stdin)")
	fl.BoolVar(&opts.Paginate, "paginate", false, "follow next_cursor and print every page (at most 1000)")
	fl.StringVarP(&opts.JQ, "jq", "q", "", "filter the answer with a jq `EXPR`")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the token cache")
	return cmd
}

// prepared is a request checked before anything goes on the wire.
type prepared struct {
	method string
	path   string
	query  url.Values
	body   map[string]any // set for -f bodies and for --input with --paginate
	raw    []byte         // --input without --paginate: sent untouched
	query0 *jq.Query
}

func run(ctx context.Context, opts *Options) error {
	p, err := prepare(opts)
	if err != nil {
		return err
	}
	s, err := opts.f.Session(ctx, "api", opts.Creds, opts.NoCache)
	if err != nil {
		return err
	}
	base, err := url.Parse(s.BaseURL)
	if err != nil {
		return err
	}
	if err := checkHost(opts.Path, base); err != nil {
		return err
	}
	out := &printer{w: opts.f.IO.Out, pretty: opts.f.IO.IsStdoutTTY(), q: p.query0}
	if !opts.Paginate {
		raw, err := s.Call(ctx, p.request(), nil)
		if err != nil {
			return err
		}
		return out.print(ctx, raw)
	}
	return paginate(ctx, s, p, out, opts.f.IO.ErrOut)
}

func (p *prepared) request() wecom.Request {
	r := wecom.Request{Method: p.method, Path: p.path, Query: p.query}
	switch {
	case p.raw != nil:
		r.Body = json.RawMessage(p.raw)
	case p.body != nil:
		r.Body = p.body
	}
	return r
}

// paginate sends the request again with "cursor" set to the last
// next_cursor until WeCom answers an empty one.
func paginate(ctx context.Context, s *cmdutil.Session, p *prepared, out *printer, errOut io.Writer) error {
	seen := map[string]bool{}
	for page := 1; ; page++ {
		raw, err := s.Call(ctx, p.request(), nil)
		if err != nil {
			return err
		}
		if err := out.print(ctx, raw); err != nil {
			return err
		}
		var env struct {
			Next string `json:"next_cursor"`
		}
		_ = json.Unmarshal(raw, &env)
		if env.Next == "" {
			return nil
		}
		if seen[env.Next] {
			fmt.Fprintf(errOut, "warning: WeCom answered the same next_cursor twice; stopped after %d pages\n", page)
			return nil
		}
		if page >= MaxPages {
			fmt.Fprintf(errOut, "warning: stopped after %d pages; there are more (next_cursor %s)\n", MaxPages, env.Next)
			return nil
		}
		seen[env.Next] = true
		p.body["cursor"] = env.Next
	}
}

// prepare validates everything the user typed, before any request.
func prepare(opts *Options) (*prepared, error) {
	path, query, err := splitPath(opts.Path)
	if err != nil {
		return nil, err
	}
	p := &prepared{path: path, query: query}
	if opts.JQ != "" {
		if p.query0, err = jq.Compile(opts.JQ); err != nil {
			return nil, cmdutil.FlagErrorf("%v", err)
		}
	}
	fields, err := parseFields(opts.Fields)
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(opts.Method)
	switch method {
	case "", http.MethodGet, http.MethodPost:
	default:
		return nil, cmdutil.FlagErrorf("-X %s: WeCom APIs take GET or POST", opts.Method)
	}
	if opts.Input != "" {
		if method == http.MethodGet {
			return nil, cmdutil.FlagErrorf("--input sends a body: use POST (or drop -X GET)")
		}
		raw, err := readInput(opts)
		if err != nil {
			return nil, err
		}
		p.method = http.MethodPost
		p.raw = raw
		for _, kv := range fields {
			p.query.Add(kv.key, kv.text)
		}
	} else if len(fields) > 0 && method != http.MethodGet {
		p.method = http.MethodPost
		p.body = map[string]any{}
		for _, kv := range fields {
			p.body[kv.key] = kv.value
		}
	} else {
		p.method = http.MethodGet
		if method == http.MethodPost {
			p.method = http.MethodPost
			p.body = map[string]any{}
		}
		for _, kv := range fields {
			p.query.Add(kv.key, kv.text)
		}
	}
	if opts.Paginate {
		if p.method != http.MethodPost {
			return nil, cmdutil.FlagErrorf("--paginate follows next_cursor in a POST body: add -f or --input (e.g. -f limit=1000)")
		}
		if p.raw != nil {
			var obj map[string]any
			dec := json.NewDecoder(bytes.NewReader(p.raw))
			dec.UseNumber()
			if err := dec.Decode(&obj); err != nil || obj == nil {
				return nil, cmdutil.FlagErrorf("--paginate needs a JSON object body to set \"cursor\" in")
			}
			p.body, p.raw = obj, nil
		}
	}
	return p, nil
}

// splitPath turns PATH into /cgi-bin/... plus its query.
func splitPath(arg string) (string, url.Values, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return "", nil, cmdutil.FlagErrorf("PATH is empty: give an endpoint such as user/get")
	}
	u, err := url.Parse(arg)
	if err != nil {
		return "", nil, cmdutil.FlagErrorf("PATH %q is not a valid URL path: %v", arg, err)
	}
	if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
		return "", nil, cmdutil.FlagErrorf("PATH %q: give an endpoint path such as user/get, not a %s: URL", arg, u.Scheme)
	}
	q := u.Query()
	if q.Has("access_token") {
		return "", nil, cmdutil.FlagErrorf("PATH carries access_token: drop it, wwcli adds the cached token itself")
	}
	path := strings.TrimLeft(u.Path, "/")
	if path == "" {
		return "", nil, cmdutil.FlagErrorf("PATH %q names no endpoint: give one such as user/get", arg)
	}
	if strings.Contains(path, "..") {
		return "", nil, cmdutil.FlagErrorf("PATH %q must not contain '..'", arg)
	}
	if !strings.HasPrefix(path, "cgi-bin/") {
		path = "cgi-bin/" + path
	}
	return "/" + path, q, nil
}

// checkHost refuses an absolute URL to any host but the API base URL: the
// token must never travel to another server.
func checkHost(arg string, base *url.URL) error {
	u, err := url.Parse(strings.TrimSpace(arg))
	if err != nil || u.Host == "" {
		return nil
	}
	if !strings.EqualFold(u.Host, base.Host) {
		return cmdutil.FlagErrorf("PATH points at %s but the API host is %s: wwcli only sends the access_token to the API host (use --base-url to change it)", u.Host, base.Host)
	}
	return nil
}

type field struct {
	key   string
	text  string // as typed, for a query
	value any    // typed, for a JSON body
}

func parseFields(raw []string) ([]field, error) {
	out := make([]field, 0, len(raw))
	for _, kv := range raw {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, cmdutil.FlagErrorf("-f %q: use key=value, e.g. -f userid=zhangsan", kv)
		}
		if k == "access_token" {
			return nil, cmdutil.FlagErrorf("-f access_token=...: drop it, wwcli adds the cached token itself")
		}
		out = append(out, field{key: k, text: v, value: typed(v)})
	}
	return out, nil
}

// typed keeps numbers, booleans and null typed, as WeCom expects
// {"agentid":1000002} rather than {"agentid":"1000002"}.
func typed(v string) any {
	switch v {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if v != "" && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
		var n json.Number
		if err := json.Unmarshal([]byte(v), &n); err == nil {
			return n
		}
	}
	return v
}

func readInput(opts *Options) ([]byte, error) {
	var r io.Reader
	if opts.Input == "-" {
		r = opts.f.IO.In
	} else {
		fh, err := os.Open(opts.Input)
		if err != nil {
			return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--input: %v", err)
		}
		defer fh.Close()
		r = fh
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--input: %v", err)
	}
	if len(raw) > maxInput {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--input: body larger than %d bytes", maxInput)
	}
	raw = bytes.TrimSpace(raw)
	if !json.Valid(raw) {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "--input %s is not valid JSON; WeCom only takes JSON bodies", opts.Input)
	}
	return raw, nil
}

// printer writes answers: filtered by jq, or the JSON itself.
type printer struct {
	w      io.Writer
	pretty bool
	q      *jq.Query
}

func (p *printer) print(ctx context.Context, raw []byte) error {
	if p.q != nil {
		if err := p.q.Run(ctx, raw, p.w); err != nil {
			return cmdutil.WithCode(cmdutil.ExitFailure, err)
		}
		return nil
	}
	var buf bytes.Buffer
	var err error
	if p.pretty {
		err = json.Indent(&buf, raw, "", "  ")
	} else {
		err = json.Compact(&buf, raw)
	}
	if err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	buf.WriteByte('\n')
	_, err = p.w.Write(buf.Bytes())
	return err
}
