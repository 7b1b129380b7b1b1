package sandbox

import (
	"fmt"
	"strings"
	"time"
)

// sdkRefreshMargins are how long before expires_in common WeCom SDKs fetch
// a new token (read from their code; audit F8): with a TTL at or below the
// margin they fetch a token before every call.
var sdkRefreshMargins = []struct {
	sdk    string
	margin time.Duration
	says   string
}{
	{"go-workwx", 30 * time.Minute, "30m"},
	{"silenceper/wechat", 1500 * time.Second, "1500s"},
}

// TokenTTLWarning is a warning for a --token-ttl that common SDKs' early
// refresh swallows, or "" when there is none.
func TokenTTLWarning(ttl time.Duration) string {
	var hit []string
	for _, m := range sdkRefreshMargins {
		if ttl <= m.margin {
			hit = append(hit, fmt.Sprintf("%s refreshes %s early", m.sdk, m.says))
		}
	}
	if len(hit) == 0 {
		return ""
	}
	return fmt.Sprintf("--token-ttl %s is at or below SDK refresh margins (%s): such clients fetch a new token before every call; use more than %s to avoid that",
		ttl, strings.Join(hit, ", "), sdkRefreshMargins[0].says)
}
