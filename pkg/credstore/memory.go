package credstore

import (
	"context"
	"sync"
)

// memoryStore is an in-process store for tests.
type memoryStore struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemory returns an empty in-memory store.
func NewMemory() Store { return &memoryStore{m: map[string]string{}} }

func (s *memoryStore) Kind() string     { return "memory" }
func (s *memoryStore) Location() string { return "memory" }

func (s *memoryStore) Get(_ context.Context, account string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[account]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (s *memoryStore) Set(_ context.Context, account, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[account] = secret
	return nil
}

func (s *memoryStore) Delete(_ context.Context, account string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[account]; !ok {
		return ErrNotFound
	}
	delete(s.m, account)
	return nil
}
