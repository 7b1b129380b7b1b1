package credstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/wwcli/wwcli/pkg/atomicfile"
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
	return atomicfile.Write(s.path, b)
}
