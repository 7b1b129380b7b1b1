package jssdk

import (
	"errors"
	"strings"
	"testing"
)

// A byte that is not UTF-8 would be signed as is but shown as U+FFFD, so
// the URL reported would not be the URL signed: refused as input.
func TestNonUTF8IsRefused(t *testing.T) {
	for _, r := range []Request{
		{Ticket: "T", NonceStr: "n", Timestamp: "1700000000", URL: "https://a.com/\xff"},
		{Ticket: "T\xfe", NonceStr: "n", Timestamp: "1700000000", URL: "https://a.com/"},
	} {
		_, err := r.Sign()
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not valid UTF-8") {
			t.Errorf("%q: %v", r, err)
		}
	}
	if err := ValidateURL("https://例子.com/页面"); err != nil {
		t.Errorf("valid UTF-8 refused: %v", err)
	}
}

func TestTimestampWarning(t *testing.T) {
	w, ok := TimestampWarning(1)
	if !ok || w.Code != WarnImplausibleTimestamp || !strings.Contains(w.Message, "1970-01-01 00:00:01 UTC") {
		t.Fatalf("%v %+v", ok, w)
	}
	if _, ok := TimestampWarning(999_999_999); !ok {
		t.Error("9 digits: no warning")
	}
	for _, ts := range []int64{1_000_000_000, 1414587457, 1700000000} {
		if _, ok := TimestampWarning(ts); ok {
			t.Errorf("%d warned", ts)
		}
	}
}
