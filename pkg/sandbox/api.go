package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// route is one WeCom endpoint.
type route struct {
	postOnly bool  // WeCom wants POST with a JSON body; GET answers 40058
	auth     bool  // needs ?access_token=
	maxBody  int64 // 0 = maxBody; uploads take more
	handle   func(c *call) (object, *apiError)
}

// call is one API request being answered (with s.mu held).
type call struct {
	s    *Server
	r    *http.Request
	q    url.Values
	ip   string
	now  time.Time
	tok  *token
	body []byte
	// emptyErrMsg: success answers errmsg "" (media/upload does).
	emptyErrMsg bool
	// okMsg, when set, is the success errmsg ("created", "updated",
	// "deleted": the contact write endpoints answer these, DOC 90195 ff.).
	okMsg string
	// download, when set by the handler, is sent as raw bytes instead of JSON.
	download *download
}

var errPostOnly = errf(40058, "invalid request method, this API must be called with POST") // sandbox wording

const maxBody = 1 << 20

func (s *Server) apiRoutes() map[string]route {
	return map[string]route{
		// tokens, tickets, OAuth identities (handlers_auth.go)
		"/cgi-bin/gettoken":                   {handle: s.getToken},
		"/cgi-bin/get_jsapi_ticket":           {auth: true, handle: s.corpTicket},
		"/cgi-bin/ticket/get":                 {auth: true, handle: s.agentTicket},
		"/cgi-bin/auth/getuserinfo":           {auth: true, handle: s.authGetUserInfo},
		"/cgi-bin/auth/getuserdetail":         {auth: true, postOnly: true, handle: s.authGetUserDetail},
		"/cgi-bin/user/getuserinfo":           {auth: true, handle: s.legacyGetUserInfo},
		"/cgi-bin/miniprogram/jscode2session": {auth: true, handle: s.jscode2session},
		// contact reads (handlers_contact.go)
		"/cgi-bin/user/get":              {auth: true, handle: s.userGet},
		"/cgi-bin/user/simplelist":       {auth: true, handle: s.userSimpleList},
		"/cgi-bin/user/list":             {auth: true, handle: s.userList},
		"/cgi-bin/user/list_id":          {auth: true, postOnly: true, handle: s.userListID},
		"/cgi-bin/department/list":       {auth: true, handle: s.departmentList},
		"/cgi-bin/department/simplelist": {auth: true, handle: s.departmentSimpleList},
		"/cgi-bin/user/authsucc":         {auth: true, handle: s.userAuthSucc},
		"/cgi-bin/corp/get_join_qrcode":  {auth: true, handle: s.corpJoinQRCode},
		"/cgi-bin/user/get_active_stat":  {auth: true, postOnly: true, handle: s.userActiveStat},
		// contact writes and look-ups (handlers_contact_write.go)
		"/cgi-bin/user/create":              {auth: true, postOnly: true, handle: s.userCreate},
		"/cgi-bin/user/update":              {auth: true, postOnly: true, handle: s.userUpdate},
		"/cgi-bin/user/delete":              {auth: true, handle: s.userDelete},
		"/cgi-bin/user/batchdelete":         {auth: true, postOnly: true, handle: s.userBatchDelete},
		"/cgi-bin/user/getuserid":           {auth: true, postOnly: true, handle: s.userGetUserID},
		"/cgi-bin/user/get_userid_by_email": {auth: true, postOnly: true, handle: s.userIDByEmail},
		"/cgi-bin/user/convert_to_openid":   {auth: true, postOnly: true, handle: s.convertToOpenID},
		"/cgi-bin/user/convert_to_userid":   {auth: true, postOnly: true, handle: s.convertToUserID},
		"/cgi-bin/department/create":        {auth: true, postOnly: true, handle: s.departmentCreate},
		"/cgi-bin/department/update":        {auth: true, postOnly: true, handle: s.departmentUpdate},
		"/cgi-bin/department/delete":        {auth: true, handle: s.departmentDelete},
		"/cgi-bin/department/get":           {auth: true, handle: s.departmentGet},
		// contact batch jobs (handlers_contact_batch.go)
		"/cgi-bin/batch/syncuser":     {auth: true, postOnly: true, handle: s.batchSyncUser},
		"/cgi-bin/batch/getresult":    {auth: true, handle: s.batchGetResult},
		"/cgi-bin/batch/invite":       {auth: true, postOnly: true, handle: s.batchInvite},
		"/cgi-bin/batch/replaceuser":  {auth: true, postOnly: true, handle: s.batchReplaceUser},
		"/cgi-bin/batch/replaceparty": {auth: true, postOnly: true, handle: s.batchReplaceParty},
		// tags (handlers_tag.go)
		"/cgi-bin/tag/create":      {auth: true, postOnly: true, handle: s.tagCreate},
		"/cgi-bin/tag/update":      {auth: true, postOnly: true, handle: s.tagUpdate},
		"/cgi-bin/tag/delete":      {auth: true, handle: s.tagDelete},
		"/cgi-bin/tag/get":         {auth: true, handle: s.tagGet},
		"/cgi-bin/tag/list":        {auth: true, handle: s.tagList},
		"/cgi-bin/tag/addtagusers": {auth: true, postOnly: true, handle: s.tagMembers(true)},
		"/cgi-bin/tag/deltagusers": {auth: true, postOnly: true, handle: s.tagMembers(false)},
		// app admin (handlers_agent.go)
		"/cgi-bin/agent/get":                    {auth: true, handle: s.agentGet},
		"/cgi-bin/agent/list":                   {auth: true, handle: s.agentList},
		"/cgi-bin/agent/set":                    {auth: true, postOnly: true, handle: s.agentSet},
		"/cgi-bin/agent/set_workbench_template": {auth: true, postOnly: true, handle: s.setWorkbenchTemplate},
		"/cgi-bin/agent/get_workbench_template": {auth: true, postOnly: true, handle: s.getWorkbenchTemplate},
		"/cgi-bin/agent/set_workbench_data":     {auth: true, postOnly: true, handle: s.setWorkbenchData},
		"/cgi-bin/menu/create":                  {auth: true, postOnly: true, handle: s.menuCreate},
		"/cgi-bin/menu/get":                     {auth: true, handle: s.menuGet},
		"/cgi-bin/menu/delete":                  {auth: true, handle: s.menuDelete},
		// IP lists (handlers_ip.go)
		"/cgi-bin/getcallbackip":     {auth: true, handle: s.callbackIP},
		"/cgi-bin/get_api_domain_ip": {auth: true, handle: s.apiDomainIP},
		// app messages (handlers_message.go), app chats (handlers_appchat.go)
		"/cgi-bin/message/send":   {auth: true, postOnly: true, handle: s.messageSend},
		"/cgi-bin/message/recall": {auth: true, postOnly: true, handle: s.messageRecall},
		"/cgi-bin/appchat/create": {auth: true, postOnly: true, handle: s.appChatCreate},
		"/cgi-bin/appchat/update": {auth: true, postOnly: true, handle: s.appChatUpdate},
		"/cgi-bin/appchat/get":    {auth: true, handle: s.appChatGet},
		"/cgi-bin/appchat/send":   {auth: true, postOnly: true, handle: s.appChatSend},
		// media (handlers_media.go)
		"/cgi-bin/media/upload":    {auth: true, postOnly: true, maxBody: maxUploadBody, handle: s.mediaUpload},
		"/cgi-bin/media/uploadimg": {auth: true, postOnly: true, maxBody: maxUploadBody, handle: s.mediaUploadImg},
		"/cgi-bin/media/get":       {auth: true, handle: s.mediaGet},
		// group robots (handlers_webhook.go): ?key=, no access_token
		"/cgi-bin/webhook/send":         {postOnly: true, maxBody: maxRobotBody, handle: s.webhookSend},
		"/cgi-bin/webhook/upload_media": {postOnly: true, maxBody: maxUploadBody, handle: s.webhookUpload},
		// customer contact basics (handlers_externalcontact.go)
		"/cgi-bin/externalcontact/get_follow_user_list": {auth: true, handle: externalRoute(s.externalFollowUsers)},
		"/cgi-bin/externalcontact/list":                 {auth: true, handle: externalRoute(s.externalList)},
		"/cgi-bin/externalcontact/get":                  {auth: true, handle: externalRoute(s.externalGet)},
		"/cgi-bin/externalcontact/batch/get_by_user":    {auth: true, postOnly: true, handle: externalRoute(s.externalBatchByUser)},
		"/cgi-bin/externalcontact/add_contact_way":      {auth: true, postOnly: true, handle: externalRoute(s.externalAddContactWay)},
		"/cgi-bin/externalcontact/groupchat/list":       {auth: true, postOnly: true, handle: externalRoute(s.externalGroupChatList)},
		"/cgi-bin/externalcontact/groupchat/get":        {auth: true, postOnly: true, handle: externalRoute(s.externalGroupChatGet)},
		// third-party apps (handlers_suite.go): suite_access_token in the query, checked by the handler
		"/cgi-bin/service/get_suite_token":       {postOnly: true, handle: s.getSuiteToken},
		"/cgi-bin/service/get_provider_token":    {postOnly: true, handle: s.getProviderToken},
		"/cgi-bin/service/get_pre_auth_code":     {handle: s.getPreAuthCode},
		"/cgi-bin/service/set_session_info":      {postOnly: true, handle: s.setSessionInfo},
		"/cgi-bin/service/get_permanent_code":    {postOnly: true, handle: s.getPermanentCode},
		"/cgi-bin/service/v2/get_permanent_code": {postOnly: true, handle: s.getPermanentCodeV2},
		"/cgi-bin/service/get_auth_info":         {postOnly: true, handle: s.getAuthInfo(false)},
		"/cgi-bin/service/v2/get_auth_info":      {postOnly: true, handle: s.getAuthInfo(true)},
		"/cgi-bin/service/get_corp_token":        {postOnly: true, handle: s.getCorpToken},
		"/cgi-bin/service/auth/getuserinfo3rd":   {handle: s.getUserInfo3rd},
		"/cgi-bin/service/auth/getuserdetail3rd": {postOnly: true, handle: s.getUserDetail3rd},
		"/cgi-bin/service/getuserinfo3rd":        {handle: s.legacyGetUserInfo3rd},
		"/cgi-bin/service/getuserdetail3rd":      {postOnly: true, handle: s.getUserDetail3rd},
	}
}

