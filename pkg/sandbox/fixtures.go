package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
)

// The built-in demo corp. The values look like real WeCom credentials (a
// corp id is "ww" + 16 hex digits, a secret is 43 URL-safe characters) so
// clients that validate formats accept them, but they only work here.
const (
	DemoCorpID   = "ww5a8f2c1d9e0b3a47"
	DemoCorpName = "演示科技 (wwcli sandbox)"

	DemoAgentID   = 1000002 // "演示应用": visible to the whole corp
	DemoAppSecret = "DemoApp1Secret-wwcli-sandbox-0123456789abcd"

	DemoApp2AgentID = 1000003 // "审批助手": visible to 市场部 and zhangsan only
	DemoApp2Secret  = "DemoApp2Secret-wwcli-sandbox-0123456789abcd"

	DemoMiniProgramAgentID = 1000004 // app linked to a mini program (jscode2session)
	DemoMiniProgramSecret  = "DemoMiniProgramSecret-wwcli-sandbox-0123456"
	DemoMiniProgramAppID   = "wx7c2e9a4b1d3f5a68"

	DemoContactSecret = "DemoContactSyncSecret-wwcli-sandbox-0123456" // 通讯录同步 secret
	// 客户联系 secret: the externalcontact/* APIs. App 1 is also in the
	// 可调用应用 list, so its own token may call them too; app 2 is not (48002).
	DemoExternalContactSecret = "DemoCustomerContactSecret-wwcli-sandbox-012"

	// Group robots (群机器人), shaped like real webhook keys.
	DemoRobotName  = "ci-alerts"
	DemoRobotKey   = "5a8f2c1d-9e0b-4a47-8d2c-000000000001"
	DemoRobot2Name = "deploys"
	DemoRobot2Key  = "5a8f2c1d-9e0b-4a47-8d2c-000000000002"
)

// The third-party world (服务商): a provider corp with one third-party app
// (suite) and one 代开发 template. The demo corp above is the corp that
// installs them; its corp token then comes from service/get_corp_token.
const (
	DemoProviderCorpID = "wwb7d41e6a2c9f0358"
	DemoProviderSecret = "DemoProviderSecret-wwcli-sandbox-0123456789" // provider_secret

	DemoSuiteID     = "ww9c3e7b1a5d2f8e60" // third-party apps start with ww/wx
	DemoSuiteSecret = "DemoSuiteSecret-wwcli-sandbox-0123456789abc"
	// The suite's instruction callback (指令回调) settings: suite_ticket and
	// auth events are pushed encrypted with these, receive id = suite id.
	DemoSuiteToken          = "DemoSuiteCallbackToken"
	DemoSuiteEncodingAESKey = "c3VpdGVBRVNLZXktd3djbGktc2FuZGJveC0wMTIzNDU"

	DemoTemplateID     = "dk3b7e1f9a2c5d8e40" // 代开发 templates start with dk
	DemoTemplateSecret = "DemoTemplateSecret-wwcli-sandbox-0123456789"

	// The agentids the suite and the template get in a corp that installs
	// them (the next free one if the fixtures already use it).
	DemoSuiteAgentID    = 1000010
	DemoTemplateAgentID = 1000011
)

// Fixtures is the sandbox's world: corps with their apps, departments and
// members, plus the IP lists WeCom publishes. LoadFixtures reads it as JSON
// with the same field names.
type Fixtures struct {
	Corps        []Corp   `json:"corps"`
	CallbackIPs  []string `json:"callback_ips,omitempty"`
	APIDomainIPs []string `json:"api_domain_ips,omitempty"`
}

// Corp is one enterprise.
type Corp struct {
	CorpID        string       `json:"corpid"`
	Name          string       `json:"name,omitempty"`
	ContactSecret string       `json:"contact_secret,omitempty"` // 通讯录同步 secret; empty = none
	Apps          []App        `json:"apps"`
	Departments   []Department `json:"departments"`
	Users         []User       `json:"users"`
	Robots        []Robot      `json:"robots,omitempty"`
	// 客户联系 secret; empty = none. Its token calls externalcontact/*.
	ExternalContactSecret string            `json:"externalcontact_secret,omitempty"`
	Tags                  []Tag             `json:"tags,omitempty"`
	ExternalContacts      []ExternalContact `json:"external_contacts,omitempty"`
	GroupChats            []GroupChat       `json:"group_chats,omitempty"` // 客户群
	// AppChats are the app group chats made with appchat/create (state, not
	// usually fixtures).
	AppChats []AppChat `json:"appchats,omitempty"`
}

