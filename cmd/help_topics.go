package cmd

import "github.com/spf13/cobra"

const exitCodesHelp = `wwcli exits with:
  0    success
  1    failure: network, I/O (also a config file that cannot be read,
       parsed or saved), or a check that did not pass
       (verify-domain, sign --verify, doctor, callback checks)
  2    usage: bad flags, arguments or input
  3    WeCom answered errcode != 0 (after retries); the explanation
       is on stderr
  4    credentials missing, or the keyring unavailable
  130  interrupted (Ctrl-C)`

const environmentHelp = `Environment variables (flags win over them):
  WWCLI_CORP_ID, WWCLI_SECRET, WWCLI_AGENT_ID
                         credentials for CI (positional CORPID SECRET wins)
  WWCLI_PROFILE          profile name (default "default")
  WWCLI_BASE_URL         API base URL (default https://qyapi.weixin.qq.com);
                         plain http:// only to this machine (127.0.0.1,
                         ::1, localhost) unless --insecure-http is given
  WWCLI_SANDBOX=1        run against the in-process sandbox (as --sandbox);
                         it knows only the demo corp ww5a8f2c1d9e0b3a47
  WWCLI_DEBUG=api        log every HTTP request and answer on stderr, secrets
                         redacted (as --verbose); unlike --debug it leaves
                         WeCom's debug=1 (5 calls a minute) off
  WWCLI_CONFIG_DIR       config directory (default: user config dir/wwcli)
  WWCLI_CACHE_DIR        token cache directory (default: user cache dir/wwcli)
  WWCLI_KEYRING=off      never touch the OS keyring (D-Bus)
  WWCLI_KEYRING_TIMEOUT  bound on every keyring call (default 3s; 60s while
                         auth login asks for the secret at a terminal)
  WWCLI_CALLBACK_TOKEN, WWCLI_CALLBACK_AES_KEY, WWCLI_CALLBACK_RECEIVE_ID
                         callback Token, EncodingAESKey and receive id
  WWCLI_WEBHOOK_KEY      a group robot's key, or its whole webhook URL
  WWCLI_RELAY, WWCLI_RELAY_TOKEN
                         call WeCom through a 'wwcli relay' at this URL with
                         this client token (or --relay-token-file); no secret
  WWCLI_SUITE_ID, WWCLI_SUITE_SECRET, WWCLI_SUITE_TICKET
                         a suite (third-party app or 代开发 template) and
                         its latest suite_ticket
  WWCLI_PERMANENT_CODE   the permanent code of the --auth-corp corp
  WWCLI_PROVIDER_SECRET, WWCLI_PROVIDER_CORP_ID
                         the provider secret and the provider's corp id
                         (else WWCLI_CORP_ID)
  WWCLI_NO_INPUT         never prompt
  NO_COLOR, CLICOLOR=0, TERM=dumb
                         no colour
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY
                         proxies`

// addHelpTopics adds `wwcli help exit-codes` and `wwcli help environment`.
func addHelpTopics(root *cobra.Command) {
	for _, t := range []struct{ name, short, long string }{
		{"exit-codes", "Exit codes and what they mean", exitCodesHelp},
		{"environment", "Environment variables wwcli reads", environmentHelp},
	} {
		// No Run: cobra lists non-runnable commands as "Additional help topics".
		root.AddCommand(&cobra.Command{Use: t.name, Short: t.short, Long: t.long})
	}
}
