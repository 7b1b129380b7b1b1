package media

import (
	"context"
	"io"
	"testing"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
)

func execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}

func TestNewCmdUpload(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *UploadOptions
	cmd := newCmdUpload(h.F, func(_ context.Context, o *UploadOptions) error { got = o; return nil })
	if err := execute(cmd, "logo.png", "ww1", "SECRET", "--type", "image", "--permanent", "--jq", ".url"); err != nil {
		t.Fatal(err)
	}
	if got.Path != "logo.png" || len(got.Creds.Args) != 2 || got.Type != "image" || !got.Permanent || !got.Exporter.Enabled() {
		t.Fatalf("%+v", got)
	}
	for _, args := range [][]string{{}, {"a", "b"}, {"a", "--type", "thumb"}} {
		if err := execute(newCmdUpload(h.F, nil), args...); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v: %v", args, err)
		}
	}
}
