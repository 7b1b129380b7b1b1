package cmdutil

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/suiteticket"
)

// Third-party credentials (服务商): a suite (third-party app or 代开发
// template), the provider itself, and corps that authorized a suite.
// They follow the rules of app credentials: a secret is never a flag
// value; env for CI, the keyring (or the opt-in file) for profiles, and
// under --sandbox the sandbox's demo world.

// ResolveSuite finds the suite credentials (credentials.Sources.Suite).
func (f *Factory) ResolveSuite(ctx context.Context, command string) (credentials.SuiteCredentials, error) {
	return f.resolveSuite(ctx, command, SuiteTokenTry)
}

// resolveSuite is ResolveSuite; try is the offline line its "no suite"
// message suggests.
func (f *Factory) resolveSuite(ctx context.Context, command, try string) (credentials.SuiteCredentials, error) {
	s, err := f.Sources().Suite(ctx, command, try)
	return s, exitError(err)
}

// ResolveProvider finds the provider credentials
// (credentials.Sources.Provider).
func (f *Factory) ResolveProvider(ctx context.Context, command, corpID string) (credentials.ProviderCredentials, error) {
	p, err := f.Sources().Provider(ctx, command, corpID, ProviderTokenTry)
	return p, exitError(err)
}

// exitError turns a *credentials.Error into the error Main maps to its
// exit code: a FlagError for bad input, else ExitCredentials.
func exitError(err error) error {
	ce, ok := err.(*credentials.Error)
	switch {
	case !ok:
		return err
	case ce.Usage:
		return &FlagError{Err: ce.Err}
	}
	return &ExitError{Code: ExitCredentials, Err: ce.Err}
}

// permanentCodeStore is where permanent codes live: the store of the
// selected profile (so --insecure-storage profiles keep them in their
// file), else the keyring.
func (f *Factory) permanentCodeStore() (credstore.Store, error) {
	p, err := f.profile()
	if err != nil {
		return nil, err
	}
	storage := config.StorageKeyring
	if p != nil {
		storage = p.SecretStorage
	}
	return f.SecretStore(storage)
}

// StorePermanentCode keeps the permanent code corpID gave suiteID. Under
// --sandbox it is kept for this run only: the in-process sandbox is new
// every run, and the sandbox never writes to the keyring.
func (f *Factory) StorePermanentCode(ctx context.Context, suiteID, corpID, code string) error {
	if suiteID == "" || corpID == "" || code == "" {
		return errors.New("a permanent code needs a suite id, a corp id and the code")
	}
	if f.Global.Sandbox {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.sandboxPermanentCodes == nil {
			f.sandboxPermanentCodes = map[string]string{}
		}
		f.sandboxPermanentCodes[config.PermanentCodeAccount(suiteID, corpID)] = code
		return nil
	}
	store, err := f.permanentCodeStore()
	if err != nil {
		return WithCode(ExitCredentials, err)
	}
	if err := store.Set(ctx, config.PermanentCodeAccount(suiteID, corpID), code); err != nil {
		return WithCode(ExitCredentials, fmt.Errorf("storing the permanent code of %s in %s: %w", corpID, store.Location(), err))
	}
	return nil
}

// PermanentCode returns the permanent code corpID gave suiteID and where
// it came from: WWCLI_PERMANENT_CODE (CI), else the one `wwcli suite
// permanent-code` stored. Under --sandbox only the codes of this run's
// installs exist (--auth-corp installs the demo suite when there is none).
func (f *Factory) PermanentCode(ctx context.Context, suiteID, corpID string) (code, source string, err error) {
	if v := strings.TrimSpace(f.Getenv("WWCLI_PERMANENT_CODE")); v != "" {
		return v, "WWCLI_PERMANENT_CODE", nil
	}
	account := config.PermanentCodeAccount(suiteID, corpID)
	if f.Global.Sandbox {
		if code := f.sandboxPermanentCode(account); code != "" {
			return code, "sandbox install of this run", nil
		}
		return "", "", Errorf(ExitCredentials, "no permanent code of corp %s for suite %s in this --sandbox run: exchange an install's auth_code with 'wwcli suite permanent-code AUTH_CODE' first", corpID, suiteID)
	}
	store, err := f.permanentCodeStore()
	if err != nil {
		return "", "", WithCode(ExitCredentials, err)
	}
	code, err = store.Get(ctx, account)
	switch {
	case errors.Is(err, credstore.ErrNotFound):
		return "", "", Errorf(ExitCredentials, "no permanent code of corp %s for suite %s in %s: exchange the install's auth_code with 'wwcli suite permanent-code AUTH_CODE', or set WWCLI_PERMANENT_CODE (CI)",
			corpID, suiteID, store.Location())
	case credstore.IsUnavailable(err):
		var u *credstore.UnavailableError
		errors.As(err, &u)
		return "", "", Errorf(ExitCredentials, "cannot read the permanent code of corp %s for suite %s: OS keyring unavailable: %s\n"+
			"  CI and scripts: set WWCLI_PERMANENT_CODE; or, after the install, run 'wwcli suite permanent-code AUTH_CODE' where a keyring works",
			corpID, suiteID, u.Reason)
	case err != nil:
		return "", "", WithCode(ExitCredentials, err)
	}
	return code, fmt.Sprintf("permanent code stored for %s (%s)", corpID, store.Kind()), nil
}

// SuiteTicketInfo is the suite_ticket a suite token fetch would use.
type SuiteTicketInfo struct {
	SuiteID    string
	Value      string
	Source     string    // "WWCLI_SUITE_TICKET", "store", "sandbox push"
	ReceivedAt time.Time // zero when unknown (from the environment)
}

