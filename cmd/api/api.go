// Package api is `wwcli api`: call any WeCom endpoint with the cached
// access_token, like `gh api`.
package api

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
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
}

// NewCmd builds `wwcli api`.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Session: f.Session, BaseURL: f.PlannedBaseURL}
	cmd := &cobra.Command{
		Use:   "api PATH [CORPID SECRET]",
		Short: "Call any WeCom API endpoint with the cached access_token",
		Long: `Call a WeCom server API endpoint and print its JSON answer, like 'gh api'.

PATH is an endpoint such as /cgi-bin/user/get or just user/get (/cgi-bin/ is
added); a query string may follow it. wwcli adds the cached access_token, and
when WeCom says the token is invalid or expired (40014, 42001) it fetches a
new one and retries once. The access_token is never given by you.

-f key=value builds the JSON body of a POST (or the query with -X GET).
Values that read as JSON numbers, true, false or null keep their type;
anything else is a string. --input FILE (or - for stdin) sends a JSON body as
is; -f then adds query parameters. The method is GET, or POST when there is
a body: endpoints that read only their query (user/get, agent/get) need
-X GET with -f, or the query in PATH.

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
  wwcli api user/get -X GET -f userid=zhangsan
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
	fl.StringVarP(&opts.Method, "method", "X", "", "HTTP method (default GET, or POST with a body)")
	fl.StringArrayVarP(&opts.Fields, "field", "f", nil, "add `key=value` to the JSON body (POST) or the query (GET)")
	fl.StringVar(&opts.Input, "input", "", "send the JSON body from `FILE` (- for stdin)")
	fl.BoolVar(&opts.Paginate, "paginate", false, "follow next_cursor and print every page (at most 1000)")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the token cache")
	// shared.AddJSONFlags, but keeping -q, the shorthand gh api users type.
	fl.BoolVar(&opts.Exporter.JSON, "json", false, "print the answer as JSON (always: accepted, changes nothing)")
	fl.StringVarP(&opts.Exporter.JQ, "jq", "q", "", "filter the JSON output with a jq `EXPR` (implies --json)")
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
	s, err := opts.Session(ctx, "api", opts.Creds, opts.NoCache)
	if err != nil {
		return err
	}
	// The session's host is the one the token goes to; the early check
	// above only reports the same refusal before the keyring is asked.
	if err := checkHost(opts.Path, s.BaseURL); err != nil {
		return err
	}
	if !opts.Paginate {
		raw, err := s.Call(ctx, p.request(), nil)
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
		raw, err := s.Call(ctx, p.request(), nil)
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
