package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestNotificationRecipes runs the notification commands of each CI recipe
// in docs/notifications.md against a sandbox, with the CI's variables set,
// and checks what the robot received: the docs cannot drift from wwcli.
func TestNotificationRecipes(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "notifications.md"))
	if err != nil {
		t.Fatal(err)
	}
	recipes := map[string]struct {
		script func(yaml string) string
		env    string
		want   []string // patterns the markdown message must contain
	}{
		"github-actions": {
			script: func(y string) string { return blockAfter(t, y, "name: Notify the group", "run: |") },
			env: `env STATUS=failure GITHUB_REPOSITORY=acme/shop GITHUB_SHA=0123456789abcdef GITHUB_REF_NAME=main
env GITHUB_ACTOR=zhangsan GITHUB_RUN_NUMBER=42 GITHUB_RUN_ID=9001 GITHUB_SERVER_URL=https://github.com
env 'COMMIT_MSG=fix: quote "this" and $(not this)'`,
			want: []string{`## acme/shop: <font color=\\"warning\\">failure</font>`, `> 0123456 on main by zhangsan`,
				`fix: quote \\"this\\" and \$\(not this\)`, `\[run 42\]\(https://github.com/acme/shop/actions/runs/9001\)`},
		},
		"gitlab-ci": {
			script: func(y string) string { return listAfter(t, y, "after_script:") },
			env: `env CI_JOB_STATUS=success CI_PROJECT_PATH=acme/shop CI_COMMIT_SHORT_SHA=0123abcd CI_COMMIT_REF_NAME=main
env GITLAB_USER_LOGIN=lisi CI_PIPELINE_IID=7 CI_PIPELINE_URL=https://gitlab.example.com/acme/shop/-/pipelines/70
env 'CI_COMMIT_TITLE=feat: 登录'`,
			want: []string{`## acme/shop: <font color=\\"info\\">success</font>`, `> 0123abcd on main by lisi`, `feat: 登录`,
				`\[pipeline 7\]\(https://gitlab.example.com/acme/shop/-/pipelines/70\)`},
		},
	}
	dir := t.TempDir()
	for name, r := range recipes {
		yaml := recipeBlock(t, string(doc), name)
		var b strings.Builder
		b.WriteString("# " + name + " recipe from docs/notifications.md\nsandbox-start\nsandbox-robot-key\nenv WWCLI_WEBHOOK_KEY=$ROBOT_KEY\n")
		b.WriteString(r.env + "\n")
		b.WriteString("exec bash -eo pipefail notify.sh\nsandbox-robot-messages 2\n")
		b.WriteString(`stdout '^\{"msgtype":"markdown"'` + "\n")
		for _, w := range r.want {
			b.WriteString("stdout '" + strings.ReplaceAll(w, "'", "''") + "'\n")
		}
		b.WriteString(`stdout '^\{"msgtype":"file","file":\{"media_id":"sandbox_media_'` + "\n")
		b.WriteString("sandbox-count /cgi-bin/webhook/upload_media 1\n")
		b.WriteString("-- notify.sh --\n" + r.script(yaml) + "\n-- test-report.txt --\nok  \tacme/shop\t0.012s\n")
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	testscript.Run(t, testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("HOME", filepath.Join(e.WorkDir, "home"))
			e.Setenv("WWCLI_CONFIG_DIR", filepath.Join(e.WorkDir, "config"))
			e.Setenv("WWCLI_CACHE_DIR", filepath.Join(e.WorkDir, "cache"))
			e.Setenv("WWCLI_KEYRING", "off")
			return nil
		},
		Cmds: scriptCommands(),
	})
}

// recipeBlock is the ```yaml block after "<!-- recipe: NAME -->".
func recipeBlock(t *testing.T, doc, name string) string {
	t.Helper()
	_, after, ok := strings.Cut(doc, "<!-- recipe: "+name+" -->\n```yaml\n")
	block, _, ok2 := strings.Cut(after, "\n```")
	if !ok || !ok2 {
		t.Fatalf("docs/notifications.md has no yaml block after <!-- recipe: %s -->", name)
	}
	return block
}

// blockAfter returns the literal block (key: |) that follows marker and
// then key, dedented.
func blockAfter(t *testing.T, yaml, marker, key string) string {
	t.Helper()
	_, rest, ok := strings.Cut(yaml, marker)
	if !ok {
		t.Fatalf("recipe has no %q", marker)
	}
	lines := strings.Split(rest, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == key {
			return dedent(lines[i+1:], indent(l))
		}
	}
	t.Fatalf("recipe has no %q after %q", key, marker)
	return ""
}

// listAfter turns a YAML list of commands (single lines and "- |" blocks)
// under key into one script.
func listAfter(t *testing.T, yaml, key string) string {
	t.Helper()
	_, rest, ok := strings.Cut(yaml, key+"\n")
	if !ok {
		t.Fatalf("recipe has no %q", key)
	}
	lines := strings.Split(rest, "\n")
	item := indent(lines[0])
	var cmds []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" {
			continue
		}
		if indent(l) < item || !strings.HasPrefix(strings.TrimSpace(l), "- ") {
			break
		}
		body := strings.TrimSpace(l)[2:]
		if body != "|" {
			cmds = append(cmds, body)
			continue
		}
		j := i + 1
		for j < len(lines) && (strings.TrimSpace(lines[j]) == "" || indent(lines[j]) > item) {
			j++
		}
		cmds = append(cmds, dedent(lines[i+1:j], item))
		i = j - 1
	}
	return strings.Join(cmds, "\n")
}

func indent(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

// dedent keeps the lines indented deeper than parent, without that indent.
func dedent(lines []string, parent int) string {
	var out []string
	cut := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			out = append(out, "")
			continue
		}
		if indent(l) <= parent {
			break
		}
		if cut < 0 {
			cut = indent(l)
		}
		out = append(out, l[min(cut, indent(l)):])
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n")
}
