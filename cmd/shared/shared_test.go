package shared

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/msgspec"
	"github.com/wwcli/wwcli/pkg/session"
)

func TestPrintCredential(t *testing.T) {
	type doc struct {
		Token string `json:"token"`
		Lifetime
	}
	r := session.Result{Value: "T<&>", ExpiresIn: 7200, ExpiresAt: time.Date(2026, 1, 2, 11, 0, 0, 0, time.FixedZone("CST", 8*3600)), Cached: true}

	ios, _, out, errOut := iostreams.Test()
	if err := PrintCredential(context.Background(), ios, &cmdutil.Exporter{}, r.Value, doc{r.Value, LifetimeOf(r)}, "a note"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "T<&>\n" || errOut.String() != "a note\n" {
		t.Errorf("bare value: stdout %q, stderr %q", out, errOut)
	}

	ios, _, out, errOut = iostreams.Test()
	if err := PrintCredential(context.Background(), ios, &cmdutil.Exporter{JSON: true}, r.Value, doc{r.Value, LifetimeOf(r)}, "a note"); err != nil {
		t.Fatal(err)
	}
	if want := `{"token":"T<&>","expires_in":7200,"expires_at":"2026-01-02T03:00:00Z","cached":true}` + "\n"; out.String() != want || errOut.Len() != 0 {
		t.Errorf("--json: stdout %q, want %q; stderr %q", out, want, errOut)
	}
}

func TestKindFlagsGiven(t *testing.T) {
	var kinds *KindFlags
	var given []msgspec.Given
	cmd := &cobra.Command{Use: "send", RunE: func(cmd *cobra.Command, _ []string) error {
		given = kinds.Given(cmd)
		return nil
	}}
	kinds = AddKindFlags(cmd, msgspec.KindsFor("text", "news", "template_card"), map[string]string{
		"text": "send `TEXT`", "template-card": "send the card in `FILE`", "body": "send `FILE`",
	})
	var news []string
	cmd.Flags().StringArrayVar(&news, "news", nil, "an article")
	if cmd.Flags().Lookup("news").Usage != "an article" || cmd.Flags().Lookup("template-card") == nil {
		t.Fatal("flags not bound as asked")
	}
	cmd.SetArgs([]string{"--body", "b.json", "--news", "title=a,url=b", "--text", "hi"})
	cmd.SetOut(io.Discard)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := []msgspec.Given{{Flag: "text", Value: "hi"}, {Flag: "news"}, {Flag: "body", Value: "b.json"}}
	if len(given) != len(want) {
		t.Fatalf("given %+v, want %+v", given, want)
	}
	for i := range want {
		if given[i] != want[i] {
			t.Errorf("given[%d] = %+v, want %+v", i, given[i], want[i])
		}
	}
}