// LogEntry is one API request as the sandbox saw it (secrets redacted).
type LogEntry struct {
	Time       time.Time `json:"time"` // sandbox clock
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Query      string    `json:"query,omitempty"` // access_token, corpsecret, code... shown as ***
	RemoteIP   string    `json:"remote_ip"`
	Status     int       `json:"status"`
	ErrCode    int       `json:"errcode"`
	Fault      bool      `json:"fault,omitempty"` // answered by an injected fault
	DurationMS float64   `json:"duration_ms"`
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	ip := callerIP(r)
	path := r.URL.Path

	s.mu.Lock()
	s.countRequest(path)
	fault := s.takeFault(path)
	s.mu.Unlock()

	entry := LogEntry{Method: r.Method, Path: clipLogged(path), Query: clipLogged(redactQuery(r.URL.RawQuery)), RemoteIP: ip}
	finish := func(status, code int) {
		entry.Status, entry.ErrCode = status, code
		entry.DurationMS = float64(time.Since(started).Microseconds()) / 1000
		s.record(entry)
	}

	if fault != nil {
		if fault.Delay > 0 {
			t := time.NewTimer(fault.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				finish(0, 0)
				return
			case <-s.done:
				t.Stop()
				finish(http.StatusServiceUnavailable, 0)
				http.Error(w, "sandbox shutting down", http.StatusServiceUnavailable)
				return
			}
		}
		if fault.ErrCode != 0 || fault.HTTPStatus != 0 {
			entry.Fault = true
			status, code := s.writeFault(w, fault, ip)
			finish(status, code)
			return
		}
	}

	if _, ok := s.routes[path]; !ok {
		if s.answerUnsimulated(w, r, finish) { // replay, then "not simulated" (notsimulated.go)
			return
		}
		finish(writeUnknownPath(w, path), 0)
		return
	}

	var body []byte
	if r.Method == http.MethodPost {
		limit := int64(maxBody)
		if rt, ok := s.routes[path]; ok && rt.maxBody > 0 {
			limit = rt.maxBody
		}
		var release func()
		var ok bool
		if body, release, ok = s.readBody(w, r, limit, finish); !ok {
			return
		}
		defer release()
	}

	s.mu.Lock()
	status, resp, dl := s.dispatch(r, path, ip, body)
	s.changed() // most calls change something (tokens, codes, messages, contacts)
	entry.Time = s.nowLocked()
	s.mu.Unlock()

	if dl != nil {
		dl.serve(w, r)
		finish(http.StatusOK, 0)
		return
	}
	writeJSON(w, status, resp)
	code := 0
	if len(resp) > 0 && resp[0].K == "errcode" {
		code, _ = resp[0].V.(int)
	}
	finish(status, code)
}

