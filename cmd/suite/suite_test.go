package suite

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
)

func TestTokenParsesFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *TokenOptions
	cmd := newCmdToken(h.F, func(_ context.Context, o *TokenOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--refresh", "--no-cache", "--jq", ".suite_access_token"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.Refresh || !got.NoCache || got.Exporter.JQ != ".suite_access_token" {
		t.Fatalf("%+v", got)
	}
	cmd = newCmdToken(h.F, func(context.Context, *TokenOptions) error { t.Fatal("ran"); return nil })
	cmd.SetArgs([]string{"SECRET"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err == nil {
		t.Fatal("a positional secret was accepted")
	}
}

func run(t *testing.T, h *cmdutiltest.Harness, args ...string) error {
	t.Helper()
	h.Out.Reset()
	h.ErrOut.Reset()
	cmd := NewCmd(h.F)
	cmd.SetArgs(args)
	cmd.SetIn(h.In)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.Execute()
}

// `ticket set -` stores what stdin holds; `ticket` shows it with its age.
func TestTicketSetThenShow(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.Env["WWCLI_SUITE_ID"] = "wwsuite0000000001"
	h.In.WriteString("TICKET-FROM-CI\n")
	if err := run(t, h, "ticket", "set", "-"); err != nil {
		t.Fatal(err)
	}
	if h.Out.Len() != 0 || !strings.Contains(h.ErrOut.String(), "stored the suite_ticket of wwsuite0000000001") {
		t.Fatalf("stdout %q stderr %q", h.Out, h.ErrOut)
	}
	if err := run(t, h, "ticket"); err != nil {
		t.Fatal(err)
	}
	if h.Out.String() != "TICKET-FROM-CI\n" || !strings.Contains(h.ErrOut.String(), "from store, received 0s ago") {
		t.Fatalf("stdout %q stderr %q", h.Out, h.ErrOut)
	}
	if err := run(t, h, "ticket", "--json"); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(h.Out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["suite_ticket"] != "TICKET-FROM-CI" || got["source"] != "store" || got["age_seconds"] != float64(0) || got["expired"] != false {
		t.Fatalf("%v", got)
	}
	// Another suite has none: exit 4, naming how to get one.
	err := run(t, h, "ticket", "--suite-id", "wwother")
	if cmdutil.ExitCode(err) != cmdutil.ExitCredentials || !strings.Contains(err.Error(), "wwcli suite ticket set -") {
		t.Fatalf("%v", err)
	}
	// From the environment: age unknown, no age in the JSON.
	h.Env["WWCLI_SUITE_TICKET"] = "ENVTICKET"
	if err := run(t, h, "ticket", "--json"); err != nil {
		t.Fatal(err)
	}
	got = nil
	_ = json.Unmarshal(h.Out.Bytes(), &got)
	if _, ok := got["age_seconds"]; ok || got["source"] != "WWCLI_SUITE_TICKET" || got["suite_ticket"] != "ENVTICKET" {
		t.Fatalf("%v", got)
	}
}

func TestTicketSetRefusals(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.Env["WWCLI_SUITE_ID"] = "wwsuite0000000001"
	for _, args := range [][]string{{"ticket", "set"}, {"ticket", "set", "TICKET"}} {
		if err := run(t, h, args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: %v", args, err)
		}
	}
	h.In.WriteString("two words\n")
	if err := run(t, h, "ticket", "set", "-"); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "whitespace") {
		t.Errorf("%v", err)
	}
	if err := run(t, h, "ticket", "set", "-"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("empty stdin: %v", err)
	}
	delete(h.Env, "WWCLI_SUITE_ID")
	h.In.WriteString("T\n")
	if err := run(t, h, "ticket", "set", "-"); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--suite-id") {
		t.Errorf("no suite: %v", err)
	}
	h.F.Global.Sandbox = true
	if err := run(t, h, "ticket", "set", "-"); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--sandbox") {
		t.Errorf("sandbox: %v", err)
	}
}

// A stored ticket older than WeCom's 30 minutes is still shown, flagged.
func TestTicketShowsAnExpiredTicket(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.Env["WWCLI_SUITE_ID"] = "wwsuite0000000001"
	h.In.WriteString("OLD\n")
	if err := run(t, h, "ticket", "set", "-"); err != nil {
		t.Fatal(err)
	}
	h.F.Now = func() time.Time { return time.Now().Add(31 * time.Minute) }
	if err := run(t, h, "ticket"); err != nil {
		t.Fatal(err)
	}
	if h.Out.String() != "OLD\n" || !strings.Contains(h.ErrOut.String(), "older than the 30m0s WeCom accepts") ||
		!strings.Contains(h.ErrOut.String(), "warning: the stored suite_ticket") {
		t.Fatalf("stdout %q stderr %q", h.Out, h.ErrOut)
	}
	if err := run(t, h, "ticket", "--jq", ".expired"); err != nil || strings.TrimSpace(h.Out.String()) != "true" {
		t.Fatalf("%v %q", err, h.Out)
	}
}
