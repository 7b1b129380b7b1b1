package tokencache

import "context"

// Store is the cache every token kind shares (app tokens, tickets, and
// the suite, provider and authorized-corp tokens that use the same Key).
// Cache, the directory of files, is the default; a Redis store
// (WWCLI_CACHE_URL, package rediscache) shares it between machines. Both
// make one fetch per key however many processes ask at once.
type Store interface {
	// Get returns a fresh entry for k, if one is cached.
	Get(k Key) (Entry, bool)
	// GetOrFetch returns a fresh cached entry (cached=true) or calls
	// fetch once across every process sharing the store.
	GetOrFetch(ctx context.Context, k Key, fetch Fetcher) (e Entry, cached bool, err error)
	// Refetch fetches even when a fresh entry is cached and replaces the
	// cached one only when the fetch succeeds.
	Refetch(ctx context.Context, k Key, fetch Fetcher) (Entry, error)
	// Delete drops the entry for k.
	Delete(k Key) error
	// List returns every readable entry, fresh or not.
	List() ([]Entry, error)
	// Find returns the entries m matches, sorted by kind then agent.
	Find(m Match) ([]Entry, error)
	// Purge removes the entries m matches and says how many.
	Purge(m Match) (int, error)
}

var _ Store = (*Cache)(nil)

// SortEntries orders entries by kind then agent, as Find returns them.
func SortEntries(entries []Entry) {
	sortEntries(entries)
}