// CurrentSuiteTicket finds the suite_ticket for suiteID: WWCLI_SUITE_TICKET
// (CI), else under --sandbox a fresh one pushed by the sandbox, else the
// latest stored one (`callback serve --suite`, `suite ticket set`). An
// expired one is returned too, with a warning: WeCom decides (40085).
func (f *Factory) CurrentSuiteTicket(ctx context.Context, suiteID string) (SuiteTicketInfo, error) {
	if v := strings.TrimSpace(f.Getenv("WWCLI_SUITE_TICKET")); v != "" {
		return SuiteTicketInfo{SuiteID: suiteID, Value: v, Source: "WWCLI_SUITE_TICKET"}, nil
	}
	if f.Global.Sandbox {
		base, err := f.SandboxURL()
		if err != nil {
			return SuiteTicketInfo{}, err
		}
		var out struct {
			SuiteTicket string `json:"suite_ticket"`
		}
		if err := f.sandboxControl(ctx, base, "/_sandbox/suite/push_ticket", map[string]string{"suite_id": suiteID}, &out); err != nil {
			return SuiteTicketInfo{}, err
		}
		return SuiteTicketInfo{SuiteID: suiteID, Value: out.SuiteTicket, Source: "sandbox push", ReceivedAt: f.Now()}, nil
	}
	store, err := f.SuiteTickets()
	if err != nil {
		return SuiteTicketInfo{}, WithCode(ExitCredentials, err)
	}
	t, err := store.Load(suiteID)
	if errors.Is(err, suiteticket.ErrNotFound) {
		return SuiteTicketInfo{}, Errorf(ExitCredentials, "no suite_ticket for suite %s: WeCom pushes one every 10 minutes to the app's 指令回调 URL; "+
			"receive it with 'wwcli callback serve --suite %s', or store one with '%s' (or set WWCLI_SUITE_TICKET in CI)", suiteID, suiteID, SuiteTicketSetLine)
	}
	if err != nil {
		return SuiteTicketInfo{}, WithCode(ExitCredentials, err)
	}
	if t.Expired(f.Now()) {
		f.Warnf("the stored suite_ticket of %s was received %s ago; WeCom accepts one for %s (DOC 90628) — is the instruction callback still receiving pushes?",
			suiteID, t.Age(f.Now()).Round(time.Second), suiteticket.Lifetime)
	}
	return SuiteTicketInfo{SuiteID: suiteID, Value: t.Value, Source: "store", ReceivedAt: t.ReceivedAt}, nil
}

// maxControlAnswer bounds a sandbox control answer.
const maxControlAnswer = 1 << 20

// sandboxControl posts body to the sandbox control API at base+path and
// decodes the JSON answer into out.
func (f *Factory) sandboxControl(ctx context.Context, base, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.HTTPClient().Do(req)
	if err != nil {
		return fmt.Errorf("sandbox %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxControlAnswer))
	if err != nil {
		return fmt.Errorf("sandbox %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sandbox %s answered HTTP %d: %s", path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("sandbox %s answered with JSON that does not fit: %w", path, err)
	}
	return nil
}

// SuiteID names the suite a command without its secret works on (`suite
// ticket`): flag (--suite-id), else WWCLI_SUITE_ID, else under --sandbox
// the demo suite, else the profile's suite.
func (f *Factory) SuiteID(flag string) (string, error) {
	id := strings.TrimSpace(firstNonEmpty(flag, f.Getenv("WWCLI_SUITE_ID")))
	if strings.ContainsAny(id, " \t\r\n") {
		return "", FlagErrorf("suite id %q contains whitespace; copy SuiteID again from 服务商管理后台 → 应用管理 → the app", id)
	}
	if id != "" {
		return id, nil
	}
	if f.Global.Sandbox {
		return sandbox.DemoSuiteID, nil
	}
	p, err := f.profile()
	if err != nil {
		return "", err
	}
	if p == nil || p.SuiteID == "" {
		return "", FlagErrorf("which suite? add --suite-id ww... (or set WWCLI_SUITE_ID), or store one with 'wwcli auth login --suite SUITE_ID'")
	}
	return p.SuiteID, nil
}

// Lines the third-party messages suggest; TestSuggestions runs each
// (thirdPartySuggestions).
const (
	SuiteTokenTry      = "wwcli --sandbox suite token"
	ProviderTokenTry   = "wwcli --sandbox provider token"
	AuthCorpTry        = "wwcli --sandbox token --auth-corp " + sandbox.DemoCorpID
	SuiteTicketSetLine = `echo "$SUITE_TICKET" | wwcli suite ticket set -`
)

// thirdPartySuggestions are the runnable suggestions of the messages above.
func thirdPartySuggestions() []Suggestion {
	return []Suggestion{
		{Message: "suite: no suite", Lines: []string{SuiteTokenTry}},
		{Message: "suite: no suite (--auth-corp)", Lines: []string{AuthCorpTry}},
		{Message: "provider: no provider secret", Lines: []string{ProviderTokenTry}},
		{Message: "suite: no suite_ticket", Lines: []string{SuiteTicketSetLine},
			Env: map[string]string{"WWCLI_SUITE_ID": sandbox.DemoSuiteID, "SUITE_TICKET": "ticket-pushed-to-the-callback"}},
	}
}

// sandboxPermanentCode is the permanent code an install of this
// --sandbox run left for account, or "".
func (f *Factory) sandboxPermanentCode(account string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sandboxPermanentCodes[account]
}
