// Package api is `wwcli api`: call any WeCom endpoint with the cached
// access_token, like `gh api`.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/apicatalog"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/recording"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// MaxPages bounds --paginate: a server that always answers a next_cursor
// must not keep us looping forever.
const MaxPages = 1000

// Options of `wwcli api`: only what run needs.
type Options struct {
	IO      *iostreams.IOStreams
	Session func(ctx context.Context, command string, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error)
	// BaseURL is the API host a session for the credentials will use,
	// known without reading a secret.
	BaseURL func(in cmdutil.CredInput) (string, error)

	Creds    cmdutil.CredInput
	Path     string
	Method   string
	Fields   []string
	Input    string
	Paginate bool
	NoCache  bool
	Exporter cmdutil.Exporter
	// Record is the directory --record writes each call into, or "".
	Record string
	// Catalog knows which endpoints are GET, where their parameters go
	// and which secret they take. A func: the table is parsed only when a
	// command uses it, never when the command tree is built.
	Catalog func() *apicatalog.Catalog
	Now     func() time.Time
}

// NewCmd builds `wwcli api`.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Session: f.Session, BaseURL: f.PlannedBaseURL, Catalog: apicatalog.Load, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "api PATH [CORPID SECRET]",
		Short: "Call any WeCom API endpoint with the cached access_token",
		Long: `Call a WeCom server API endpoint and print its JSON answer, like 'gh api'.

PATH is an endpoint such as /cgi-bin/user/get or just user/get (/cgi-bin/ is
added); a query string may follow it. wwcli adds the cached access_token, and
when WeCom says the token is invalid or expired (40014, 42001) it fetches a
new one and retries once. The access_token is never given by you.

-f key=value adds a parameter. For an endpoint in wwcli's catalog ('wwcli api
list') each goes where WeCom's docs put it: the query of a GET endpoint
(user/get, agent/get), the JSON body of a POST one, the query for a POST
endpoint's query parameters (menu/create's agentid). For other paths -f
builds the JSON body of a POST (or the query with -X GET). Values that read
as JSON numbers, true, false or null keep their type in a body; anything
else is a string. --input FILE (or - for stdin) sends a JSON body as is; -f
then adds query parameters. -X overrides the method.

Before the call wwcli warns when the endpoint takes another kind of secret
(the contact-sync secret, a suite token, a robot key). 'wwcli api describe
PATH' shows an endpoint's method, parameters, secret and doc page.

--record DIR writes each call (request and answer) as a JSON file into DIR,
with secrets, tokens, codes and personal data redacted, for 'wwcli sandbox
--replay DIR'.

--paginate follows next_cursor (sent back as the body's "cursor") and prints
every page, up to 1000 pages. --jq filters each answer with a jq expression;
strings print raw, one result per line. --json is accepted and changes
nothing: the answer is always JSON.

The answer is pretty-printed on a terminal and compact when piped. When WeCom
answers errcode != 0, the explanation goes to stderr and wwcli exits 3; an
endpoint that does not exist (HTTP 404) exits 1.

Credentials: CORPID SECRET, --corp-id with --secret-stdin/--secret-file,
WWCLI_CORP_ID + WWCLI_SECRET, or a profile from 'wwcli auth login'.`,
		Example: `  wwcli api user/get?userid=zhangsan
  wwcli api user/get -f userid=zhangsan
  wwcli api list --search tag
  wwcli api describe user/get
  wwcli api /cgi-bin/agent/get?agentid=1000002 --jq .name
  wwcli api message/send --input msg.json
  wwcli api message/send --input - < msg.json
  wwcli --sandbox api department/list --jq '.department[].name'
  wwcli --sandbox api user/list_id -f limit=1000 --paginate \
    --jq '.dept_user[].userid' ww5a8f2c1d9e0b3a47 \
    DemoContactSyncSecret-wwcli-sandbox-0123456`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("missing PATH, e.g. '%s'", cmdutil.APIPathExample)
			}
			return shared.CredArgs(1)(cmd, args)
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return opts.Catalog().Complete(toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			opts.Creds.Args = args[1:]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id (AgentId) of the secret; unused by the call")
	shared.AddAuthCorpFlag(cmd, &opts.Creds)
	fl := cmd.Flags()
	fl.StringVarP(&opts.Method, "method", "X", "", "HTTP method (default: the documented one, else GET or POST with a body)")
	fl.StringArrayVarP(&opts.Fields, "field", "f", nil, "add `key=value` to the JSON body (POST) or the query (GET)")
	fl.StringVar(&opts.Input, "input", "", "send the JSON body from `FILE` (- for stdin)")
	fl.BoolVar(&opts.Paginate, "paginate", false, "follow next_cursor and print every page (at most 1000)")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the token cache")
	fl.StringVar(&opts.Record, "record", "", "write each call, redacted, as a JSON file into `DIR`")
	// shared.AddJSONFlags, but keeping -q, the shorthand gh api users type.
	fl.BoolVar(&opts.Exporter.JSON, "json", false, "print the answer as JSON (always: accepted, changes nothing)")
	fl.StringVarP(&opts.Exporter.JQ, "jq", "q", "", "filter the JSON output with a jq `EXPR` (implies --json)")
	cmd.AddCommand(newListCmd(f, nil), newDescribeCmd(f, nil))
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	p, err := prepare(opts)
	if err != nil {
		return err
	}
	// The host check is a usage error: made before any credential is read.
	planned, err := opts.BaseURL(opts.Creds)
	if err != nil {
		return err
	}
	if err := checkHost(opts.Path, planned); err != nil {
		return err
	}
	warnMethod(opts, p)
	if opts.Record != "" {
		if err := os.MkdirAll(opts.Record, 0o700); err != nil {
			return cmdutil.Errorf(cmdutil.ExitFailure, "--record: %v", err)
		}
	}
	s, err := opts.Session(ctx, "api", opts.Creds, opts.NoCache)
	if err != nil {
		return err
	}
	// The session's host is the one the token goes to; the early check
	// above only reports the same refusal before the keyring is asked.
	if err := checkHost(opts.Path, s.BaseURL); err != nil {
		return err
	}
	if p.endpoint != nil {
		if w := p.endpoint.Mismatch(credKind(opts.Creds, s.Creds)); w != "" {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
			p.warned = true
		}
	}
	if !opts.Paginate {
		raw, err := call(ctx, s, p, opts)
		if err != nil {
			return err
		}
		return opts.Exporter.Write(ctx, opts.IO, raw)
	}
	return paginate(ctx, s, p, opts)
}