// maxLogged bounds the path and the query kept per log entry: the log holds
// 1000 entries, and a request line may be up to 1 MB.
const maxLogged = 2048

func clipLogged(s string) string {
	if len(s) <= maxLogged {
		return s
	}
	return s[:maxLogged] + "...(clipped)"
}

func (s *Server) writeFault(w http.ResponseWriter, f *Fault, ip string) (status, code int) {
	status = f.HTTPStatus
	if status == 0 {
		status = http.StatusOK
	}
	if f.ErrCode == 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "sandbox: injected HTTP %d\n", status)
		return status, 0
	}
	text := f.ErrMsg
	if text == "" {
		text = "injected fault"
	}
	writeJSON(w, status, object{{"errcode", f.ErrCode}, {"errmsg", errmsg(f.ErrCode, text, newHint(s.Now().Unix()), ip)}})
	return status, f.ErrCode
}

// dispatch answers one request: JSON, or a download to send as is.
// Called with s.mu held.
func (s *Server) dispatch(r *http.Request, path, ip string, body []byte) (int, object, *download) {
	status, resp, c := s.answer(r, path, ip, body)
	if c != nil && c.download != nil {
		return status, nil, c.download
	}
	return status, resp, nil
}

func (s *Server) answer(r *http.Request, path, ip string, body []byte) (int, object, *call) {
	now := s.nowLocked()
	fail := func(e *apiError) (int, object, *call) {
		return http.StatusOK, object{{"errcode", e.code}, {"errmsg", errmsg(e.code, e.text, newHint(now.Unix()), ip)}}, nil
	}
	rt := s.routes[path] // serveAPI answered unknown paths
	if rt.postOnly && r.Method != http.MethodPost {
		return fail(errPostOnly)
	}
	c := &call{s: s, r: r, q: r.URL.Query(), ip: ip, now: now, body: body}
	if rt.auth {
		at := c.q.Get("access_token")
		if at == "" {
			return fail(errMissingToken)
		}
		tok := s.tokens[at]
		if tok == nil {
			return fail(errInvalidToken)
		}
		if !now.Before(tok.expires) {
			return fail(errTokenExpired)
		}
		c.tok = tok
		list := s.opts.TrustedIPs
		if len(list) == 0 && tok.app != nil {
			list = tok.app.TrustedIPs
		}
		if len(list) > 0 && !ipAllowed(list, ip) {
			return fail(errUntrustedIP)
		}
	}
	if c.q.Get("debug") == "1" {
		key := "ip:" + ip
		if rt.auth {
			key = "token:" + c.q.Get("access_token")
		}
		if !s.allowDebug(key, now) {
			return fail(errFreqLimit)
		}
	}
	resp, apiErr := rt.handle(c)
	if apiErr != nil {
		return fail(apiErr)
	}
	ok200 := "ok"
	if c.emptyErrMsg {
		ok200 = ""
	}
	if c.okMsg != "" {
		ok200 = c.okMsg
	}
	return http.StatusOK, append(object{{"errcode", 0}, {"errmsg", ok200}}, resp...), c
}

