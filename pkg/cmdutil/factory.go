package cmdutil

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/tokencache"
)

// GlobalFlags are the persistent flags every command sees. The root command
// binds them; commands read them through the Factory.
type GlobalFlags struct {
	Profile string        // --profile / WWCLI_PROFILE
	BaseURL string        // --base-url / WWCLI_BASE_URL
	Timeout time.Duration // --timeout, bounds every HTTP request
	Debug   bool          // --debug: debug=1 on WeCom calls + redacted request log
	Verbose bool          // --verbose / WWCLI_DEBUG=api: redacted request log only
	Sandbox bool          // --sandbox / WWCLI_SANDBOX=1: in-process sandbox
	NoColor bool          // --no-color
	// InsecureHTTP allows a plain http:// base URL to a host other than
	// loopback (--insecure-http): the secret then travels in clear.
	InsecureHTTP bool
	// IgnoredBaseURL is WWCLI_BASE_URL when --sandbox overrode it, for
	// messages that must say where a command without --sandbox would go.
	IgnoredBaseURL string
	// RelayTokenFile holds the client token for WWCLI_RELAY (--relay-token-file).
	RelayTokenFile string
}

// Factory carries the dependencies a command needs. Everything that touches
// the outside world is here so tests can replace it; nothing is global.
type Factory struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Now    func() time.Time
	Global GlobalFlags
	// UseLine is the running command's usage line (cobra's UseLine), set
	// by the root command: error messages build their suggestions from it.
	UseLine string

	// Keyring overrides the OS keyring (tests use credstore.NewMemory()).
	Keyring credstore.Store

	mu           sync.Mutex
	keyring      credstore.Store
	sandboxURL   string
	sandboxClose func() error
	debugWarned  bool
	warned       map[string]bool
	httpClient   *http.Client
	memory       *memoryTokens // tokens of this run without the disk cache
	// sandboxPermanentCodes are the permanent codes of this run's
	// in-process sandbox installs (never stored: the sandbox is new each run).
	sandboxPermanentCodes map[string]string

	// tokenCache is built once per process by TokenCache.
	tokenCache      tokencache.Store
	tokenCacheBuilt bool
}

// Warnf prints "warning: ..." to stderr, once per distinct message, so a
// warning met on several paths of one command is said once.
func (f *Factory) Warnf(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	f.mu.Lock()
	if f.warned == nil {
		f.warned = map[string]bool{}
	}
	seen := f.warned[msg]
	f.warned[msg] = true
	f.mu.Unlock()
	if !seen {
		fmt.Fprintln(f.IO.ErrOut, "warning: "+msg)
	}
}

// Close releases what the factory started (the in-process sandbox).
func (f *Factory) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sandboxClose != nil {
		_ = f.sandboxClose()
		f.sandboxClose = nil
	}
	if c, ok := f.tokenCache.(interface{ Close() error }); ok {
		_ = c.Close() // the Redis cache's connections
	}
}

// ProfileName is --profile, WWCLI_PROFILE, or "default".
func (f *Factory) ProfileName() string {
	if f.Global.Profile != "" {
		return f.Global.Profile
	}
	return config.DefaultProfile
}

// ConfigDir is where the config file and the opt-in secrets file live.
func (f *Factory) ConfigDir() (string, error) { return config.Dir(f.Getenv) }

// Config loads the config file (fresh each call: it is small).
func (f *Factory) Config() (*config.Config, error) {
	dir, err := f.ConfigDir()
	if err != nil {
		return nil, err
	}
	return config.Load(dir)
}

// CacheDir is WWCLI_CACHE_DIR, else the user cache dir + /wwcli.
func (f *Factory) CacheDir() (string, error) { return config.CacheDir(f.Getenv) }

// SecretStore returns the store for a profile's storage kind.
func (f *Factory) SecretStore(storage string) (credstore.Store, error) {
	if storage == config.StorageFile {
		dir, err := f.ConfigDir()
		if err != nil {
			return nil, err
		}
		return credstore.NewFile(filepath.Join(dir, "secrets.json")), nil
	}
	return f.KeyringStore(), nil
}

// KeyringStore is the OS keyring (or the test override).
func (f *Factory) KeyringStore() credstore.Store {
	if f.Keyring != nil {
		return f.Keyring
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.keyring == nil {
		f.keyring = credstore.NewKeyring(f.Getenv)
	}
	return f.keyring
}

// HTTPClient bounds every request by --timeout and honours the standard
// proxy variables (HTTPS_PROXY, NO_PROXY, ...).
// It is built once per process, so connections are reused across calls.
func (f *Factory) HTTPClient() *http.Client {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.httpClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = http.ProxyFromEnvironment
		// a relay calls one host from many goroutines; the default 2 idle
		// connections per host would make it reconnect for most calls
		tr.MaxIdleConnsPerHost = 64
		f.httpClient = &http.Client{Timeout: f.Global.Timeout, Transport: tr}
	}
	return f.httpClient
}

// SandboxURL starts the in-process sandbox once and returns its base URL.
// It is new every run, but takes the codes `wwcli sandbox code` left in the
// cache dir and keeps its state there (without a cache dir, neither).
func (f *Factory) SandboxURL() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sandboxURL != "" {
		return f.sandboxURL, nil
	}
	var opts sandbox.Options
	if dir, err := f.CacheDir(); err == nil {
		opts.Codes = sandbox.NewCodeFile(dir)
		// the rest of the state (tokens, messages, contacts...) too, as
		// `wwcli sandbox --state` keeps it
		opts.StatePath = sandbox.InProcessStatePath(dir)
	}
	srv, err := sandbox.Open(opts)
	if err != nil {
		return "", fmt.Errorf("starting the in-process sandbox: %w", err)
	}
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		return "", fmt.Errorf("starting the in-process sandbox: %w", err)
	}
	f.sandboxURL, f.sandboxClose = u, srv.Close
	return u, nil
}

// Sources are where the credential resolvers of pkg/credentials look:
// the factory's environment, the selected profile, the config file and
// the secret stores.
func (f *Factory) Sources() credentials.Sources {
	return credentials.Sources{Getenv: f.Getenv, Profile: f.ProfileName(), Config: f.Config, Store: f.SecretStore, Warnf: f.Warnf,
		ProfileChosen: f.Global.Profile != "", Sandbox: f.Global.Sandbox}
}