// paginate sends the request again with "cursor" set to the last
// next_cursor until WeCom answers an empty one.
func paginate(ctx context.Context, s *cmdutil.Session, p *prepared, opts *Options) error {
	errOut := opts.IO.ErrOut
	seen := map[string]bool{}
	for page := 1; ; page++ {
		raw, err := call(ctx, s, p, opts)
		if err != nil {
			return err
		}
		if err := opts.Exporter.Write(ctx, opts.IO, raw); err != nil {
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

// call makes one request, records it with --record, and adds a hint to a
// 48002 that the endpoint's secret kind explains.
func call(ctx context.Context, s *cmdutil.Session, p *prepared, opts *Options) (json.RawMessage, error) {
	raw, err := s.Call(ctx, p.request(), nil)
	if opts.Record != "" && raw != nil {
		if rerr := record(opts, p, raw); rerr != nil {
			return raw, rerr
		}
	}
	if err != nil && p.endpoint != nil && !p.warned && wecom.IsCode(err, 48002) {
		switch p.endpoint.Secret {
		case apicatalog.KindContact, apicatalog.KindExternalContact:
			fmt.Fprintf(opts.IO.ErrOut, "note: %s takes the %s\n", p.endpoint.ShortPath(), p.endpoint.Secret.Describe())
		}
	}
	return raw, err
}

// record writes the call into --record's directory, redacted. The
// access_token is never in p: the session adds it on the way out.
func record(opts *Options, p *prepared, answer []byte) error {
	var body []byte
	switch {
	case p.raw != nil:
		body = p.raw
	case p.body != nil:
		body, _ = json.Marshal(p.body)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	e := recording.New(now(), p.method, p.path, p.query, body, answer, http.StatusOK)
	if _, err := recording.Write(opts.Record, e); err != nil {
		return cmdutil.Errorf(cmdutil.ExitFailure, "--record: %v", err)
	}
	return nil
}

// credKind is what wwcli can tell about the secret: it is an app's when
// an agent id comes with it (--agent-id, a profile whose secret it is, the
// --sandbox demo app). An agent id a profile lends to explicit credentials
// of its corp says nothing about them, and the contact-sync and
// customer-contact secrets have none: then the kind is unknown ("").
func credKind(in cmdutil.CredInput, c credentials.Credentials) apicatalog.SecretKind {
	if in.AuthCorp != "" {
		return apicatalog.KindCorpViaSuite // the corp token from get_corp_token
	}
	if c.AgentID != "" && (in.AgentID != "" || c.Profile != "" || c.Source == "sandbox demo app") {
		return apicatalog.KindApp
	}
	return ""
}

// warnMethod: -X against the documented method is allowed (the docs may
// lag), but WeCom will most likely refuse it.
func warnMethod(opts *Options, p *prepared) {
	if p.endpoint == nil || opts.Method == "" || strings.EqualFold(opts.Method, p.endpoint.Method) {
		return
	}
	fmt.Fprintf(opts.IO.ErrOut, "warning: WeCom documents %s as %s, not %s (%s)\n",
		p.endpoint.ShortPath(), p.endpoint.Method, strings.ToUpper(opts.Method), p.endpoint.DocURL())
}
