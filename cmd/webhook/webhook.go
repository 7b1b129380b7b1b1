// Package webhook is `wwcli webhook`: group-robot (群机器人) messages.
package webhook

import (
	"context"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/secretinput"
	wh "github.com/wwcli/wwcli/pkg/webhook"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// NewCmd builds `wwcli webhook`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhook <command>",
		Short: "Send group-robot (群机器人) messages from scripts and CI",
		Long: `Send messages to a WeCom group robot (群机器人 / 消息推送): text, markdown,
images, files, voice, news and template cards, within WeCom's limits, paced
to the robot's 20 messages a minute, and never sent twice.

The robot key is never a flag value. Give it as WWCLI_WEBHOOK_KEY (the key,
or the whole webhook URL), --key-file FILE, or store it once with
'wwcli webhook add NAME' and send with --robot NAME.`,
		Example: `  wwcli --sandbox webhook send --text "build passed"
  echo "**deploy** done" | wwcli --sandbox webhook send --markdown -
  echo "$WEBHOOK_URL" | wwcli webhook add ci-alerts --insecure-storage`,
	}
	cmd.AddCommand(newCmdSend(f, nil))
	cmd.AddCommand(newCmdUpload(f, nil))
	cmd.AddCommand(newCmdAdd(f, nil))
	cmd.AddCommand(newCmdList(f, nil))
	cmd.AddCommand(newCmdRemove(f, nil))
	return cmd
}

// robotClient is what sending commands need: a WeCom client for the API
// host and the robot's key.
type robotClient struct {
	Client *wecom.Client
	Key    string
	Source string
	Base   string
}

// keyFlags are --key-file and --robot, shared by send and upload.
type keyFlags struct {
	KeyFile string
	Robot   string
}

func (k *keyFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&k.KeyFile, "key-file", "", "read the robot key (or webhook URL) from `FILE`")
	fl.StringVar(&k.Robot, "robot", "", "use the robot `NAME` stored with 'wwcli webhook add'")
}

// connector builds the function that resolves the key and the client.
func connector(f *cmdutil.Factory) func(ctx context.Context, k keyFlags) (*robotClient, error) {
	return func(ctx context.Context, k keyFlags) (*robotClient, error) {
		src := wh.KeySources{KeyFile: k.KeyFile, Robot: k.Robot, Env: f.Getenv(wh.KeyEnv),
			ReadFile: func(path string) (string, error) {
				return secretinput.ReadFile(path, func(msg string) { f.Warnf("%s", msg) })
			},
			Stored: func(ctx context.Context, name string) (string, error) {
				cfg, err := f.Config()
				if err != nil {
					return "", err
				}
				return wh.StoredKey(ctx, cfg, f.SecretStore, name)
			},
		}
		if f.Global.Sandbox {
			src.Demo = sandbox.DemoRobotKey
		}
		key, source, err := wh.ResolveKey(ctx, src)
		if err != nil {
			return nil, err
		}
		// A session without credentials: the factory's client (base URL,
		// timeout, proxies, --debug log) with no token ever fetched.
		s, err := f.SessionFor(credentials.Credentials{}, true)
		if err != nil {
			return nil, err
		}
		return &robotClient{Client: s.Client, Key: key, Source: source, Base: s.BaseURL}, nil
	}
}

// pacerDir is where the robots' pacing files live, beside the token cache.
func pacerDir(f *cmdutil.Factory) func() (string, error) {
	return func() (string, error) {
		dir, err := f.CacheDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, "robots"), nil
	}
}

// storeFns are the secret stores robots keep their keys in.
type storeFns struct {
	Config   func() (*config.Config, error)
	StoreFor func(storage string) (credstore.Store, error)
}

func stores(f *cmdutil.Factory) storeFns {
	return storeFns{Config: f.Config, StoreFor: f.SecretStore}
}
