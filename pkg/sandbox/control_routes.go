package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/sandboxconsole"
)

// The JSON control API under /_sandbox/ (docs/sandbox.md): its route table,
// the dispatcher that applies the method and cross-site rules from it, and
// the handlers of the core endpoints. The Go methods behind them are in
// control.go; the third-party ones (/_sandbox/suite/...) in suite_control.go.

// controlMethod is one method of a control endpoint.
type controlMethod struct {
	method string
	// writes: the call changes state, so it is refused when a page of
	// another site could have sent it (serve.Hosts.CheckWrite, audit N4).
	writes bool
	handle http.HandlerFunc
}

// controlRoute is the methods of one control endpoint, in the order its
// Allow header names them.
type controlRoute []controlMethod

// read is a GET that changes nothing; write is a call that changes state.
func read(h http.HandlerFunc) controlMethod { return controlMethod{method: http.MethodGet, handle: h} }
func write(method string, h http.HandlerFunc) controlMethod {
	return controlMethod{method: method, writes: true, handle: h}
}

// controlRoutes is the control API. A path matches with or without one
// trailing slash; a path that ends in "/" matches every path below it (the
// handler reads the rest from r.URL.Path).
func (s *Server) controlRoutes() map[string]controlRoute {
	post, del := http.MethodPost, http.MethodDelete
	return map[string]controlRoute{
		"/_sandbox":          {read(s.controlInfo)},
		"/_sandbox/code":     {write(post, s.controlCode)},
		"/_sandbox/faults":   {read(s.controlFaults), write(post, s.controlAddFault), write(del, s.controlClearFaults)},
		"/_sandbox/clock":    {read(s.controlClock), write(post, s.controlAdvance)},
		"/_sandbox/counters": {read(s.controlCounters)},
		"/_sandbox/requests": {read(s.controlRequests)},
		"/_sandbox/messages": {read(s.controlMessages)},
		"/_sandbox/robots":   {read(s.controlRobots), write(post, s.controlRobotWindow)},
		"/_sandbox/rotate":   {write(post, s.controlRotate)},
		"/_sandbox/members":  {read(s.controlMembers)},
		"/_sandbox/reset":    {write(post, s.controlReset)},
		"/_sandbox/images/":  {read(s.controlImage)}, // /_sandbox/images/ID: an image uploaded with media/uploadimg
		// third-party apps (suite_control.go)
		"/_sandbox/suite":                      {read(s.controlSuiteInfo)},
		"/_sandbox/suite/callback":             {write(post, s.controlSuiteCallback)},
		"/_sandbox/suite/push_ticket":          {write(post, s.controlSuitePushTicket)},
		"/_sandbox/suite/authorize":            {write(post, s.controlSuiteAuthorize)},
		"/_sandbox/suite/code":                 {write(post, s.controlSuiteCode)},
		"/_sandbox/suite/change_auth":          {write(post, s.controlSuiteChange)},
		"/_sandbox/suite/cancel_auth":          {write(post, s.controlSuiteCancel)},
		"/_sandbox/suite/reset_permanent_code": {write(post, s.controlSuiteResetSecret)},
	}
}

// lookupControl finds the route of path and the table key it matched ("" and
// nil for none).
func (s *Server) lookupControl(path string) (string, controlRoute) {
	if key := strings.TrimSuffix(path, "/"); s.control[key] != nil {
		return key, s.control[key]
	}
	for key, rt := range s.control {
		if strings.HasSuffix(key, "/") && strings.HasPrefix(path, key) {
			return key, rt
		}
	}
	return "", nil
}

// find is the route's entry for method, or nil.
func (rt controlRoute) find(method string) *controlMethod {
	for i := range rt {
		if rt[i].method == method {
			return &rt[i]
		}
	}
	return nil
}

