package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/wwcli/wwcli/pkg/apicatalog"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// maxInput bounds --input: WeCom request bodies are small.
const maxInput = 16 << 20

// prepared is a request checked before anything goes on the wire.
type prepared struct {
	method string
	path   string
	query  url.Values
	body   map[string]any // set for -f bodies and for --input with --paginate
	raw    []byte         // --input without --paginate: sent untouched
	// endpoint is the catalog's entry for path, if it has one.
	endpoint *apicatalog.Endpoint
	warned   bool // a secret-kind warning was printed
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

// prepare validates everything the user typed, before any request.
func prepare(opts *Options) (*prepared, error) {
	path, query, err := splitPath(opts.Path)
	if err != nil {
		return nil, err
	}
	p := &prepared{path: path, query: query}
	if opts.Catalog != nil {
		if ep, ok := opts.Catalog().Lookup(path); ok {
			p.endpoint = &ep
		}
	}
	if err := opts.Exporter.Validate(); err != nil {
		return nil, err
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
	} else if ep := p.endpoint; ep != nil && (method == "" || method == ep.Method) {
		// The catalog knows the endpoint: each field goes where its docs
		// put it (user/get?userid=..., menu/create?agentid=... + body).
		// A known POST endpoint gets a JSON body even without fields.
		p.method = ep.Method
		if p.method == http.MethodPost {
			p.body = map[string]any{}
		}
		for _, kv := range fields {
			if ep.FieldIn(kv.key) == apicatalog.InQuery || p.method == http.MethodGet {
				p.query.Add(kv.key, kv.text)
			} else {
				p.body[kv.key] = kv.value
			}
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
func checkHost(arg, baseURL string) error {
	u, err := url.Parse(strings.TrimSpace(arg))
	if err != nil || u.Host == "" {
		return nil
	}
	base, err := url.Parse(baseURL)
	if err != nil {
		return err
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
		r = opts.IO.In
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
