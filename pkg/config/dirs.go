package config

import (
	"errors"
	"path/filepath"
	"runtime"
)

// userDir mirrors os.UserConfigDir / os.UserCacheDir, but reads the
// environment through getenv: a test that injects its own environment then
// never sees the developer's real ~/.config (or ~/Library, %AppData%).
func userDir(getenv func(string) string, cache bool) (string, error) {
	switch runtime.GOOS {
	case "windows":
		v := "AppData"
		if cache {
			v = "LocalAppData"
		}
		if d := getenv(v); d != "" {
			return d, nil
		}
		return "", errors.New("%" + v + "% is not set")
	case "darwin", "ios":
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("$HOME is not set")
		}
		if cache {
			return filepath.Join(home, "Library", "Caches"), nil
		}
		return filepath.Join(home, "Library", "Application Support"), nil
	default:
		xdg, sub := "XDG_CONFIG_HOME", ".config"
		if cache {
			xdg, sub = "XDG_CACHE_HOME", ".cache"
		}
		if d := getenv(xdg); d != "" && filepath.IsAbs(d) {
			return d, nil
		}
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("neither $" + xdg + " nor $HOME is set")
		}
		return filepath.Join(home, sub), nil
	}
}

// CacheDir is WWCLI_CACHE_DIR, else the user cache dir + /wwcli.
func CacheDir(getenv func(string) string) (string, error) {
	if d := getenv("WWCLI_CACHE_DIR"); d != "" {
		return d, nil
	}
	base, err := userDir(getenv, true)
	if err != nil {
		return "", errors.New("cannot find a cache directory (" + err.Error() + "); set WWCLI_CACHE_DIR")
	}
	return filepath.Join(base, "wwcli"), nil
}
