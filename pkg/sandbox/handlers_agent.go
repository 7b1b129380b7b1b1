package sandbox

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// App admin (应用管理): agent/get, DOC 90227 agent/list, 90228 agent/set,
// 90231 menu/create, 90232 menu/get, 90233 menu/delete, the workbench
// templates; errcodes from DOC 90313. A token acts on its own app only
// (another agentid: 301002).

var (
	errMenuButtons    = errf(40016, "invalid button size")      // sandbox wording
	errMenuButtonType = errf(40017, "invalid button type")      // sandbox wording
	errMenuButtonName = errf(40018, "invalid button name size") // sandbox wording
	errMenuSubButtons = errf(40023, "invalid sub button size")  // sandbox wording
	errMenuNotSet     = errf(46003, "menu no exist")            // sandbox wording
)

// menuTypes are the button types of DOC 90231.
var menuTypes = []string{"click", "view", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
	"pic_photo_or_album", "pic_weixin", "location_select", "view_miniprogram"}

// agentGet: the details of the token's own app (another agentid: 301002).
func (s *Server) agentGet(c *call) (object, *apiError) {
	raw := c.q.Get("agentid")
	if raw == "" {
		return nil, errMissingAgentID
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 || c.tok.corp.apps[id] == nil {
		return nil, errInvalidAgentID
	}
	if c.tok.app == nil || c.tok.app.AgentID != id {
		return nil, errAppPrivilege
	}
	a := c.tok.app
	users := make([]object, 0, len(a.AllowUsers))
	for _, u := range a.AllowUsers {
		users = append(users, object{{"userid", u}})
	}
	parties := a.AllowParties
	if parties == nil {
		parties = []int64{}
	}
	closed := 0
	if a.Closed {
		closed = 1
	}
	return object{
		{"agentid", a.AgentID}, {"name", a.Name}, {"square_logo_url", a.SquareLogoURL}, {"description", a.Description},
		{"allow_userinfos", object{{"user", users}}}, {"allow_partys", object{{"partyid", parties}}},
		{"allow_tags", object{{"tagid", []int{}}}}, {"close", closed}, {"redirect_domain", a.RedirectDomain},
		{"report_location_flag", a.ReportLocation}, {"isreportenter", a.ReportEnter}, {"home_url", a.HomeURL}, {"customized_publish_status", 0},
	}, nil
}

// agentList: the apps this token may use, i.e. its own (DOC 90227:
// 获取access_token对应的应用列表).
func (s *Server) agentList(c *call) (object, *apiError) {
	if c.tok.app == nil {
		return nil, errAPIForbidden
	}
	a := c.tok.app
	return object{{"agentlist", []object{{{"agentid", a.AgentID}, {"name", a.Name}, {"square_logo_url", a.SquareLogoURL}}}}}, nil
}

// ownAgent checks that the agentid of a request is the token's own app.
func ownAgent(c *call, raw string) (*App, *apiError) {
	if raw == "" {
		return nil, errMissingAgentID
	}
	id, err := strconv.ParseInt(strings.Trim(raw, `"`), 10, 64)
	if err != nil || id <= 0 || c.tok.corp.apps[id] == nil {
		return nil, errInvalidAgentID
	}
	if c.tok.app == nil || c.tok.app.AgentID != id {
		return nil, errAppPrivilege
	}
	return c.tok.app, nil
}

func (s *Server) agentSet(c *call) (object, *apiError) {
	var req struct {
		AgentID        json.RawMessage `json:"agentid"`
		ReportLocation *int            `json:"report_location_flag"`
		LogoMediaID    string          `json:"logo_mediaid"`
		Name           *string         `json:"name"`
		Description    *string         `json:"description"`
		RedirectDomain *string         `json:"redirect_domain"`
		ReportEnter    *int            `json:"isreportenter"`
		HomeURL        *string         `json:"home_url"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	app, e := ownAgent(c, string(req.AgentID))
	if e != nil {
		return nil, e
	}
	if req.LogoMediaID != "" && s.appMedia(c, req.LogoMediaID) == nil {
		return nil, errMediaID
	}
	// An empty string is a field not set, as for query parameters: SDKs
	// that send every field (go-wecom's SetAgentRequest) send "name":"".
	// Sandbox choice; DOC 90228 lists every field as optional.
	if req.Name != nil && *req.Name == "" {
		req.Name = nil
	}
	if req.Name != nil && strings.TrimSpace(*req.Name) == "" {
		return nil, errInvalidParam
	}
	for _, flag := range []*int{req.ReportLocation, req.ReportEnter} {
		if flag != nil && *flag != 0 && *flag != 1 {
			return nil, errInvalidParam
		}
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&app.Name, req.Name)
	set(&app.Description, req.Description)
	set(&app.RedirectDomain, req.RedirectDomain)
	set(&app.HomeURL, req.HomeURL)
	if req.ReportLocation != nil {
		app.ReportLocation = *req.ReportLocation
	}
	if req.ReportEnter != nil {
		app.ReportEnter = *req.ReportEnter
	}
	if req.LogoMediaID != "" {
		app.SquareLogoURL = "https://wwcli.example.com/agent-logo/" + req.LogoMediaID
	}
	return object{}, nil
}

type menuButton struct {
	Type      string       `json:"type,omitempty"`
	Name      string       `json:"name"`
	Key       string       `json:"key,omitempty"`
	URL       string       `json:"url,omitempty"`
	PagePath  string       `json:"pagepath,omitempty"`
	AppID     string       `json:"appid,omitempty"`
	SubButton []menuButton `json:"sub_button,omitempty"`
}

// checkButton: a name of 1-16 bytes at the top, 1-40 below (DOC 90231),
// a known type with its key / url / appid.
func checkButton(b menuButton, sub bool) *apiError {
	limit := 16
	if sub {
		limit = 40
	}
	if b.Name == "" || len(b.Name) > limit {
		return errMenuButtonName
	}
	if !sub && len(b.SubButton) > 0 {
		if len(b.SubButton) > 5 {
			return errMenuSubButtons
		}
		for _, sb := range b.SubButton {
			if e := checkButton(sb, true); e != nil {
				return e
			}
		}
		return nil
	}
	if !slices.Contains(menuTypes, b.Type) {
		return errMenuButtonType
	}
	switch {
	case b.Type == "view" && b.URL == "":
		return errf(40055, "missing url") // 40055: 不合法的菜单url域名
	case b.Type == "view_miniprogram" && (b.AppID == "" || b.PagePath == ""):
		return errInvalidParam
	case b.Type != "view" && b.Type != "view_miniprogram" && b.Key == "":
		return errf(40019, "invalid button key size") // sandbox wording
	}
	return nil
}

func (s *Server) menuCreate(c *call) (object, *apiError) {
	app, e := ownAgent(c, c.q.Get("agentid"))
	if e != nil {
		return nil, e
	}
	var req struct {
		Button []menuButton `json:"button"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if len(req.Button) == 0 || len(req.Button) > 3 {
		return nil, errMenuButtons
	}
	for _, b := range req.Button {
		if e := checkButton(b, false); e != nil {
			return nil, e
		}
	}
	menu, err := json.Marshal(req.Button)
	if err != nil {
		return nil, errWrongJSON
	}
	app.Menu = menu
	return object{}, nil
}

func (s *Server) menuGet(c *call) (object, *apiError) {
	app, e := ownAgent(c, c.q.Get("agentid"))
	if e != nil {
		return nil, e
	}
	if len(app.Menu) == 0 {
		return nil, errMenuNotSet
	}
	return object{{"button", app.Menu}}, nil
}

func (s *Server) menuDelete(c *call) (object, *apiError) {
	app, e := ownAgent(c, c.q.Get("agentid"))
	if e != nil {
		return nil, e
	}
	app.Menu = nil
	return object{}, nil
}

// Workbench (工作台) templates: DOC 92535 agent/set_workbench_template,
// agent/get_workbench_template, agent/set_workbench_data. The type is one
// of the five documented ones and its object must be present.
var workbenchTypes = []string{"normal", "keydata", "image", "list", "webview"}

func (s *Server) setWorkbenchTemplate(c *call) (object, *apiError) {
	var req map[string]json.RawMessage
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	app, e := ownAgent(c, string(req["agentid"]))
	if e != nil {
		return nil, e
	}
	var typ string
	if json.Unmarshal(req["type"], &typ) != nil || !slices.Contains(workbenchTypes, typ) {
		return nil, errf(40058, "invalid type: use normal, keydata, image, list or webview")
	}
	if typ != "normal" && len(req[typ]) == 0 {
		return nil, errf(40058, "missing "+typ)
	}
	delete(req, "agentid")
	tmpl, err := json.Marshal(req)
	if err != nil {
		return nil, errWrongJSON
	}
	app.Workbench = tmpl
	return object{}, nil
}

func (s *Server) getWorkbenchTemplate(c *call) (object, *apiError) {
	var req struct {
		AgentID json.RawMessage `json:"agentid"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	app, e := ownAgent(c, string(req.AgentID))
	if e != nil {
		return nil, e
	}
	var tmpl map[string]json.RawMessage
	if len(app.Workbench) == 0 || json.Unmarshal(app.Workbench, &tmpl) != nil {
		return object{{"type", "normal"}}, nil // no template set: the default
	}
	keys := make([]string, 0, len(tmpl))
	for k := range tmpl {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	resp := object{{"type", tmpl["type"]}}
	for _, k := range keys {
		if k != "type" {
			resp = append(resp, field{k, tmpl[k]})
		}
	}
	return resp, nil
}

func (s *Server) setWorkbenchData(c *call) (object, *apiError) {
	var req map[string]json.RawMessage
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if _, e := ownAgent(c, string(req["agentid"])); e != nil {
		return nil, e
	}
	var userID, typ string
	_ = json.Unmarshal(req["userid"], &userID)
	if userID == "" {
		return nil, errMissingUserID
	}
	u := c.tok.corp.user(userID)
	if u == nil {
		return nil, errUserNotFound
	}
	if !c.tok.corp.userVisible(c.tok.app, u) {
		return nil, errNoPrivilege
	}
	if json.Unmarshal(req["type"], &typ) != nil || !slices.Contains(workbenchTypes[1:], typ) || len(req[typ]) == 0 {
		return nil, errf(40058, "invalid type: use keydata, image, list or webview, with its object")
	}
	return object{}, nil
}
