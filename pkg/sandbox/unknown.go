package sandbox

import "net/http"

// writeUnknownPath answers a path WeCom does not have and returns the HTTP
// status written. (A path WeCom has but the sandbox does not simulate is
// answered elsewhere, before this.)
//
// What qyapi.weixin.qq.com answers here is not documented, and no raw
// answer to a made-up /cgi-bin/ path was found in public issues, pages or
// code (searched 2026-12; see docs/sandbox.md, "Behaviours and their
// sources"). So the sandbox answers what a client can handle without
// mistaking it for WeCom's verdict: HTTP 404 with a plain-text body and no
// errcode. 404 is not a WeCom errcode (it is not in DOC 90313), so a
// {"errcode":404} body would be a made-up code; wwcli reports this answer
// as "no such endpoint" (exit 1).
func writeUnknownPath(w http.ResponseWriter, path string) int {
	http.Error(w, "404 page not found: sandbox: "+path+": no such endpoint; see docs/sandbox.md for the endpoints", http.StatusNotFound)
	return http.StatusNotFound
}
