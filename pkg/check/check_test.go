package check

import (
	"testing"
	"time"
)

func TestStatusNames(t *testing.T) {
	for s, want := range map[Status]string{Pass: "pass", Warn: "warn", Fail: "fail", Info: "info", Skip: "skip"} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", s, s.String(), want)
		}
	}
}

func TestStatusJSONNames(t *testing.T) {
	for _, s := range []Status{Pass, Warn, Fail, Info, Skip} {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Status
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Fatalf("%s: round trip gave %v, %v", b, back, err)
		}
	}
	var s Status
	if err := s.UnmarshalText([]byte("ok")); err == nil {
		t.Fatal("an unknown name must be an error")
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		40 * time.Microsecond:   "<0.1ms",
		400 * time.Microsecond:  "0.4ms",
		3250 * time.Microsecond: "3.2ms",
		42 * time.Millisecond:   "42ms",
		1500 * time.Millisecond: "1.5s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("%s: %s, want %s", d, got, want)
		}
	}
}
