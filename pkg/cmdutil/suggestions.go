package cmdutil

import (
	"fmt"
	"strings"

	"github.com/wwcli/wwcli/pkg/sandbox"
)

// Suggestion is a fix an error message tells the user to type. Its Lines
// appear in the message exactly as written and succeed when pasted one
// after another into one shell that had Env set when the message was
// shown. TestSuggestions (cmd/suggestions_test.go) runs every one of them
// against a sandbox, so a suggestion that stops working fails CI.
//
// Placeholders, as in the help examples: CORPID, SECRET, CODE, URL (a page
// URL), PATH (an endpoint such as user/get), "ww..." for a corp id and
// WWCLI_SECRET=... for a secret; secret.txt is a file holding the secret.
type Suggestion struct {
	Message string            // which message shows it, for test names
	Lines   []string          // what to type, in order
	Env     map[string]string // the environment the message was shown in
	// Server: the last line starts a server, which works when it prints
	// its base URL (it then runs until stopped).
	Server bool
}

// APIPathExample is what `wwcli api` without PATH suggests: user/get reads
// only its query, so -X GET keeps -f out of a POST body.
const APIPathExample = "wwcli api user/get -X GET -f userid=zhangsan"

// tryOffline is, for commands that need values to run, a line that
// succeeds against the in-process sandbox with no setup. Other commands
// get "wwcli --sandbox" + their usage line.
var tryOffline = map[string]string{
	"sign":     "wwcli --sandbox sign --url https://example.com/",
	"api":      "wwcli --sandbox " + strings.TrimPrefix(APIPathExample, "wwcli "),
	"userinfo": `code=$(wwcli sandbox code zhangsan) && wwcli --sandbox userinfo "$code"`,
}

// concreteUsage replaces a usage line whose required part is not a
// command one can paste ("--to USERID (--text TEXT | ...)") with one that is.
var concreteUsage = map[string]string{
	"message send": "wwcli message send --agent-id 1000002 --to zhangsan --text 'build passed'",
	"relay":        "wwcli relay --clients clients.json",
}

// serverCommands run until stopped: their suggestions work when they
// print their base URL.
var serverCommands = map[string]bool{"relay": true}

// suggestedBase is the start of every suggested line for usage.
func suggestedBase(usage string) string {
	if line, ok := concreteUsage[commandName(usage)]; ok {
		return line
	}
	return requiredUsage(usage)
}

// demoEnv is what the sandbox's demo app needs in the environment.
var demoEnv = "export WWCLI_CORP_ID=" + sandbox.DemoCorpID + " WWCLI_SECRET=" + sandbox.DemoAppSecret

// fixturesServer serves the user's own corp, for --base-url.
const fixturesServer = "wwcli sandbox --fixtures corp.json"

// realEnv stands for real credentials a CI job exported.
var realEnv = map[string]string{"WWCLI_CORP_ID": "ww0123456789abcdef", "WWCLI_SECRET": "real-secret-of-the-ci-job"}

// FixedSuggestions are the suggestions that do not depend on a command's
// usage line.
func FixedSuggestions() []Suggestion {
	return append([]Suggestion{{Message: "api: missing PATH", Lines: []string{APIPathExample},
		Env: map[string]string{"WWCLI_CORP_ID": sandbox.DemoCorpID, "WWCLI_SECRET": sandbox.DemoAppSecret}}},
		thirdPartySuggestions()...)
}

// CredentialSuggestions are the suggestions the credential messages of
// the command with cobra usage line usage can show.
func CredentialSuggestions(usage string) []Suggestion {
	var out []Suggestion
	name := commandName(usage)
	for _, w := range credentialWays(usage) {
		server := serverCommands[name] && strings.Contains(w.line, "wwcli "+name+" ")
		out = append(out, Suggestion{Message: "no credentials: " + w.label, Lines: []string{w.line}, Server: server})
	}
	try := OfflineTry(usage)
	if try == "" {
		return out
	}
	out = append(out,
		Suggestion{Message: "no credentials: offline", Lines: []string{try}},
		Suggestion{Message: "sandbox: demo corp only (env)", Lines: []string{"unset WWCLI_CORP_ID WWCLI_SECRET", try}, Env: realEnv},
		Suggestion{Message: "sandbox: demo corp only (demo env)", Lines: []string{demoEnv, try}, Env: realEnv},
		Suggestion{Message: "sandbox: demo corp only (fixtures)", Lines: []string{fixturesServer}, Server: true})
	return out
}

