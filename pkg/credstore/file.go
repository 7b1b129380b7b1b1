package credstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		// Never overwrite a file we cannot read: it may hold the user's secrets.
		return nil, fmt.Errorf("secrets file %s is not valid JSON (%v); fix or remove it", s.path, err)
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

func (s *fileStore) Set(_ context.Context, account, secret string) error {
	m, err := s.load()
	if err != nil {
		return err
	}
	m[account] = secret
	return s.save(m)
}

func (s *fileStore) Delete(_ context.Context, account string) error {
	m, err := s.load()
	if err != nil {
		return err
	}
	if _, ok := m[account]; !ok {
		return ErrNotFound
	}
	delete(m, account)
	return s.save(m)
}

func (s *fileStore) save(m map[string]string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(s.path, b)
}

// WriteFileAtomic writes b to path with mode 0600 via a temporary file and
// rename, so a crash never leaves a half-written file behind.
func WriteFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
