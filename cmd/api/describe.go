package api

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/apicatalog"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// DescribeOptions of `wwcli api describe`.
type DescribeOptions struct {
	IO       *iostreams.IOStreams
	Catalog  func() *apicatalog.Catalog // parsed on use
	Path     string
	Exporter cmdutil.Exporter
}

func newDescribeCmd(f *cmdutil.Factory, runF func(context.Context, *DescribeOptions) error) *cobra.Command {
	opts := &DescribeOptions{IO: f.IO, Catalog: apicatalog.Load}
	cmd := &cobra.Command{
		Use:   "describe PATH",
		Short: "Show an endpoint's method, parameters, secret and doc page",
		Long: `Show what wwcli's catalog knows about a WeCom endpoint: its HTTP method, its
parameters (query or body, required or optional), the kind of secret whose
token it takes, the official doc page, and whether the sandbox simulates it.
PATH is written as for 'wwcli api' (user/get or /cgi-bin/user/get).`,
		Example: `  wwcli api describe user/get
  wwcli api describe /cgi-bin/message/send --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("give one PATH, e.g. 'wwcli api describe user/get'")
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return opts.Catalog().Complete(toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDescribe(cmd.Context(), opts)
		},
	}
	shared.AddJSONFlags(cmd, &opts.Exporter, "{method, path, secret, simulated, doc_id, doc_url, params, summary}")
	return cmd
}

func runDescribe(ctx context.Context, opts *DescribeOptions) error {
	if err := opts.Exporter.Validate(); err != nil {
		return err
	}
	e, ok := opts.Catalog().Lookup(opts.Path)
	if !ok {
		word := strings.Trim(apicatalog.Normalize(opts.Path)[len("/cgi-bin/"):], "/")
		if i := strings.IndexByte(word, '/'); i > 0 {
			word = word[:i]
		}
		see := "'wwcli api list' shows the known ones"
		if len(opts.Catalog().Search(word)) > 0 {
			see = fmt.Sprintf("'wwcli api list --search %s' shows similar ones", word)
		}
		return cmdutil.FlagErrorf("%s is not in wwcli's catalog; %s ('wwcli api' still calls any path)",
			apicatalog.Normalize(opts.Path), see)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(ctx, opts.IO, toJSON(e))
	}
	w := opts.IO.Out
	fmt.Fprintf(w, "%s %s\n  %s\n\n", e.Method, e.Path, e.Summary)
	fmt.Fprintf(w, "secret   %s: %s\n", e.Secret, e.Secret.Describe())
	if tp := e.Secret.TokenParam(); tp != "" {
		note := ""
		if tp == "access_token" {
			note = " (wwcli api adds it)"
		}
		fmt.Fprintf(w, "token    %s in the query%s\n", tp, note)
	}
	if u := e.DocURL(); u != "" {
		fmt.Fprintf(w, "doc      %s\n", u)
	}
	sim := "simulated"
	if !e.Simulated {
		sim = "not simulated (serve recordings with 'wwcli sandbox --replay DIR')"
	}
	fmt.Fprintf(w, "sandbox  %s\n", sim)
	for _, in := range []apicatalog.In{apicatalog.InQuery, apicatalog.InBody} {
		var names []string
		for _, p := range e.Params {
			if p.In != in {
				continue
			}
			if p.Required {
				names = append(names, p.Name)
			} else {
				names = append(names, "["+p.Name+"]")
			}
		}
		if len(names) > 0 {
			fmt.Fprintf(w, "%-8s %s\n", in, wrap(strings.Join(names, " "), 70, "         "))
		}
	}
	if ex := example(e); ex != "" {
		fmt.Fprintf(w, "example  %s\n", ex)
	}
	return nil
}

// example is a `wwcli api` line with the required parameters as -f.
func example(e apicatalog.Endpoint) string {
	if e.Secret == apicatalog.KindNone || e.Secret == apicatalog.KindWebhook ||
		e.Secret == apicatalog.KindSuite || e.Secret == apicatalog.KindProvider {
		return ""
	}
	parts := []string{"wwcli api", e.ShortPath()}
	for _, p := range e.Params {
		if p.Required {
			parts = append(parts, "-f "+p.Name+"=...")
		}
	}
	return strings.Join(parts, " ")
}

// wrap breaks s into lines of at most width bytes at spaces.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if line+1+len(word) > width {
				b.WriteString("\n" + indent)
				line = 0
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}