type credentialWay struct{ label, line, note string }

// credentialWays are the ways in for a command, built from its usage
// line: positional CORPID SECRET only where the usage allows them.
func credentialWays(usage string) []credentialWay {
	base := suggestedBase(usage)
	var ways []credentialWay
	if strings.Contains(usage, "CORPID SECRET") {
		ways = append(ways, credentialWay{"arguments", base + " CORPID SECRET", ""})
	}
	return append(ways,
		credentialWay{"flags", base + " --corp-id ww... --secret-file secret.txt", "(or --secret-stdin)"},
		credentialWay{"environment", "WWCLI_CORP_ID=ww... WWCLI_SECRET=... " + base, "(CI)"},
		credentialWay{"profile", "wwcli auth login --corp-id ww...", "(secret kept in the OS keyring)"})
}

// missingCredentials is the exit-4 message that shows every way in.
func missingCredentials(usage string) string {
	ways := credentialWays(usage)
	var b strings.Builder
	fmt.Fprintf(&b, "no WeCom credentials: give them one of %s ways", [...]string{"no", "one", "two", "three", "four"}[len(ways)])
	for i, w := range ways {
		fmt.Fprintf(&b, "\n  %d. %-12s %s", i+1, w.label+":", w.line)
		if w.note != "" {
			b.WriteString("   " + w.note)
		}
	}
	if try := OfflineTry(usage); try != "" {
		b.WriteString("\nor try it offline first: " + try)
	}
	return b.String()
}

// sandboxDemoOnly is the exit-4 message for --sandbox with credentials of
// another corp: the in-process sandbox serves only the demo corp.
func sandboxDemoOnly(usage, corp, source string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "--sandbox knows only its demo corp %s, not %s (from %s).", sandbox.DemoCorpID, corp, source)
	try := OfflineTry(usage)
	if source == "WWCLI_CORP_ID" {
		b.WriteString("\nUse the demo app:      unset WWCLI_CORP_ID WWCLI_SECRET")
		b.WriteString("\n  or its credentials:  " + demoEnv)
	} else {
		fmt.Fprintf(&b, "\nUse the demo app:      drop %s; --sandbox then uses it", source)
	}
	if try != "" {
		b.WriteString("\n  then:                " + try)
	}
	b.WriteString("\nOr sandbox your corp:  " + fixturesServer +
		"\n  and give --base-url the URL it prints, instead of --sandbox.")
	return b.String()
}

// OfflineTry is a line that shows the command working against the
// in-process sandbox, or "" when there is none.
func OfflineTry(usage string) string {
	name := commandName(usage)
	if line, ok := tryOffline[name]; ok {
		return line
	}
	base := requiredUsage(usage)
	if base != "wwcli "+name {
		return "" // it needs values we cannot make up
	}
	return "wwcli --sandbox " + name
}

// requiredUsage is usage without its optional parts:
// "wwcli sign --url URL [--ticket TICKET] [CORPID SECRET] [flags]" →
// "wwcli sign --url URL".
func requiredUsage(usage string) string {
	var b strings.Builder
	depth := 0
	for _, r := range usage {
		switch {
		case r == '[':
			depth++
		case r == ']' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// commandName is the command path of a usage line without "wwcli":
// "wwcli auth login --corp-id ID" → "auth login".
func commandName(usage string) string {
	words := strings.Fields(usage)
	var name []string
	for _, w := range words[min(1, len(words)):] {
		if w[0] < 'a' || w[0] > 'z' {
			break
		}
		name = append(name, w)
	}
	return strings.Join(name, " ")
}