// Tag is a contact tag (标签) with its members and departments.
type Tag struct {
	ID      int64    `json:"tagid"`
	Name    string   `json:"tagname"`
	Users   []string `json:"userlist,omitempty"`
	Parties []int64  `json:"partylist,omitempty"`
	Owner   int64    `json:"owner_agentid,omitempty"` // the app that made it (tag/create); 0 = contact secret / fixtures
}

// ExternalContact is a customer (外部联系人) and the members who added them.
type ExternalContact struct {
	ExternalUserID string       `json:"external_userid"`
	Name           string       `json:"name"`
	Type           int          `json:"type,omitempty"`   // 1 WeChat user (default), 2 WeCom user
	Gender         int          `json:"gender,omitempty"` // 0 unknown, 1 male, 2 female
	Avatar         string       `json:"avatar,omitempty"`
	CorpName       string       `json:"corp_name,omitempty"`
	FollowUsers    []FollowUser `json:"follow_user"`
}

// FollowUser is a member who has the customer as a contact.
type FollowUser struct {
	UserID      string `json:"userid"`
	Remark      string `json:"remark,omitempty"`
	Description string `json:"description,omitempty"`
	CreateTime  int64  `json:"createtime,omitempty"`
	AddWay      int    `json:"add_way,omitempty"`
	State       string `json:"state,omitempty"`
}

// GroupChat is a customer group chat (客户群).
type GroupChat struct {
	ChatID     string        `json:"chat_id"`
	Name       string        `json:"name"`
	Owner      string        `json:"owner"`
	CreateTime int64         `json:"create_time,omitempty"`
	Notice     string        `json:"notice,omitempty"`
	Members    []GroupMember `json:"member_list"`
	Admins     []string      `json:"admin_list,omitempty"`
	Status     int           `json:"status,omitempty"` // 0 normal
}

// GroupMember is one member of a customer group chat.
type GroupMember struct {
	UserID    string `json:"userid"`
	Type      int    `json:"type"` // 1 corp member, 2 external contact
	JoinTime  int64  `json:"join_time,omitempty"`
	JoinScene int    `json:"join_scene,omitempty"`
	Name      string `json:"name,omitempty"`
}

// AppChat is an app group chat (群聊会话) made with appchat/create.
type AppChat struct {
	ChatID  string   `json:"chatid"`
	Name    string   `json:"name"`
	Owner   string   `json:"owner"`
	Users   []string `json:"userlist"`
	AgentID int64    `json:"agentid"` // the app that made it
}

// Robot is a group robot of one group chat: webhook/send?key=KEY.
type Robot struct {
	Name string `json:"name"` // how the control API and tests refer to it
	Key  string `json:"key"`
}

// App is a self-built application (应用) of a corp.
type App struct {
	AgentID          int64    `json:"agentid"`
	Name             string   `json:"name"`
	Secret           string   `json:"secret"`
	Description      string   `json:"description,omitempty"`
	SquareLogoURL    string   `json:"square_logo_url,omitempty"`
	RedirectDomain   string   `json:"redirect_domain,omitempty"`
	HomeURL          string   `json:"home_url,omitempty"`
	AllowUsers       []string `json:"allow_users,omitempty"`  // visible range: members
	AllowParties     []int64  `json:"allow_partys,omitempty"` // visible range: departments and their sub-departments
	Closed           bool     `json:"closed,omitempty"`       // disabled app: gettoken answers 40001
	MiniProgramAppID string   `json:"miniprogram_appid,omitempty"`
	TrustedIPs       []string `json:"trusted_ips,omitempty"` // 企业可信IP (IPs or CIDRs); empty = any
	// ExternalContactAPI: the app is in the 客户联系 可调用应用 list, so its
	// own token may call externalcontact/* (else 48002).
	ExternalContactAPI bool            `json:"externalcontact_api,omitempty"`
	ReportLocation     int             `json:"report_location_flag,omitempty"` // agent/set
	ReportEnter        int             `json:"isreportenter,omitempty"`        // agent/set
	Menu               json.RawMessage `json:"menu,omitempty"`                 // menu/create (state)
	Workbench          json.RawMessage `json:"workbench,omitempty"`            // agent/set_workbench_template (state)
}

