// Package version is `wwcli version`.
package version

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/build"
	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// Options of `wwcli version`.
type Options struct {
	f    *cmdutil.Factory
	JSON bool
}

// NewCmd builds `wwcli version`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{f: f}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the wwcli version",
		Args:  cobra.NoArgs,
		Example: `  wwcli version
  wwcli version --json`,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print {version, commit, date} as JSON")
	return cmd
}

func run(opts *Options) error {
	info := build.Current()
	if opts.JSON {
		return json.NewEncoder(opts.f.IO.Out).Encode(info)
	}
	_, err := fmt.Fprintln(opts.f.IO.Out, info.String())
	return err
}
