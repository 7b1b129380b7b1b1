// Package sandboxconsole is the sandbox's web console at /_sandbox/: one
// HTML page, its script and its style sheet, embedded in the binary (no
// CDN, works offline). The page is built only on the sandbox's JSON
// control API, which stays the scripting interface; this package serves
// the files and knows nothing about the sandbox.
package sandboxconsole

import (
	"embed"
	"net/http"
	"path"
	"strings"
)

//go:embed assets
var assets embed.FS

// Prefix is where the assets are served.
const Prefix = "/_sandbox/console/"

// CSP allows the page's own script, style, API and data: images (robot
// images arrive as base64) and nothing else: no inline script, no other
// origin, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// Serves reports whether r is for the console: a browser asking for
// /_sandbox/ (Accept: text/html; scripts asking for JSON still get the
// sandbox's info there), or an asset under Prefix.
func Serves(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch {
	case r.URL.Path == "/_sandbox/":
		return strings.Contains(r.Header.Get("Accept"), "text/html")
	case r.URL.Path == "/_sandbox/console", strings.HasPrefix(r.URL.Path, Prefix):
		return true
	}
	return false
}

// Handler serves the page and its assets.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "index.html"
		if rest, ok := strings.CutPrefix(r.URL.Path, Prefix); ok && rest != "" {
			name = rest
		}
		ext := path.Ext(name)
		data, err := assets.ReadFile("assets/" + name)
		if err != nil || strings.Contains(name, "/") || contentTypes[ext] == "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("no console asset " + name + "\n"))
			return
		}
		h := w.Header()
		h.Set("Content-Type", contentTypes[ext])
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(data)
	})
}
