package cmdutil

import (
	"context"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

func TestRequiredUsageAndCommandName(t *testing.T) {
	for usage, want := range map[string][2]string{
		"wwcli sign --url URL [--ticket TICKET] [--agent] [CORPID SECRET] [flags]": {"wwcli sign --url URL", "sign"},
		"wwcli userinfo CODE [CORPID SECRET] [flags]":                              {"wwcli userinfo CODE", "userinfo"},
		"wwcli api PATH [CORPID SECRET] [flags]":                                   {"wwcli api PATH", "api"},
		"wwcli auth login --corp-id ID [--agent-id N] [--secret-stdin] [flags]":    {"wwcli auth login --corp-id ID", "auth login"},
		"wwcli token [CORPID SECRET] [flags]":                                      {"wwcli token", "token"},
		"wwcli x [a [b]] y":                                                        {"wwcli x y", "x"},
	} {
		if got := requiredUsage(usage); got != want[0] {
			t.Errorf("requiredUsage(%q) = %q, want %q", usage, got, want[0])
		}
		if got := commandName(usage); got != want[1] {
			t.Errorf("commandName(%q) = %q, want %q", usage, got, want[1])
		}
	}
}

// The message is built from the command's real usage line, lists all four
// ways in, and its offline suggestion is one that can succeed.
func TestMissingCredentialsFromUsageLine(t *testing.T) {
	for usage, want := range map[string][]string{
		"wwcli userinfo CODE [CORPID SECRET] [flags]": {"one of four ways", "1. arguments:   wwcli userinfo CODE CORPID SECRET\n",
			"2. flags:       wwcli userinfo CODE --corp-id ww... --secret-file secret.txt   (or --secret-stdin)\n",
			"3. environment: WWCLI_CORP_ID=ww... WWCLI_SECRET=... wwcli userinfo CODE   (CI)\n",
			"4. profile:     wwcli auth login --corp-id ww...",
			"\nor try it offline first: code=$(wwcli sandbox code zhangsan) && wwcli --sandbox userinfo \"$code\""},
		"wwcli sign --url URL [--ticket TICKET] [--agent] [CORPID SECRET] [flags]": {"wwcli sign --url URL CORPID SECRET\n",
			"or try it offline first: wwcli --sandbox sign --url https://example.com/"},
		"wwcli api PATH [CORPID SECRET] [flags]": {"wwcli api PATH CORPID SECRET\n",
			"or try it offline first: wwcli --sandbox api user/get -X GET -f userid=zhangsan"},
		"wwcli message recall MSGID [flags]": {"one of three ways", "1. flags:       wwcli message recall MSGID --corp-id"},
	} {
		msg := missingCredentials(usage)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message lacks %q:\n%s", usage, w, msg)
			}
		}
	}
	if msg := missingCredentials("wwcli message recall MSGID [flags]"); strings.Contains(msg, "offline") {
		t.Errorf("no offline line can be made up for MSGID:\n%s", msg)
	}
}

// Every line of every suggestion is in the message that makes it, so what
// TestSuggestions (cmd) runs is what users see.
func TestSuggestionsAreInTheirMessages(t *testing.T) {
	for _, usage := range []string{"wwcli userinfo CODE [CORPID SECRET] [flags]", "wwcli token [CORPID SECRET] [flags]",
		"wwcli sign --url URL [--ticket TICKET] [--agent] [CORPID SECRET] [flags]"} {
		missing := missingCredentials(usage)
		env := sandboxDemoOnly(usage, "ww0123456789abcdef", "WWCLI_CORP_ID")
		args := sandboxDemoOnly(usage, "ww0123456789abcdef", "CORPID SECRET")
		for _, s := range CredentialSuggestions(usage) {
			msg := missing
			switch {
			case strings.HasPrefix(s.Message, "sandbox:") && s.Env != nil:
				msg = env
			case strings.HasPrefix(s.Message, "sandbox:"):
				msg = args
			}
			for _, l := range s.Lines {
				if !strings.Contains(msg, l) {
					t.Errorf("%s: %s: %q is not in the message:\n%s", usage, s.Message, l, msg)
				}
			}
		}
	}
	f := testFactory(t, nil)
	if _, err := f.ResolveCredentials(context.Background(), "api", CredInput{}); !strings.Contains(err.Error(), "wwcli api [CORPID SECRET]") &&
		!strings.Contains(err.Error(), "wwcli api CORPID SECRET") {
		t.Errorf("without a usage line the command name is used: %v", err)
	}
}

