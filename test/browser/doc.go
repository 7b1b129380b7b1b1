// Package browser holds wwcli's headless-Chromium tests (build tag
// browser): `sign serve` called from a real page under CORS and checked
// against the official @wecom/jssdk, and the sandbox web console. They
// need Chromium and test/oracle's node_modules:
//
//	apt-get install -y chromium && (cd test/oracle && npm ci)
//	WWCLI_SCREENSHOT_DIR=.ci/screenshots go test -tags browser ./test/browser/
package browser