// Department is one node of the org tree; ParentID 0 marks the root.
type Department struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	NameEN   string   `json:"name_en,omitempty"`
	ParentID int64    `json:"parentid"`
	Order    int64    `json:"order,omitempty"`
	Leaders  []string `json:"department_leader,omitempty"`
}

// User is a member (成员).
type User struct {
	UserID     string  `json:"userid"`
	Name       string  `json:"name"`
	Department []int64 `json:"department"`
	Position   string  `json:"position,omitempty"`
	Mobile     string  `json:"mobile,omitempty"`
	Gender     string  `json:"gender,omitempty"` // "0" unknown, "1" male, "2" female
	Email      string  `json:"email,omitempty"`
	BizMail    string  `json:"biz_mail,omitempty"`
	Avatar     string  `json:"avatar,omitempty"`
	Alias      string  `json:"alias,omitempty"`
	Telephone  string  `json:"telephone,omitempty"`
	Address    string  `json:"address,omitempty"`
	Status     int     `json:"status,omitempty"` // 1 active (default), 2 disabled, 4 not activated, 5 left
}

// DemoFixtures returns a fresh copy of the built-in demo corp.
func DemoFixtures() *Fixtures {
	avatar := func(id string) string { return "https://wwcli.example.com/avatar/" + id + ".png" }
	return &Fixtures{
		Corps: []Corp{{
			CorpID:        DemoCorpID,
			Name:          DemoCorpName,
			ContactSecret: DemoContactSecret,
			Apps: []App{
				{AgentID: DemoAgentID, Name: "演示应用", Secret: DemoAppSecret,
					Description: "wwcli sandbox demo app", RedirectDomain: "wwcli.example.com",
					HomeURL: "https://wwcli.example.com/", AllowParties: []int64{1},
					SquareLogoURL: "https://wwcli.example.com/logo.png", ExternalContactAPI: true},
				{AgentID: DemoApp2AgentID, Name: "审批助手", Secret: DemoApp2Secret,
					Description: "second demo app with a narrow visible range", RedirectDomain: "approve.example.com",
					AllowUsers: []string{"zhangsan"}, AllowParties: []int64{3}},
				{AgentID: DemoMiniProgramAgentID, Name: "演示小程序", Secret: DemoMiniProgramSecret,
					Description: "demo app linked to a mini program", AllowParties: []int64{1},
					MiniProgramAppID: DemoMiniProgramAppID},
			},
			Departments: []Department{
				{ID: 1, Name: "演示科技", NameEN: "Demo Tech", ParentID: 0, Order: 100000000, Leaders: []string{"zhangsan"}},
				{ID: 2, Name: "研发部", NameEN: "R&D", ParentID: 1, Order: 100000000, Leaders: []string{"lisi"}},
				{ID: 3, Name: "市场部", NameEN: "Marketing", ParentID: 1, Order: 99999000, Leaders: []string{"wangwu"}},
				{ID: 4, Name: "前端组", NameEN: "Frontend", ParentID: 2, Order: 100000000},
			},
			Users: []User{
				{UserID: "zhangsan", Name: "张三", Department: []int64{1}, Position: "总经理", Mobile: "13800000001",
					Gender: "1", Email: "zhangsan@example.com", BizMail: "zhangsan@demo.wecom.work", Avatar: avatar("zhangsan"),
					Alias: "San Zhang", Address: "广州市海珠区新港中路"},
				{UserID: "lisi", Name: "李四", Department: []int64{2}, Position: "研发经理", Mobile: "13800000002",
					Gender: "1", Email: "lisi@example.com", Avatar: avatar("lisi")},
				{UserID: "wangwu", Name: "王五", Department: []int64{3}, Position: "市场经理", Mobile: "13800000003",
					Gender: "2", Email: "wangwu@example.com", Avatar: avatar("wangwu")},
				{UserID: "zhaoliu", Name: "赵六", Department: []int64{4}, Position: "前端工程师", Mobile: "13800000004",
					Gender: "2", Email: "zhaoliu@example.com", Avatar: avatar("zhaoliu")},
				{UserID: "chenxiaoming", Name: "陈小明", Department: []int64{4, 3}, Position: "全栈工程师", Mobile: "13800000005",
					Gender: "1", Avatar: avatar("chenxiaoming")},
				{UserID: "alice", Name: "Alice Smith", Department: []int64{2}, Position: "Engineer",
					Gender: "2", Email: "alice@example.com"},
			},
			Robots:                []Robot{{Name: DemoRobotName, Key: DemoRobotKey}, {Name: DemoRobot2Name, Key: DemoRobot2Key}},
			ExternalContactSecret: DemoExternalContactSecret,
			Tags:                  []Tag{{ID: 1, Name: "管理层", Users: []string{"zhangsan"}, Parties: []int64{}}, {ID: 2, Name: "研发", Parties: []int64{2}}},
			ExternalContacts: []ExternalContact{
				{ExternalUserID: "wmDemoCustomer0000000000000000001", Name: "客户甲", Type: 1, Gender: 1,
					Avatar: "https://wwcli.example.com/avatar/customer1.png",
					FollowUsers: []FollowUser{{UserID: "zhangsan", Remark: "甲总", CreateTime: 1700000000, AddWay: 1},
						{UserID: "wangwu", Remark: "客户甲", CreateTime: 1700003600, AddWay: 2}}},
				{ExternalUserID: "wmDemoCustomer0000000000000000002", Name: "客户乙", Type: 2, Gender: 2, CorpName: "乙公司",
					FollowUsers: []FollowUser{{UserID: "wangwu", Description: "渠道伙伴", CreateTime: 1700007200, AddWay: 3}}},
			},
			GroupChats: []GroupChat{{ChatID: "wrDemoGroupChat000000000000000001", Name: "客户交流群", Owner: "wangwu",
				CreateTime: 1700010000, Notice: "欢迎",
				Members: []GroupMember{{UserID: "wangwu", Type: 1, JoinTime: 1700010000, JoinScene: 1},
					{UserID: "wmDemoCustomer0000000000000000001", Type: 2, JoinTime: 1700010100, JoinScene: 1, Name: "客户甲"}},
				Admins: []string{}}},
		}},
		CallbackIPs:  []string{"101.226.103.0/25", "140.207.54.0/25", "182.254.11.0/24"},
		APIDomainIPs: []string{"182.254.11.176", "182.254.78.66", "140.207.189.33"},
	}
}