// serveControl is the JSON control API under /_sandbox/.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	key, rt := s.lookupControl(r.URL.Path)
	m := rt.find(r.Method)
	// A web page of another site can send a "simple" POST here (text/plain,
	// a form) without the user knowing; it must change nothing (CSRF, audit
	// N4). Scripts, curl and the console's own same-origin calls pass. The
	// check covers every request the table does not know as a read: its
	// writes, and the paths and methods it does not know at all.
	if m == nil || m.writes {
		if err := s.hosts.Load().CheckWrite(r); err != nil {
			controlError(w, http.StatusForbidden, "%v", err)
			return
		}
	}
	if sandboxconsole.Serves(r) { // the web console: HTML over this JSON API
		sandboxconsole.Handler().ServeHTTP(w, r)
		return
	}
	switch {
	case rt == nil:
		controlError(w, http.StatusNotFound, "unknown control endpoint %s; see docs/sandbox.md", r.URL.Path)
	case m == nil:
		rt.refuseMethod(w, r)
		if strings.HasSuffix(key, "/") {
			// Kept from the switch this table replaced, so that no answer
			// changes here: a wrong method on a path under a prefix (an
			// image) gets the 404 body after the 405 one.
			controlError(w, http.StatusNotFound, "unknown control endpoint %s; see docs/sandbox.md", r.URL.Path)
		}
	default:
		m.handle(w, r)
	}
}

// refuseMethod answers 405 with the methods the route takes.
func (rt controlRoute) refuseMethod(w http.ResponseWriter, r *http.Request) {
	allowed := make([]string, len(rt))
	for i, m := range rt {
		allowed[i] = m.method
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	controlError(w, http.StatusMethodNotAllowed, "%s %s: use %s", r.Method, r.URL.Path, strings.Join(allowed, " or "))
}

// controlError writes the control API's error body.
func controlError(w http.ResponseWriter, status int, format string, a ...any) {
	writeJSON(w, status, object{{"error", fmt.Sprintf(format, a...)}})
}

// decodeControl reads the JSON body into v, refusing unknown fields; false
// when it answered 400.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		controlError(w, http.StatusBadRequest, "invalid JSON body: %v", err)
		return false
	}
	return true
}

func writeOK(w http.ResponseWriter) { writeJSON(w, http.StatusOK, object{{"ok", true}}) }

func (s *Server) controlInfo(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.info())
}

func (s *Server) controlCode(w http.ResponseWriter, r *http.Request) {
	var req CodeRequest
	if !decodeControl(w, r, &req) {
		return
	}
	code, err := s.IssueCode(req)
	if err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, object{{"code", code}, {"expires_in", int(codeTTL / time.Second)}})
}

func (s *Server) controlFaults(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	list := make([]object, 0, len(s.faults))
	for _, f := range s.faults {
		list = append(list, object{{"path", f.Path}, {"errcode", f.ErrCode}, {"errmsg", f.ErrMsg},
			{"http_status", f.HTTPStatus}, {"delay", f.Delay.String()}, {"left", f.left}})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, object{{"faults", list}})
}

func (s *Server) controlAddFault(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Fault
		Delay string `json:"delay,omitempty"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	f := req.Fault
	if req.Delay != "" {
		d, err := time.ParseDuration(req.Delay)
		if err != nil {
			controlError(w, http.StatusBadRequest, "delay %q: use a Go duration such as 1500ms or 2s", req.Delay)
			return
		}
		f.Delay = d
	}
	if err := s.InjectFault(f); err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	writeOK(w)
}

func (s *Server) controlClearFaults(w http.ResponseWriter, _ *http.Request) {
	s.ClearFaults()
	writeOK(w)
}

func (s *Server) controlClock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, clockBody(s.Now()))
}

func (s *Server) controlAdvance(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Advance string `json:"advance"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	d, err := time.ParseDuration(req.Advance)
	if err != nil || d <= 0 {
		controlError(w, http.StatusBadRequest, "advance %q: use a positive Go duration such as 2h or 301s", req.Advance)
		return
	}
	writeJSON(w, http.StatusOK, clockBody(s.Advance(d)))
}

func clockBody(t time.Time) object {
	return object{{"now", t.UTC().Format(time.RFC3339)}, {"unix", t.Unix()}}
}