// allowDebug enforces WeCom's debug=1 cap: 5 calls per minute per key.
func (s *Server) allowDebug(key string, now time.Time) bool {
	calls := s.debug[key][:0]
	for _, t := range s.debug[key] {
		if now.Sub(t) < debugWindow {
			calls = append(calls, t)
		}
	}
	if len(calls) >= debugLimit {
		s.debug[key] = calls
		return false
	}
	s.debug[key] = append(calls, now)
	return true
}

func (s *Server) record(e LogEntry) {
	s.mu.Lock()
	if e.Time.IsZero() {
		e.Time = s.nowLocked()
	}
	s.log = append(s.log, e)
	if len(s.log) > maxLogEntries {
		s.log = append([]LogEntry(nil), s.log[len(s.log)-maxLogEntries:]...)
	}
	if s.logq != nil {
		line := fmt.Sprintf("%s %s %s", e.Time.Format("15:04:05"), e.Method, e.Path)
		if e.Query != "" {
			line += "?" + e.Query
		}
		line += fmt.Sprintf(" -> %d errcode=%d %.1fms from %s", e.Status, e.ErrCode, e.DurationMS, e.RemoteIP)
		if e.Fault {
			line += " (injected fault)"
		}
		// queued under s.mu, so the lines are in the order of the log
		// entries; the queue never waits for the reader (audit N9)
		s.logq.Push(line)
	}
	s.mu.Unlock()
}

// decodeBody parses a POST body into v; malformed JSON is WeCom's 40058.
func (c *call) decodeBody(v any) *apiError {
	if len(c.body) == 0 {
		return errWrongJSON
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return errWrongJSON
	}
	return nil
}
