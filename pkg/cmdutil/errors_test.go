package cmdutil

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wwcli/wwcli/pkg/config"
)

type coded struct{}

func (coded) Error() string { return "coded" }
func (coded) ExitCode() int { return 3 }

func TestExitCode(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("plain"), 1},
		{FlagErrorf("bad %s", "flag"), 2},
		{fmt.Errorf("wrapped: %w", FlagErrorf("x")), 2},
		{Errorf(4, "no creds"), 4},
		{Silent(130), 130},
		{fmt.Errorf("ctx: %w", coded{}), 3},
		{WithCode(1, errors.New("x")), 1},
		// a config error is exit 1 even when a path wrapped it as credentials
		{WithCode(4, &config.Error{Path: "/c/config.json", Op: config.OpParse, Err: errors.New("x")}), 1},
	}
	for i, c := range cases {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("case %d (%v): got %d want %d", i, c.err, got, c.want)
		}
	}
	if WithCode(2, nil) != nil {
		t.Error("WithCode(nil) must stay nil")
	}
	if Silent(1).Error() != "" {
		t.Error("silent errors print nothing")
	}
}
