package auth

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wwcli/wwcli/pkg/profile"
	"github.com/wwcli/wwcli/pkg/ui"
)

// thirdPartyFields are the suite and provider lines of a profile.
func thirdPartyFields(th *ui.Theme, st profile.Status) [][2]string {
	var out [][2]string
	line := func(label, what string, s *profile.SecretStatus, loginArgs string) {
		switch s.State {
		case profile.StateStored:
			out = append(out, [2]string{label, th.SuccessIcon() + " " + s.ID + ", " + what + " stored"})
		case profile.StateMissing:
			out = append(out, [2]string{label, fmt.Sprintf("%s %s, %s missing: run 'wwcli auth login --profile %s %s'", th.FailIcon(), s.ID, what, st.Profile, loginArgs)})
		default:
			out = append(out, [2]string{label, th.WarnIcon() + " " + s.ID + ", cannot check"})
		}
	}
	if s := st.Suite; s != nil {
		line("suite", "suite secret", s, "--suite "+s.ID)
	}
	if s := st.Provider; s != nil {
		line("provider", "provider secret", s, "--provider --corp-id "+s.ID)
	}
	return out
}

// addThirdPartyEnv records the third-party credentials set in the
// environment (whether set, never the values).
func addThirdPartyEnv(out *statusJSON, getenv func(string) string) {
	e := envStatus{SuiteID: getenv("WWCLI_SUITE_ID"), SuiteSecret: getenv("WWCLI_SUITE_SECRET") != "",
		SuiteTicket: getenv("WWCLI_SUITE_TICKET") != "", ProviderSecret: getenv("WWCLI_PROVIDER_SECRET") != "",
		PermanentCode: getenv("WWCLI_PERMANENT_CODE") != ""}
	if e == (envStatus{}) {
		return
	}
	if out.Env == nil {
		out.Env = &envStatus{}
	}
	out.Env.SuiteID, out.Env.SuiteSecret, out.Env.SuiteTicket = e.SuiteID, e.SuiteSecret, e.SuiteTicket
	out.Env.ProviderSecret, out.Env.PermanentCode = e.ProviderSecret, e.PermanentCode
}

func printThirdPartyEnv(w io.Writer, e *envStatus) {
	var set []string
	for name, on := range map[string]bool{"WWCLI_SUITE_SECRET": e.SuiteSecret, "WWCLI_SUITE_TICKET": e.SuiteTicket,
		"WWCLI_PROVIDER_SECRET": e.ProviderSecret, "WWCLI_PERMANENT_CODE": e.PermanentCode} {
		if on {
			set = append(set, name)
		}
	}
	if e.SuiteID == "" && len(set) == 0 {
		return
	}
	sort.Strings(set)
	fmt.Fprintf(w, "  WWCLI_SUITE_ID=%s; set: %s\n", e.SuiteID, orNone(strings.Join(set, ", ")))
}
