// Package version is `wwcli version`.
package version

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/build"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// Options of `wwcli version`: only what run needs.
type Options struct {
	IO       *iostreams.IOStreams
	Build    func() build.Info
	Exporter cmdutil.Exporter
}

// NewCmd builds `wwcli version`. runF replaces the run function in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Build: build.Current}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the wwcli version",
		Args:  cobra.NoArgs,
		Example: `  wwcli version
  wwcli version --json
  wwcli version --jq .version`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	shared.AddJSONFlags(cmd, &opts.Exporter, "{version, commit, date, go, os, arch}")
	return cmd
}

// versionJSON is the build plus the toolchain and platform, for bug reports.
type versionJSON struct {
	build.Info
	Go   string `json:"go"`
	OS   string `json:"os"`
	Arch string `json:"arch"`
}

func run(ctx context.Context, opts *Options) error {
	info := opts.Build()
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(ctx, opts.IO, versionJSON{info, runtime.Version(), runtime.GOOS, runtime.GOARCH})
	}
	_, err := fmt.Fprintln(opts.IO.Out, info.String())
	return err
}
