package credstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wwcli/wwcli/pkg/atomicfile"
	"github.com/wwcli/wwcli/pkg/safedir"
)

// fileStore keeps secrets in a 0600 JSON file. It exists only for users
// who ask for it (--insecure-storage): anyone who can read the file as this
// user can read the secrets, and `auth status` says so.
type fileStore struct{ path string }

// NewFile returns a store backed by the file at path.
func NewFile(path string) Store { return &fileStore{path: path} }

func (s *fileStore) Kind() string     { return "file" }
func (s *fileStore) Location() string { return s.path + " (plain text, mode 0600)" }

func (s *fileStore) load() (map[string]string, error) {
	if err := safedir.Dir(filepath.Dir(s.path)); err != nil {
		return nil, err
	}
	if err := safedir.File(s.path); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fileError("reading", s.path, err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		// Never overwrite a file we cannot read: it may hold the user's secrets.
		return nil, fmt.Errorf("secrets file %s is not valid JSON (%w); fix or remove it", s.path, err)
	}
	return m, nil
}

func (s *fileStore) Get(_ context.Context, account string) (string, error) {
	m, err := s.load()
	if err != nil {
		return "", err
	}
	v, ok := m[account]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (s *fileStore) Set(ctx context.Context, account, secret string) error {
	return s.update(ctx, func(m map[string]string) error {
		m[account] = secret
		return nil
	})
}

func (s *fileStore) Delete(ctx context.Context, account string) error {
	return s.update(ctx, func(m map[string]string) error {
		if _, ok := m[account]; !ok {
			return ErrNotFound
		}
		delete(m, account)
		return nil
	})
}

// Probe checks that the file can be read (a corrupt file is reported
// before anyone types a secret that could not be saved).
func (s *fileStore) Probe(context.Context) error {
	_, err := s.load()
	return err
}

// fileLockTimeout bounds the wait for another process's update.
const fileLockTimeout = 10 * time.Second

// update is a locked read-modify-write, so two processes storing secrets
// of different profiles never lose one of them.
func (s *fileStore) update(ctx context.Context, fn func(map[string]string) error) error {
	// Checked before the lock file is made in a directory we would refuse.
	if err := safedir.Dir(filepath.Dir(s.path)); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fileError("saving", s.path, err)
	}
	fl := safedir.NewLock(s.path + ".lock")
	lctx, cancel := context.WithTimeout(ctx, fileLockTimeout)
	defer cancel()
	ok, err := fl.TryLockContext(lctx, 10*time.Millisecond)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fileError("saving", s.path, err)
	}
	if !ok {
		return fmt.Errorf("another wwcli process has held %s.lock for %s", s.path, fileLockTimeout)
	}
	defer func() { _ = fl.Unlock() }()
	m, err := s.load()
	if err != nil {
		return err
	}
	if err := fn(m); err != nil {
		return err
	}
	return s.save(m)
}

func (s *fileStore) save(m map[string]string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(s.path, b); err != nil {
		return fileError("saving", s.path, err)
	}
	return nil
}

// fileError says what was being done with the secrets file. An
// *os.PathError's own path is dropped: the message names the secrets file
// already, and a temporary file's name helps nobody.
func fileError(op, path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%s secrets file %s: %w; check the permissions of %s or set WWCLI_CONFIG_DIR", op, path, err, filepath.Dir(path))
	}
	return fmt.Errorf("%s secrets file %s: %w", op, path, err)
}
