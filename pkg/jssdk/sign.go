// Package jssdk computes and checks WeCom JS-SDK signatures, the values a
// backend returns from ww.register's getConfigSignature and
// getAgentConfigSignature. It is pure: no network, no terminal, no clock
// (callers pass the timestamp).
package jssdk

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
)

// String1 builds the exact string WeCom hashes: fixed key order, lowercase
// "noncestr", values verbatim (no URL-encoding).
func String1(ticket, nonceStr, timestamp, url string) string {
	var b strings.Builder
	b.Grow(len("jsapi_ticket=&noncestr=&timestamp=&url=") + len(ticket) + len(nonceStr) + len(timestamp) + len(url))
	b.WriteString("jsapi_ticket=")
	b.WriteString(ticket)
	b.WriteString("&noncestr=")
	b.WriteString(nonceStr)
	b.WriteString("&timestamp=")
	b.WriteString(timestamp)
	b.WriteString("&url=")
	b.WriteString(url)
	return b.String()
}

// Signature is the lowercase hex SHA-1 of the UTF-8 bytes of String1. It
// does not validate or clean its inputs; Request.Sign does.
func Signature(ticket, nonceStr, timestamp, url string) string {
	return hashHex(String1(ticket, nonceStr, timestamp, url))
}

func hashHex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ParseSignature checks that s is a SHA-1 hex digest (40 hex digits, any
// case) and returns it in lowercase.
func ParseSignature(s string) (string, error) {
	if len(s) != 40 {
		return "", inputErrorf("verify", "signature %q is not 40 hex digits (a JS-SDK signature is a SHA-1 in hex, e.g. 0f9de62fce790f9a083d5c99e95740ceb90c27ed)", s)
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", inputErrorf("verify", "signature %q is not hexadecimal: use only 0-9 and a-f", s)
	}
	return strings.ToLower(s), nil
}

// Equal compares two signatures in constant time, ignoring hex case, so a
// verify endpoint built on it does not leak how many leading bytes matched.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(a)), []byte(strings.ToLower(b))) == 1
}

// Request is one signing job as a user gives it: every field as text, the
// URL possibly still carrying a #fragment.
type Request struct {
	Ticket    string
	NonceStr  string
	Timestamp string // Unix seconds, decimal digits
	URL       string
}

// Result is what a backend hands to ww.register, plus what was hashed.
type Result struct {
	Timestamp int64  // Unix seconds
	NonceStr  string //
	Signature string // lowercase hex SHA-1
	URL       string // the URL actually signed (fragment removed)
	String1   string // the exact string that was hashed
	Warnings  []Warning
}

// Sign validates r, strips the fragment, signs, and reports anything the
// caller should tell the user. Invalid input returns an *InputError.
func (r Request) Sign() (Result, error) {
	if err := ValidateTicket(r.Ticket); err != nil {
		return Result{}, err
	}
	if err := ValidateNonce(r.NonceStr); err != nil {
		return Result{}, err
	}
	ts, err := ParseTimestamp(r.Timestamp)
	if err != nil {
		return Result{}, err
	}
	url, fragment, hadFragment := StripFragment(r.URL)
	if err := ValidateURL(url); err != nil {
		return Result{}, err
	}
	var warnings []Warning
	if hadFragment {
		warnings = append(warnings, Warning{
			Code: WarnFragmentStripped,
			Message: "removed #" + fragment + " from the URL: WeCom signs the URL without the fragment " +
				"(the page uses location.href.split('#')[0])",
		})
	}
	warnings = append(warnings, URLWarnings(url)...)
	// Sign the canonical decimal form, which is what the page sends back.
	tsText := strconv.FormatInt(ts, 10)
	s1 := String1(r.Ticket, r.NonceStr, tsText, url)
	return Result{
		Timestamp: ts,
		NonceStr:  r.NonceStr,
		Signature: hashHex(s1),
		URL:       url,
		String1:   s1,
		Warnings:  warnings,
	}, nil
}
