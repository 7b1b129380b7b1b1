// Package webhook sends group-robot (群机器人 / 消息推送) messages: it
// builds the JSON body of each message type within WeCom's limits, uploads
// files and voice first, resolves the robot key, and sends through a
// shared per-robot pacer so parallel CI steps queue instead of tripping
// the 20-messages-a-minute limit. It never prints; it returns errors that
// carry exit codes and reports waits through a callback.
package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"

	"github.com/wwcli/wwcli/pkg/msgspec"
)

// KeyEnv holds the robot key (or the whole webhook URL) in CI.
const KeyEnv = "WWCLI_WEBHOOK_KEY"

// ParseKey accepts a robot key or a whole webhook URL
// (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY) and returns
// the key. Only the key is used: the host always comes from the base-URL
// setting, so a pasted URL cannot send a message somewhere else. source
// names where it came from, for messages; the key itself is never shown.
func ParseKey(source, s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") || strings.Contains(s, "?") {
		u, err := url.Parse(s)
		if err != nil {
			return "", msgspec.Errorf("%s looks like a URL but does not parse; give the robot key or the whole webhook URL", source)
		}
		s = u.Query().Get("key")
		if s == "" {
			return "", msgspec.Errorf("%s is a URL without ?key=...; copy the robot's whole webhook URL (群机器人 → 复制地址)", source)
		}
	}
	if s == "" {
		return "", msgspec.Errorf("%s is empty", source)
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return "", msgspec.Errorf("%s holds a character a robot key never has (keys look like 693a91f6-7xxx-...); give the key or the whole webhook URL", source)
		}
	}
	if len(s) > 128 {
		return "", msgspec.Errorf("%s is %d characters long; a robot key is about 36", source, len(s))
	}
	return s, nil
}

// KeyID is a one-way name for a robot at a base URL: the pacer's file name.
func KeyID(baseURL, key string) string {
	sum := sha256.Sum256([]byte("wwcli-robot\x00" + strings.TrimRight(baseURL, "/") + "\x00" + key))
	return hex.EncodeToString(sum[:10])
}