// userIDPattern is compiled on first use, not at start-up: every wwcli
// command links the sandbox, and most never validate fixtures.
var userIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`) })

// LoadFixtures reads fixtures as JSON and validates them. Errors name the
// offending field, e.g. `corps[0].apps[1].secret: must not be empty`.
func LoadFixtures(r io.Reader) (*Fixtures, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("fixtures: read: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fx Fixtures
	if err := dec.Decode(&fx); err != nil {
		return nil, describeJSONError(data, err)
	}
	if dec.More() {
		return nil, errors.New("fixtures: unexpected data after the JSON object")
	}
	if err := fx.Validate(); err != nil {
		return nil, err
	}
	return &fx, nil
}

func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := lineCol(data, syn.Offset)
		return fmt.Errorf("fixtures: invalid JSON at line %d, column %d: %v", line, col, syn)
	case errors.As(err, &typ):
		return fmt.Errorf("fixtures: %s: expected %s, got JSON %s", typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.EOF):
		return errors.New("fixtures: empty input; expected a JSON object with \"corps\"")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return fmt.Errorf("fixtures: %s (see docs/sandbox.md for the fields)", strings.TrimPrefix(err.Error(), "json: "))
	}
	return fmt.Errorf("fixtures: %w", err)
}

func lineCol(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// Validate checks the references and uniqueness rules the server relies on.
func (fx *Fixtures) Validate() error {
	if len(fx.Corps) == 0 {
		return errors.New("fixtures: corps: at least one corp is required")
	}
	corpIDs := map[string]bool{}
	robots := map[string]bool{}
	for i := range fx.Corps {
		if err := validateCorp(&fx.Corps[i], fmt.Sprintf("corps[%d]", i), corpIDs); err != nil {
			return fmt.Errorf("fixtures: %w", err)
		}
		if err := validateRobots(fx.Corps[i].Robots, fmt.Sprintf("corps[%d]", i), robots); err != nil {
			return fmt.Errorf("fixtures: %w", err)
		}
	}
	for i, ip := range fx.CallbackIPs {
		if !validIPOrCIDR(ip) {
			return fmt.Errorf("fixtures: callback_ips[%d]: %q is not an IP address or CIDR", i, ip)
		}
	}
	for i, ip := range fx.APIDomainIPs {
		if !validIPOrCIDR(ip) {
			return fmt.Errorf("fixtures: api_domain_ips[%d]: %q is not an IP address or CIDR", i, ip)
		}
	}
	return nil
}

func validateCorp(c *Corp, at string, corpIDs map[string]bool) error {
	if c.CorpID == "" {
		return fmt.Errorf("%s.corpid: must not be empty", at)
	}
	if corpIDs[c.CorpID] {
		return fmt.Errorf("%s.corpid: %q appears twice", at, c.CorpID)
	}
	corpIDs[c.CorpID] = true

	depts := map[int64]*Department{}
	for i := range c.Departments {
		d := &c.Departments[i]
		where := fmt.Sprintf("%s.departments[%d]", at, i)
		if d.ID <= 0 {
			return fmt.Errorf("%s.id: must be a positive integer", where)
		}
		if depts[d.ID] != nil {
			return fmt.Errorf("%s.id: %d appears twice", where, d.ID)
		}
		if d.Name == "" {
			return fmt.Errorf("%s.name: must not be empty", where)
		}
		depts[d.ID] = d
	}
	for i, d := range c.Departments {
		if d.ParentID != 0 && depts[d.ParentID] == nil {
			return fmt.Errorf("%s.departments[%d].parentid: department %d does not exist", at, i, d.ParentID)
		}
	}
	if i, ok := findCycle(c.Departments, depts); ok {
		return fmt.Errorf("%s.departments[%d].parentid: department %d is its own ancestor", at, i, c.Departments[i].ID)
	}

	users := map[string]bool{}
	for i, u := range c.Users {
		where := fmt.Sprintf("%s.users[%d]", at, i)
		if !userIDPattern().MatchString(u.UserID) {
			return fmt.Errorf("%s.userid: %q must be 1-64 characters of A-Z a-z 0-9 _ . @ -", where, u.UserID)
		}
		if users[foldUserID(u.UserID)] { // userids are case-insensitive (DOC 90196)
			return fmt.Errorf("%s.userid: %q appears twice (userids are case-insensitive)", where, u.UserID)
		}
		users[foldUserID(u.UserID)] = true
		if u.Name == "" {
			return fmt.Errorf("%s.name: must not be empty", where)
		}
		if len(u.Department) == 0 {
			return fmt.Errorf("%s.department: a member needs at least one department", where)
		}
		for j, id := range u.Department {
			if depts[id] == nil {
				return fmt.Errorf("%s.department[%d]: department %d does not exist", where, j, id)
			}
		}
		switch u.Gender {
		case "", "0", "1", "2":
		default:
			return fmt.Errorf("%s.gender: %q must be \"0\", \"1\" or \"2\"", where, u.Gender)
		}
	}
	for i, d := range c.Departments {
		for j, l := range d.Leaders {
			if !users[foldUserID(l)] {
				return fmt.Errorf("%s.departments[%d].department_leader[%d]: member %q does not exist", at, i, j, l)
			}
		}
	}

	secrets := map[string]bool{}
	if c.ContactSecret != "" {
		secrets[c.ContactSecret] = true
	}
	agents := map[int64]bool{}
	for i, a := range c.Apps {
		where := fmt.Sprintf("%s.apps[%d]", at, i)
		if a.AgentID <= 0 {
			return fmt.Errorf("%s.agentid: must be a positive integer", where)
		}
		if agents[a.AgentID] {
			return fmt.Errorf("%s.agentid: %d appears twice", where, a.AgentID)
		}
		agents[a.AgentID] = true
		if a.Secret == "" {
			return fmt.Errorf("%s.secret: must not be empty", where)
		}
		if secrets[a.Secret] {
			return fmt.Errorf("%s.secret: already used by another app or the contact secret of this corp", where)
		}
		secrets[a.Secret] = true
		if a.Name == "" {
			return fmt.Errorf("%s.name: must not be empty", where)
		}
		for j, u := range a.AllowUsers {
			if !users[foldUserID(u)] {
				return fmt.Errorf("%s.allow_users[%d]: member %q does not exist", where, j, u)
			}
		}
		for j, p := range a.AllowParties {
			if depts[p] == nil {
				return fmt.Errorf("%s.allow_partys[%d]: department %d does not exist", where, j, p)
			}
		}
		for j, ip := range a.TrustedIPs {
			if !validIPOrCIDR(ip) {
				return fmt.Errorf("%s.trusted_ips[%d]: %q is not an IP address or CIDR", where, j, ip)
			}
		}
	}
	tagIDs := map[int64]bool{}
	for i, t := range c.Tags {
		where := fmt.Sprintf("%s.tags[%d]", at, i)
		if t.ID <= 0 || tagIDs[t.ID] {
			return fmt.Errorf("%s.tagid: %d must be a positive integer used once", where, t.ID)
		}
		tagIDs[t.ID] = true
		if t.Name == "" {
			return fmt.Errorf("%s.tagname: must not be empty", where)
		}
		for j, u := range t.Users {
			if !users[foldUserID(u)] {
				return fmt.Errorf("%s.userlist[%d]: member %q does not exist", where, j, u)
			}
		}
		for j, p := range t.Parties {
			if depts[p] == nil {
				return fmt.Errorf("%s.partylist[%d]: department %d does not exist", where, j, p)
			}
		}
	}
	if c.ExternalContactSecret != "" && secrets[c.ExternalContactSecret] {
		return fmt.Errorf("%s.externalcontact_secret: already used by an app or the contact secret of this corp", at)
	}
	if len(c.Apps) == 0 && c.ContactSecret == "" {
		return fmt.Errorf("%s.apps: a corp needs at least one app or a contact_secret", at)
	}
	return nil
}

// findCycle reports a department on a loop of parent links (by its index in
// list). Every parent exists (checked before). Each department is walked
// once: a walk stops at a department already known to reach the root, so
// a deep tree costs linear time, not depth × size.
func findCycle(list []Department, depts map[int64]*Department) (int, bool) {
	const (
		unseen = iota
		onPath // on the walk in progress
		rooted // known to reach the root
	)
	state := make(map[int64]int, len(list))
	var path []int64
	for _, d := range list {
		path = path[:0]
		id := d.ID
		for id != 0 && state[id] == unseen {
			state[id] = onPath
			path = append(path, id)
			id = depts[id].ParentID
		}
		if id != 0 && state[id] == onPath {
			for j := range list {
				if list[j].ID == id {
					return j, true
				}
			}
		}
		for _, p := range path {
			state[p] = rooted
		}
	}
	return 0, false
}

func validIPOrCIDR(s string) bool {
	if strings.Contains(s, "/") {
		_, _, err := net.ParseCIDR(s)
		return err == nil
	}
	return net.ParseIP(s) != nil
}

// ipAllowed reports whether ip matches one entry of list (IPs or CIDRs).
func ipAllowed(list []string, ip string) bool {
	caller := net.ParseIP(ip)
	if caller == nil {
		return false
	}
	for _, entry := range list {
		if strings.Contains(entry, "/") {
			if _, n, err := net.ParseCIDR(entry); err == nil && n.Contains(caller) {
				return true
			}
			continue
		}
		if e := net.ParseIP(entry); e != nil && e.Equal(caller) {
			return true
		}
	}
	return false
}
