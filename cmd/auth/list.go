package auth

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// ListOptions of `wwcli auth list`.
type ListOptions struct{ f *cmdutil.Factory }

func newCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{f: f}
	return &cobra.Command{
		Use:   "list",
		Short: "List profile names (one per line; a table on a terminal)",
		Example: `  wwcli auth list
  for p in $(wwcli auth list); do wwcli --profile "$p" token >/dev/null; done`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runList(opts)
		},
	}
}

func runList(opts *ListOptions) error {
	f := opts.f
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	names := cfg.Names()
	if len(names) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "No profiles. Run 'wwcli auth login --corp-id ww...'.")
		return cmdutil.Silent(cmdutil.ExitCredentials)
	}
	for _, n := range names {
		if !f.IO.IsStdoutTTY() {
			fmt.Fprintln(f.IO.Out, n)
			continue
		}
		p := cfg.Profiles[n]
		active := " "
		if n == f.ProfileName() {
			active = "*"
		}
		fmt.Fprintf(f.IO.Out, "%s %-16s %-20s agent %-10s %s\n", active, n, p.CorpID, orDash(p.AgentID), p.SecretStorage)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
