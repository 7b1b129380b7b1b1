// Package sandbox is a local WeCom-compatible API server: the same paths,
// parameters, JSON shapes, errcodes and errmsg format as
// qyapi.weixin.qq.com, over a fixture corp, plus a control API under
// /_sandbox/ to issue OAuth codes, inject faults, move the clock and read
// what clients did. It backs `wwcli sandbox`, `wwcli --sandbox` and the
// end-to-end tests. See docs/sandbox.md.
//
// # File map
//
// The WeCom API, /cgi-bin/PATH: the table apiRoutes (api.go) names the
// handler of each PATH; serveAPI and answer (api.go) apply injected faults
// and check the method, the access_token, the trusted IPs and debug=1
// before calling it. The handlers by PATH ("X/..." is every path under X/):
//
//	handlers_auth.go            gettoken, get_jsapi_ticket, ticket/get, auth/getuserinfo, auth/getuserdetail,
//	                            user/getuserinfo, miniprogram/jscode2session
//	handlers_contact.go         user/get, user/simplelist, user/list, user/list_id, department/list,
//	                            department/simplelist, user/authsucc, corp/get_join_qrcode, user/get_active_stat
//	handlers_contact_write.go   user/create, user/update, user/delete, user/batchdelete, user/getuserid,
//	                            user/get_userid_by_email, user/convert_to_openid, user/convert_to_userid,
//	                            department/create, department/update, department/delete, department/get
//	handlers_contact_batch.go   batch/...
//	handlers_tag.go             tag/...
//	handlers_agent.go           agent/..., menu/...
//	handlers_ip.go              getcallbackip, get_api_domain_ip
//	handlers_message.go         message/...
//	handlers_appchat.go         appchat/...
//	handlers_media.go           media/...
//	handlers_webhook.go         webhook/...
//	handlers_externalcontact.go externalcontact/...
//	handlers_suite.go           service/...
//
// New wraps gettoken in getTokenWithPermanentCode (handlers_suite.go), which
// also takes a 代开发 permanent code as corpsecret (learnPermanentCodes,
// suite.go).
//
// A path the table does not have is answered by, in this order:
//
//	replay.go                   a recording given with --replay (Options.Replay)
//	notsimulated.go             a WeCom API the sandbox does not simulate: errcode 501 naming its doc page
//	unknown.go                  a path WeCom does not have: HTTP 404, no errcode
//
// The control API, /_sandbox/PATH: the table controlRoutes
// (control_routes.go) names the methods of each PATH, their handlers and
// which of them change state; serveControl (control_routes.go) applies the
// method and cross-site (CSRF) rules from it. The Go methods behind the
// handlers are in control.go and suite_control.go. The handlers by PATH:
//
//	control_routes.go           /_sandbox, code, faults, clock, counters, requests, messages, robots, rotate,
//	                            members, reset, images/...
//	suite_control.go            suite, suite/...
//
// The other files:
//
//	doc.go                      this map
//	sandbox.go                  Options; Server, whose fields are the in-memory state under one mutex;
//	                            New, resetState, Handler (/cgi-bin/ to api.go, /_sandbox/ to control_routes.go),
//	                            Close, the sandbox clock, request bodies within the memory budget
//	api.go                      the API: apiRoutes, serveAPI, injected faults, the request log
//	wire.go                     apiError and the shared errcodes, the ordered JSON object, errmsg, writeJSON
//	control.go                  the control API in Go: IssueCode, InjectFault, Advance, Count, Requests,
//	                            Messages, Reset
//	state.go                    the state on disk (Options.StatePath, Open, SaveState)
//	expiry.go                   forgetting expired tokens, codes and tickets
//	fixtures.go                 the fixture corps: Fixtures, DemoFixtures, LoadFixtures, Validate
//	index.go                    corpIndex look-ups (userids are case-insensitive)
//	codes.go                    OAuth codes shared between processes (CodeStore, CodeFile), RequestCode
//	listen.go                   Listen and Start on internal/serve (Host allow-list, caps, log queue)
//	ttl.go                      TokenTTLWarning
//	template_card.go            the template_card checks message/send and webhook/send share
//	suite.go                    the third-party world (服务商): suites, tickets, installs
//	suite_push.go               pushes to a suite's callback URL (suite_ticket, auth events), URL verification
//	suite_client.go             the Go client of /_sandbox/suite/ (RequestSuiteTicket, ...)
//
// TestFileMap (doc_test.go) keeps this map true: every file it names exists,
// every file of the package is in it, and every route of both tables is
// listed under the file that defines its handler.
package sandbox