func TestResolveUsesTheRunningCommandsUsageLine(t *testing.T) {
	f := testFactory(t, nil)
	f.UseLine = "wwcli sign --url URL [--ticket TICKET] [--agent] [CORPID SECRET] [flags]"
	_, err := f.ResolveCredentials(context.Background(), "sign", CredInput{})
	if ExitCode(err) != ExitCredentials || !strings.Contains(err.Error(), "wwcli sign --url URL CORPID SECRET") {
		t.Fatalf("%v", err)
	}
}

// With real credentials exported, --sandbox says the sandbox knows only
// the demo corp (exit 4), instead of letting the sandbox answer 40013.
func TestSandboxWithOtherCorpsCredentials(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		env  map[string]string
		in   CredInput
		want string
	}{
		{map[string]string{"WWCLI_CORP_ID": "wwreal", "WWCLI_SECRET": "s"}, CredInput{}, "unset WWCLI_CORP_ID WWCLI_SECRET"},
		{map[string]string{"WWCLI_CORP_ID": "wwreal"}, CredInput{}, "(from WWCLI_CORP_ID)"},
		{nil, CredInput{Args: []string{"wwreal", "s"}}, "drop CORPID SECRET"},
		{map[string]string{"WWCLI_SECRET": "s"}, CredInput{CorpID: "wwreal"}, "drop --corp-id"},
	}
	for _, c := range cases {
		f := testFactory(t, c.env)
		f.Global.Sandbox = true
		_, err := f.ResolveCredentials(ctx, "token", c.in)
		if ExitCode(err) != ExitCredentials || !strings.Contains(err.Error(), "knows only its demo corp "+sandbox.DemoCorpID+", not wwreal") ||
			!strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %+v: %v", c.env, c.in, err)
		}
	}
	// The demo corp's own credentials, or WWCLI_CORP_ID alone naming it, pass.
	f := testFactory(t, map[string]string{"WWCLI_CORP_ID": sandbox.DemoCorpID})
	f.Global.Sandbox = true
	if c, err := f.ResolveCredentials(ctx, "token", CredInput{}); err != nil || c.Secret != sandbox.DemoAppSecret {
		t.Fatalf("demo corp id alone: %+v %v", c, err)
	}
	if c, err := f.ResolveCredentials(ctx, "token", CredInput{Args: []string{sandbox.DemoCorpID, sandbox.DemoApp2Secret}}); err != nil || c.Secret != sandbox.DemoApp2Secret {
		t.Fatalf("demo corp, app 2: %+v %v", c, err)
	}
}

// Review R5: WWCLI_CORP_ID alone (authurl's corp-id fallback) must not
// lock every command out of the stored profile of that corp.
func TestCorpIDAloneFallsThroughToTheProfile(t *testing.T) {
	ctx := context.Background()
	f := testFactory(t, map[string]string{"WWCLI_CORP_ID": "wwprofile"})
	saveProfile(t, f, "default", &config.Profile{CorpID: "wwprofile", SecretStorage: config.StorageKeyring}, "profilesecret")
	c, err := f.ResolveCredentials(ctx, "token", CredInput{})
	if err != nil || c.Secret != "profilesecret" || c.Profile != "default" {
		t.Fatalf("same corp: %+v %v", c, err)
	}
	f = testFactory(t, map[string]string{"WWCLI_CORP_ID": "wwother"})
	saveProfile(t, f, "default", &config.Profile{CorpID: "wwprofile", SecretStorage: config.StorageKeyring}, "profilesecret")
	if _, err := f.ResolveCredentials(ctx, "token", CredInput{}); ExitCode(err) != ExitCredentials ||
		!strings.Contains(err.Error(), `WWCLI_CORP_ID is wwother but profile "default" is for corp wwprofile`) {
		t.Fatalf("other corp: %v", err)
	}
	f = testFactory(t, map[string]string{"WWCLI_CORP_ID": "wwother"})
	if _, err := f.ResolveCredentials(ctx, "token", CredInput{}); ExitCode(err) != ExitCredentials ||
		!strings.Contains(err.Error(), "no profile") {
		t.Fatalf("no profile: %v", err)
	}
}
