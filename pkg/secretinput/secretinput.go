// Package secretinput is the one reader of secrets that a user hands over
// in a file or on stdin: app secrets, callback secrets, robot keys. Every
// source gets the same strict rules, so no path is laxer than another:
//   - a file must be a regular file (not a FIFO, device or directory) of at
//     most MaxSize bytes;
//   - a file that other users can read still works, with a warning
//     (OpenSSH-style refusal would break CI runners that check secrets out
//     with their default umask);
//   - the trailing newline that editors and `echo` add is trimmed, and
//     an empty or multi-line value is refused.
package secretinput

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// MaxSize bounds a secret file or stdin: WeCom secrets are 43 characters,
// callback secret files a few hundred bytes.
const MaxSize = 64 << 10

// ReadFile reads one secret from path. warn (may be nil) receives the
// warning for a file other users can read.
func ReadFile(path string, warn func(string)) (string, error) {
	b, err := ReadFileBytes(path, warn)
	if err != nil {
		return "", err
	}
	return clean(b, path)
}

// ReadFileBytes applies the file rules and returns the content untouched
// (for structured secret files such as callback secrets JSON).
func ReadFileBytes(path string, warn func(string)) ([]byte, error) {
	// Stat before opening: opening a FIFO would block until a writer came.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("secret file %s is not a regular file; write the secret to a file (mode 0600)", path)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("secret file %s does not exist", path)
		}
		if errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("cannot read secret file %s: permission denied (check its owner and mode)", path)
		}
		return nil, fmt.Errorf("opening secret file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading secret file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("secret file %s is not a regular file; write the secret to a file (mode 0600)", path)
	}
	if st.Size() > MaxSize {
		return nil, fmt.Errorf("secret file %s is %d bytes, more than a secret can be (%d bytes at most)", path, st.Size(), MaxSize)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 && warn != nil {
		warn(fmt.Sprintf("secret file %s can be read by other users (mode %04o); run: chmod 600 %s", path, perm, path))
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading secret file %s: %w", path, err)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("secret file %s is more than %d bytes", path, MaxSize)
	}
	return b, nil
}

// ReadStdin reads one secret from r (stdin).
func ReadStdin(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return "", fmt.Errorf("reading the secret from stdin: %w", err)
	}
	if len(b) > MaxSize {
		return "", fmt.Errorf("stdin holds more than %d bytes: pipe in only the secret", MaxSize)
	}
	return clean(b, "stdin")
}

func clean(b []byte, source string) (string, error) {
	s := strings.TrimRight(string(b), "\r\n")
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%s holds no secret (it is empty)", source)
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("%s holds more than one line; put only the secret in it", source)
	}
	return s, nil
}
