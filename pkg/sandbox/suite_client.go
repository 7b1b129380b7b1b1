package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Clients of a running sandbox's /_sandbox/suite/ control calls, for
// `wwcli sandbox suite ...`. A call the sandbox refuses (HTTP 400) is a
// *CodeRequestError with its reason.

// RequestSuiteTicket asks for a new suite_ticket (pushed when the suite
// has a callback URL).
func RequestSuiteTicket(ctx context.Context, client *http.Client, baseURL, suiteID string) (ticket string, push *PushResult, err error) {
	var out struct {
		SuiteTicket string      `json:"suite_ticket"`
		Push        *PushResult `json:"push"`
	}
	err = suiteCall(ctx, client, baseURL, "/_sandbox/suite/push_ticket", map[string]string{"suite_id": suiteID}, &out)
	if err == nil && out.SuiteTicket == "" {
		err = fmt.Errorf("%s is not a wwcli sandbox: push_ticket answered no suite_ticket", baseURL)
	}
	return out.SuiteTicket, out.Push, err
}

// RequestSuiteAuthorization has the sandbox's admin finish the install page.
func RequestSuiteAuthorization(ctx context.Context, client *http.Client, baseURL string, req SuiteAuthorizeRequest) (SuiteAuthorization, error) {
	var out SuiteAuthorization
	err := suiteCall(ctx, client, baseURL, "/_sandbox/suite/authorize", req, &out)
	if err == nil && out.AuthCode == "" {
		err = fmt.Errorf("%s is not a wwcli sandbox: authorize answered no auth_code", baseURL)
	}
	return out, err
}

// RequestSuiteCode asks for a getuserinfo3rd code.
func RequestSuiteCode(ctx context.Context, client *http.Client, baseURL string, req SuiteCodeRequest) (code string, expiresIn int, err error) {
	var out struct {
		Code      string `json:"code"`
		ExpiresIn int    `json:"expires_in"`
	}
	err = suiteCall(ctx, client, baseURL, "/_sandbox/suite/code", req, &out)
	if err == nil && out.Code == "" {
		err = fmt.Errorf("%s is not a wwcli sandbox: /_sandbox/suite/code answered no code", baseURL)
	}
	return out.Code, out.ExpiresIn, err
}

func suiteCall(ctx context.Context, client *http.Client, baseURL, path string, req, out any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(baseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("base URL %q: %v", baseURL, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(hreq)
	if err != nil {
		return fmt.Errorf("cannot reach the sandbox at %s: %v", baseURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("reading the answer of %s: %v", baseURL, err)
	}
	var refusal struct {
		Error string `json:"error"`
	}
	if resp.StatusCode == http.StatusBadRequest && json.Unmarshal(data, &refusal) == nil && refusal.Error != "" {
		return &CodeRequestError{Msg: refusal.Error}
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, out) != nil {
		return fmt.Errorf("%s is not a wwcli sandbox: POST %s answered HTTP %d", baseURL, path, resp.StatusCode)
	}
	return nil
}