func (s *Server) controlCounters(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Query().Get("path"); p != "" {
		writeJSON(w, http.StatusOK, object{{"path", p}, {"count", s.Count(p)}})
		return
	}
	writeJSON(w, http.StatusOK, object{{"counters", s.Counters()}})
}

func (s *Server) controlRequests(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, object{{"requests", nonNilSlice(s.Requests())}})
}

func (s *Server) controlMessages(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, object{{"messages", nonNilSlice(s.Messages())}})
}

func (s *Server) controlRobots(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.robotsInfo(r.URL.Query().Get("robot")))
}

func (s *Server) controlRobotWindow(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Window string `json:"window"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	d, err := time.ParseDuration(req.Window)
	if err == nil {
		err = s.SetRobotWindow(d)
	}
	if err != nil {
		controlError(w, http.StatusBadRequest, "window %q: use a Go duration from 10ms to 1h, e.g. 2s", req.Window)
		return
	}
	writeJSON(w, http.StatusOK, s.robotsInfo(""))
}

func (s *Server) controlRotate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Invalidate bool `json:"invalidate"`
	}
	if r.ContentLength != 0 && !decodeControl(w, r, &req) { // no body: invalidate false
		return
	}
	s.RotateTokens(req.Invalidate)
	writeOK(w)
}

func (s *Server) controlMembers(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.membersInfo())
}

func (s *Server) controlReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	writeOK(w)
}

func (s *Server) controlImage(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/_sandbox/images/")
	if d := s.permanentImage(id); d != nil {
		d.serve(w, r)
		return
	}
	controlError(w, http.StatusNotFound, "no uploaded image %q", id)
}

func nonNilSlice[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// info describes the fixtures without their secrets.
func (s *Server) info() object {
	s.mu.Lock() // members and apps change (user/create, agent/set)
	defer s.mu.Unlock()
	corps := make([]object, 0, len(s.fx.Corps))
	for _, c := range s.fx.Corps {
		apps := make([]object, 0, len(c.Apps))
		for _, a := range c.Apps {
			apps = append(apps, object{{"agentid", a.AgentID}, {"name", a.Name}})
		}
		users := make([]string, 0, len(c.Users))
		for _, u := range c.Users {
			users = append(users, u.UserID)
		}
		robots := make([]string, 0, len(c.Robots))
		for _, r := range c.Robots {
			robots = append(robots, r.Name)
		}
		corps = append(corps, object{{"corpid", c.CorpID}, {"name", c.Name}, {"apps", apps},
			{"contact_secret", c.ContactSecret != ""}, {"users", users}, {"robots", robots}})
	}
	return object{{"corps", corps}, {"token_ttl", int(s.opts.TokenTTL / time.Second)}, {"now", s.nowLocked().UTC().Format(time.RFC3339)}}
}

// membersInfo is what the web console's member list needs, read-only and
// without secrets: each corp's apps (for the login redirect), departments
// and members.
func (s *Server) membersInfo() object {
	corps := make([]object, 0, len(s.fx.Corps))
	for _, c := range s.fx.Corps {
		apps := make([]object, 0, len(c.Apps))
		for _, a := range c.Apps {
			apps = append(apps, object{{"agentid", a.AgentID}, {"name", a.Name},
				{"redirect_domain", a.RedirectDomain}, {"home_url", a.HomeURL}})
		}
		depts := make([]object, 0, len(c.Departments))
		for _, d := range c.Departments {
			depts = append(depts, object{{"id", d.ID}, {"name", d.Name}, {"parentid", d.ParentID}})
		}
		members := make([]object, 0, len(c.Users))
		for _, u := range c.Users {
			status := u.Status
			if status == 0 {
				status = 1
			}
			members = append(members, object{{"userid", u.UserID}, {"name", u.Name},
				{"department", nonNilSlice(u.Department)}, {"position", u.Position}, {"status", status}})
		}
		corps = append(corps, object{{"corpid", c.CorpID}, {"name", c.Name}, {"apps", apps},
			{"departments", depts}, {"members", members}})
	}
	return object{{"corps", corps}}
}
