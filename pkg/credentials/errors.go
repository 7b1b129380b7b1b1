package credentials

import (
	"fmt"
	"strings"
)

// Error is a credential problem; the caller turns it into its exit code.
// Usage marks bad input (flags, arguments: exit 2); otherwise the
// credentials are missing or cannot be read (exit 4). Errors of the config
// file are returned as they are.
type Error struct {
	Usage bool
	Err   error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// usageErrorf is bad input: say what is wrong and how to fix it.
func usageErrorf(format string, a ...any) error {
	return &Error{Usage: true, Err: fmt.Errorf(format, a...)}
}

// missingErrorf is missing or unreadable credentials.
func missingErrorf(format string, a ...any) error {
	return &Error{Err: fmt.Errorf(format, a...)}
}

// missing marks err as missing or unreadable credentials.
func missing(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err}
}

// Check is the one check of a corp id and its secret as given.
func Check(corpID, secret string) error {
	if strings.TrimSpace(corpID) == "" || strings.TrimSpace(secret) == "" {
		return usageErrorf("CORPID and SECRET must not be empty")
	}
	if strings.ContainsAny(corpID, " \t\r\n") {
		return usageErrorf("corp id %q contains whitespace; copy it again from 管理后台 → 我的企业 → 企业信息", corpID)
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
