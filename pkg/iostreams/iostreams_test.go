package iostreams

import "testing"

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestColorDisabledByEnv(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"plain", map[string]string{"TERM": "xterm-256color"}, false},
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, true},
		{"empty NO_COLOR is unset", map[string]string{"NO_COLOR": ""}, false},
		{"CLICOLOR=0", map[string]string{"CLICOLOR": "0"}, true},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, true},
	}
	for _, c := range cases {
		if got := colorDisabledByEnv(env(c.env)); got != c.want {
			t.Errorf("%s: got %v want %v", c.name, got, c.want)
		}
	}
}

func TestForceTTYAndColour(t *testing.T) {
	s := System(env(map[string]string{"WWCLI_FORCE_TTY": "1"}))
	if !s.IsStdoutTTY() || !s.IsStderrTTY() || !s.IsStdinTTY() {
		t.Fatal("WWCLI_FORCE_TTY should make every stream a terminal")
	}
	if !s.ColorErr() || !s.ColorOut() {
		t.Fatal("terminal streams without NO_COLOR should allow colour")
	}
	s = System(env(map[string]string{"WWCLI_FORCE_TTY": "1", "NO_COLOR": "x"}))
	if s.ColorErr() {
		t.Fatal("NO_COLOR must win over a terminal")
	}
}

func TestColourDecidedPerStream(t *testing.T) {
	s, _, _, _ := Test()
	s.SetStderrTTY(true)
	if !s.ColorErr() || s.ColorOut() {
		t.Fatalf("stderr tty, stdout pipe: want colour on stderr only")
	}
}

func TestCanPrompt(t *testing.T) {
	s, _, _, _ := Test()
	if s.CanPrompt() {
		t.Fatal("buffers cannot prompt")
	}
	s.SetStdinTTY(true)
	s.SetStderrTTY(true)
	if !s.CanPrompt() {
		t.Fatal("terminal stdin+stderr should prompt")
	}
	s.SetNeverPrompt(true)
	if s.CanPrompt() {
		t.Fatal("never-prompt must win")
	}
}

func TestForcedColourWithoutTTY(t *testing.T) {
	s := System(env(map[string]string{"CLICOLOR_FORCE": "1"}))
	s.SetStdoutTTY(false)
	if !s.ColorOut() {
		t.Fatal("CLICOLOR_FORCE should enable colour on a pipe")
	}
}

func TestReadSecret(t *testing.T) {
	s, _, _, errOut := Test()
	if _, err := s.ReadSecret("Secret: "); err == nil {
		t.Fatal("a buffer is not a terminal: ReadSecret must fail")
	}
	s.SetSecretReader(func() (string, error) { return "typed", nil })
	errOut.Reset()
	got, err := s.ReadSecret("Secret: ")
	if err != nil || got != "typed" || errOut.String() != "Secret: \n" {
		t.Fatalf("got %q %v, stderr %q", got, err, errOut.String())
	}
}
