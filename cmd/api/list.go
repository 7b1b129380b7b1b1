package api

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/apicatalog"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/ui"
)

// ListOptions of `wwcli api list`.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Catalog  func() *apicatalog.Catalog // parsed on use
	Search   string
	Exporter cmdutil.Exporter
}

func newListCmd(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IO, Catalog: apicatalog.Load}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the WeCom endpoints wwcli knows",
		Long: `List the WeCom server API endpoints in wwcli's catalog: method, path, the
kind of secret whose token the endpoint takes, and whether the sandbox
simulates it. --search WORD keeps the endpoints whose path or summary
contains WORD, or whose secret kind is WORD (app, contact,
externalcontact, suite, provider, corp-via-suite, webhook, none).

On a terminal this is a table; piped, one tab-separated line per endpoint
(method, path, secret, simulated, summary). --json prints every field,
parameters and doc links included. No match exits 1 (with --json: []).`,
		Example: `  wwcli api list
  wwcli api list --search tag
  wwcli api list --search contact --json --jq '.[].path'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Search, "search", "", "only endpoints matching `WORD`")
	shared.AddJSONFlags(cmd, &opts.Exporter, "[{method, path, secret, simulated, doc_id, doc_url, params, summary}]")
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	if err := opts.Exporter.Validate(); err != nil {
		return err
	}
	found := opts.Catalog().Search(opts.Search)
	if opts.Exporter.Enabled() {
		if found == nil {
			found = []apicatalog.Endpoint{}
		}
		return opts.Exporter.Write(ctx, opts.IO, withDocURLs(found))
	}
	io := opts.IO
	if len(found) == 0 {
		return cmdutil.Errorf(cmdutil.ExitFailure, "no endpoint in wwcli's catalog matches %q; 'wwcli api list' shows them all", opts.Search)
	}
	if !io.IsStdoutTTY() {
		for _, e := range found {
			fmt.Fprintf(io.Out, "%s\t%s\t%s\t%s\t%s\n", e.Method, e.ShortPath(), e.Secret, yesNo(e.Simulated), e.Summary)
		}
		return nil
	}
	tb := ui.New(io.Out, io.ColorOut()).NewTable("METHOD", "PATH", "SECRET", "SANDBOX", "SUMMARY")
	for _, e := range found {
		tb.AddRow(e.Method, e.ShortPath(), string(e.Secret), yesNo(e.Simulated), e.Summary)
	}
	return tb.Render(io.Out)
}

// endpointJSON is an endpoint with its doc link spelled out.
type endpointJSON struct {
	apicatalog.Endpoint
	DocURL string `json:"doc_url,omitempty"`
}

func withDocURLs(list []apicatalog.Endpoint) []endpointJSON {
	out := make([]endpointJSON, len(list))
	for i, e := range list {
		out[i] = toJSON(e)
	}
	return out
}

// toJSON: params is [] rather than null for an endpoint without any.
func toJSON(e apicatalog.Endpoint) endpointJSON {
	if e.Params == nil {
		e.Params = []apicatalog.Param{}
	}
	return endpointJSON{Endpoint: e, DocURL: e.DocURL()}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
