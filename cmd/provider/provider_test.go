package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
)

func TestTokenParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *TokenOptions
	cmd := newCmdToken(h.F, func(_ context.Context, o *TokenOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--corp-id", "wwprov", "--refresh", "--no-cache", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.CorpID != "wwprov" || !got.Refresh || !got.NoCache || !got.Exporter.JSON {
		t.Fatalf("%+v", got)
	}
}

func TestTokenWithoutCredentialsExits4(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	cmd := NewCmd(h.F)
	cmd.SetArgs([]string{"token"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if cmdutil.ExitCode(err) != cmdutil.ExitCredentials || !strings.Contains(err.Error(), "WWCLI_PROVIDER_SECRET") || h.Out.Len() != 0 {
		t.Fatalf("%v (stdout %q)", err, h.Out)
	}
}
