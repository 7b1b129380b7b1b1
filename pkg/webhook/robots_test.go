package webhook

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
)

func exitCode(err error) int {
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return -1
}

func TestResolveKey(t *testing.T) {
	ctx := context.Background()
	const key = "693a91f6-7b1c-4bc4-97a0-0ec2f1fa5aaa"
	src := KeySources{
		ReadFile: func(string) (string, error) {
			return "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + key, nil
		},
		Stored: func(_ context.Context, name string) (string, error) { return "stored-" + name, nil },
	}
	if _, _, err := ResolveKey(ctx, src); exitCode(err) != 4 || !strings.Contains(err.Error(), "WWCLI_WEBHOOK_KEY") ||
		!strings.Contains(err.Error(), "--key-file") || !strings.Contains(err.Error(), "wwcli webhook add NAME") {
		t.Fatalf("no key: %v", err)
	}
	src.Env = key + "-env"
	if k, s, err := ResolveKey(ctx, src); k != key+"-env" || s != KeyEnv || err != nil {
		t.Fatal(k, s, err)
	}
	src.KeyFile = "robot.key" // flags win over the environment
	if k, s, err := ResolveKey(ctx, src); k != key || s != "--key-file" || err != nil {
		t.Fatal(k, s, err)
	}
	src.Robot = "ops"
	if _, _, err := ResolveKey(ctx, src); exitCode(err) != 2 {
		t.Fatalf("both: %v", err)
	}
	src.KeyFile = ""
	if k, _, err := ResolveKey(ctx, src); k != "stored-ops" || err != nil {
		t.Fatal(k, err)
	}
	if k, s, err := ResolveKey(ctx, KeySources{Demo: "demo"}); k != "demo" || !strings.Contains(s, "sandbox") || err != nil {
		t.Fatal(k, s, err)
	}
	if _, _, err := ResolveKey(ctx, KeySources{Env: "not a key"}); exitCode(err) != 2 {
		t.Fatalf("bad env key: %v", err)
	}
}

func TestAddListRemoveRobots(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyring, file := credstore.NewMemory(), credstore.NewMemory()
	storeFor := func(storage string) (credstore.Store, error) {
		if storage == config.StorageFile {
			return file, nil
		}
		return keyring, nil
	}
	cfg, _ := config.Load(dir)
	if err := AddRobot(ctx, cfg, keyring, config.StorageKeyring, "alerts", "k1", storeFor); err != nil {
		t.Fatal(err)
	}
	if err := AddRobot(ctx, cfg, keyring, config.StorageKeyring, "bad name", "k", storeFor); exitCode(err) != 2 {
		t.Fatalf("bad name: %v", err)
	}
	cfg, _ = config.Load(dir) // saved
	if k, err := StoredKey(ctx, cfg, storeFor, "alerts"); k != "k1" || err != nil {
		t.Fatal(k, err)
	}
	// Moving the robot to the file store removes the keyring copy.
	if err := AddRobot(ctx, cfg, file, config.StorageFile, "alerts", "k2", storeFor); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(ctx, config.RobotAccount("alerts")); !errors.Is(err, credstore.ErrNotFound) {
		t.Fatalf("old copy kept: %v", err)
	}
	if k, _ := StoredKey(ctx, cfg, storeFor, "alerts"); k != "k2" {
		t.Fatal(k)
	}
	if _, err := StoredKey(ctx, cfg, storeFor, "nope"); exitCode(err) != 4 || !strings.Contains(err.Error(), "wwcli webhook add nope") ||
		!strings.Contains(err.Error(), "[alerts]") {
		t.Fatalf("unknown robot: %v", err)
	}
	file.Delete(ctx, config.RobotAccount("alerts"))
	if _, err := StoredKey(ctx, cfg, storeFor, "alerts"); exitCode(err) != 4 || !strings.Contains(err.Error(), "has no key") {
		t.Fatalf("lost key: %v", err)
	}
	if err := RemoveRobot(ctx, cfg, storeFor, "alerts"); err != nil {
		t.Fatal(err)
	}
	if err := RemoveRobot(ctx, cfg, storeFor, "alerts"); exitCode(err) != 2 {
		t.Fatalf("remove twice: %v", err)
	}
	if cfg, _ = config.Load(dir); len(cfg.RobotNames()) != 0 {
		t.Fatal(cfg.RobotNames())
	}
}
