package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Contact writes and look-ups (通讯录管理). Params, answers and errcodes:
// DOC 90195 user/create, 90197 user/update, 90198 user/delete, 90199
// user/batchdelete, 90205 department/create, 90206 department/update,
// 90207 department/delete, 95351 department/get, 95402 user/getuserid,
// 95895 user/get_userid_by_email, 90202 convert_to_openid /
// convert_to_userid; the errcode meanings from WeCom's global errcode page
// (DOC 90313). Only the 通讯录同步 secret may write: other tokens get 48002
// (API接口无权限调用). The batch jobs are in handlers_contact_batch.go.

var (
	errUserIDInvalid  = errf(40003, "invalid userid")                  // sandbox wording
	errUserIDList     = errf(40031, "invalid userid list")             // sandbox wording
	errOpenIDInvalid  = errf(40073, "invalid openid")                  // sandbox wording
	errUserNotExist   = errf(46004, "user not exist")                  // sandbox wording
	errDeptName       = errf(60001, "invalid department name length")  // sandbox wording
	errParentNotFound = errf(60004, "parent department not found")     // sandbox wording
	errDeptHasUsers   = errf(60005, "department contains members")     // sandbox wording
	errDeptHasSubs    = errf(60006, "department contains departments") // sandbox wording
	errDeptRoot       = errf(60007, "not allow to delete root department")
	errDeptExists     = errf(60008, "department existed")                 // sandbox wording
	errDeptNameChars  = errf(60009, "invalid department name characters") // sandbox wording
	errDeptCycle      = errf(60010, "department cycle")                   // sandbox wording
	errUserExists     = errf(60102, "userid existed")                     // sandbox wording
	errMobileInvalid  = errf(60103, "mobile invalid")                     // sandbox wording
	errMobileExists   = errf(60104, "mobile existed")                     // sandbox wording
	errEmailInvalid   = errf(60105, "email invalid")                      // sandbox wording
	errEmailExists    = errf(60106, "email existed")                      // sandbox wording
	errTooManyDepts   = errf(60110, "too many departments")               // sandbox wording
	errUserName       = errf(60112, "invalid name")                       // sandbox wording
	errNoMobileEmail  = errf(60129, "mobile and email can not both be empty")
	errLeaderLen      = errf(60132, "is_leader_in_dept size not match department size")
	errMissingJobID   = errf(40058, "invalid jobid") // sandbox wording
)

// mobilePattern: digits, optionally after "+<country> " or "+<country>-"
// (DOC 90195's example is "+86 13800000000"; 手机号码，企业内必须唯一);
// emailPattern: a plain address.
var (
	mobilePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\+\d{1,4}[ -]?)?\d{5,20}$`) })
	emailPattern  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`) })
)

// sameMobile compares numbers without a +86 prefix and separators, so
// "+86 13800000000" and "13800000000" are one number.
func sameMobile(a, b string) bool {
	norm := func(m string) string {
		m = strings.NewReplacer(" ", "", "-", "").Replace(m)
		return strings.TrimPrefix(m, "+86")
	}
	return a != "" && norm(a) == norm(b)
}

// requireContactToken: contact writes take the 通讯录同步 token only.
func requireContactToken(c *call) *apiError {
	if !c.tok.isContact() {
		return errAPIForbidden
	}
	return nil
}

// numOrString is a field DOC 90195 shows as a string ("gender": "1")
// that SDKs also send as a number (silenceper/wechat v2.1.10: "gender": 0):
// the sandbox takes both, so an SDK that works with WeCom works here.
type numOrString string

func (v *numOrString) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*v = numOrString(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*v = numOrString(s)
	return nil
}

// userInput is the body of user/create and user/update; nil = not given.
type userInput struct {
	UserID         string       `json:"userid"`
	Name           *string      `json:"name"`
	Alias          *string      `json:"alias"`
	Mobile         *string      `json:"mobile"`
	Department     []int64      `json:"department"`
	IsLeaderInDept []int        `json:"is_leader_in_dept"`
	Position       *string      `json:"position"`
	Gender         *numOrString `json:"gender"`
	Email          *string      `json:"email"`
	BizMail        *string      `json:"biz_mail"`
	Telephone      *string      `json:"telephone"`
	Address        *string      `json:"address"`
	MainDepartment *int64       `json:"main_department"`
	Enable         *int         `json:"enable"`
	DirectLeader   []string     `json:"direct_leader"`
}

// apply checks in and writes it into u (a copy the caller commits).
func (in *userInput) apply(ci *corpIndex, u *User, creating bool) *apiError {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if in.Name != nil || creating {
		name := ""
		set(&name, in.Name)
		if n := utf8.RuneCountInString(strings.TrimSpace(name)); n == 0 || n > 64 {
			return errUserName
		}
		u.Name = name
	}
	if in.Department != nil || creating {
		depts := in.Department
		if len(depts) == 0 {
			depts = []int64{ci.rootID()}
		}
		if len(depts) > 100 {
			return errTooManyDepts
		}
		for _, d := range depts {
			if ci.depts[d] == nil {
				return errDeptNotFound
			}
		}
		if in.IsLeaderInDept != nil && len(in.IsLeaderInDept) != len(depts) {
			return errLeaderLen
		}
		u.Department = slices.Clone(depts)
	}
	if in.Mobile != nil && *in.Mobile != "" {
		if !mobilePattern().MatchString(*in.Mobile) {
			return errMobileInvalid
		}
		for i := range ci.Users {
			if o := &ci.Users[i]; sameMobile(o.Mobile, *in.Mobile) && !sameUser(o.UserID, u.UserID) {
				return errMobileExists
			}
		}
	}
	if in.Email != nil && *in.Email != "" {
		if !emailPattern().MatchString(*in.Email) {
			return errEmailInvalid
		}
		for i := range ci.Users {
			if o := &ci.Users[i]; strings.EqualFold(o.Email, *in.Email) && !sameUser(o.UserID, u.UserID) {
				return errEmailExists
			}
		}
	}
	if in.Gender != nil {
		switch string(*in.Gender) {
		case "", "0", "1", "2":
		default:
			return errInvalidParam
		}
	}
	set(&u.Mobile, in.Mobile)
	set(&u.Email, in.Email)
	set(&u.Alias, in.Alias)
	set(&u.Position, in.Position)
	if in.Gender != nil {
		u.Gender = string(*in.Gender)
	}
	set(&u.BizMail, in.BizMail)
	set(&u.Telephone, in.Telephone)
	set(&u.Address, in.Address)
	if creating && u.Mobile == "" && u.Email == "" && u.BizMail == "" {
		return errNoMobileEmail
	}
	if in.Enable != nil {
		u.Status = map[bool]int{true: 1, false: 2}[*in.Enable == 1]
	}
	if in.MainDepartment != nil && slices.Contains(u.Department, *in.MainDepartment) {
		// main_department first: userDetail answers Department[0]
		rest := slices.DeleteFunc(slices.Clone(u.Department), func(d int64) bool { return d == *in.MainDepartment })
		u.Department = append([]int64{*in.MainDepartment}, rest...)
	}
	if in.IsLeaderInDept != nil {
		for i, d := range u.Department {
			dept := ci.depts[d]
			isLeader := i < len(in.IsLeaderInDept) && in.IsLeaderInDept[i] == 1
			dept.Leaders = slices.DeleteFunc(dept.Leaders, func(l string) bool { return sameUser(l, u.UserID) })
			if isLeader {
				dept.Leaders = append(dept.Leaders, u.UserID)
			}
		}
	}
	return nil
}

// rootID is the id of the top department (parentid 0), 1 on WeCom.
func (ci *corpIndex) rootID() int64 {
	for _, d := range ci.Departments {
		if d.ParentID == 0 {
			return d.ID
		}
	}
	return 1
}

// contactBody is the start of every contact write: the contact-sync
// token (48002 otherwise), then the JSON body.
func contactBody[T any](c *call) (*T, *apiError) {
	if e := requireContactToken(c); e != nil {
		return nil, e
	}
	in := new(T)
	if e := c.decodeBody(in); e != nil {
		return nil, e
	}
	return in, nil
}

func (s *Server) userCreate(c *call) (object, *apiError) {
	in, e := contactBody[userInput](c)
	if e != nil {
		return nil, e
	}
	if e := s.createUser(c.tok.corp, in); e != nil {
		return nil, e
	}
	c.okMsg = "created"
	return object{}, nil
}

func (s *Server) createUser(ci *corpIndex, in *userInput) *apiError {
	if in.UserID == "" {
		return errMissingUserID
	}
	if !userIDPattern().MatchString(in.UserID) {
		return errUserIDInvalid
	}
	if ci.user(in.UserID) != nil {
		return errUserExists
	}
	u := User{UserID: in.UserID}
	if e := in.apply(ci, &u, true); e != nil {
		return e
	}
	ci.Users = append(ci.Users, u)
	ci.reindex()
	return nil
}

func (s *Server) userUpdate(c *call) (object, *apiError) {
	in, e := contactBody[userInput](c)
	if e != nil {
		return nil, e
	}
	if e := s.updateUser(c.tok.corp, in); e != nil {
		return nil, e
	}
	c.okMsg = "updated"
	return object{}, nil
}

func (s *Server) updateUser(ci *corpIndex, in *userInput) *apiError {
	if in.UserID == "" {
		return errMissingUserID
	}
	u := ci.user(in.UserID)
	if u == nil {
		return errUserNotFound
	}
	edited := *u
	edited.Department = slices.Clone(u.Department)
	if e := in.apply(ci, &edited, false); e != nil {
		return e
	}
	*u = edited
	return nil
}

func (s *Server) userDelete(c *call) (object, *apiError) {
	if e := requireContactToken(c); e != nil {
		return nil, e
	}
	id := c.q.Get("userid")
	if id == "" {
		return nil, errMissingUserID
	}
	if c.tok.corp.user(id) == nil {
		return nil, errUserNotFound
	}
	c.tok.corp.deleteUsers([]string{id})
	c.okMsg = "deleted"
	return object{}, nil
}

// userBatchDelete deletes 1-200 members. An unknown userid fails the whole
// call (DOC 90199: 最多支持200个。若存在无效UserID，直接返回错误) with 60111,
// deleting none.
func (s *Server) userBatchDelete(c *call) (object, *apiError) {
	if e := requireContactToken(c); e != nil {
		return nil, e
	}
	var req struct {
		UserIDList []string `json:"useridlist"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if len(req.UserIDList) == 0 || len(req.UserIDList) > 200 {
		return nil, errUserIDList
	}
	for _, id := range req.UserIDList {
		if c.tok.corp.user(id) == nil {
			return nil, errUserNotFound
		}
	}
	c.tok.corp.deleteUsers(req.UserIDList)
	c.okMsg = "deleted"
	return object{}, nil
}

// deleteUsers removes members and every reference to them.
func (ci *corpIndex) deleteUsers(ids []string) {
	gone := func(id string) bool { return containsUser(ids, id) }
	ci.Users = slices.DeleteFunc(ci.Users, func(u User) bool { return gone(u.UserID) })
	for i := range ci.Departments {
		ci.Departments[i].Leaders = slices.DeleteFunc(ci.Departments[i].Leaders, gone)
	}
	for i := range ci.Apps {
		ci.Apps[i].AllowUsers = slices.DeleteFunc(ci.Apps[i].AllowUsers, gone)
	}
	for i := range ci.Tags {
		ci.Tags[i].Users = slices.DeleteFunc(ci.Tags[i].Users, gone)
	}
	ci.reindex()
}

type deptInput struct {
	ID       *int64  `json:"id"`
	Name     *string `json:"name"`
	NameEN   *string `json:"name_en"`
	ParentID *int64  `json:"parentid"`
	Order    *int64  `json:"order"`
}

// checkDeptName: 1-64 UTF-8 characters without \:*?"<>| (DOC 90205).
func checkDeptName(name string) *apiError {
	if n := utf8.RuneCountInString(name); n == 0 || n > 64 {
		return errDeptName
	}
	if strings.ContainsAny(name, `\:*?"<>|`) {
		return errDeptNameChars
	}
	return nil
}

func (ci *corpIndex) siblingNamed(parent int64, name string, except int64) bool {
	for _, d := range ci.Departments {
		if d.ParentID == parent && d.Name == name && d.ID != except {
			return true
		}
	}
	return false
}

func (s *Server) departmentCreate(c *call) (object, *apiError) {
	in, e := contactBody[deptInput](c)
	if e != nil {
		return nil, e
	}
	ci := c.tok.corp
	if in.Name == nil {
		return nil, errDeptName
	}
	if e := checkDeptName(*in.Name); e != nil {
		return nil, e
	}
	if in.ParentID == nil || ci.depts[*in.ParentID] == nil {
		return nil, errParentNotFound
	}
	d := Department{Name: *in.Name, ParentID: *in.ParentID, Order: 100000000}
	if in.NameEN != nil {
		d.NameEN = *in.NameEN
	}
	if in.Order != nil {
		d.Order = *in.Order
	}
	if ci.siblingNamed(d.ParentID, d.Name, 0) {
		return nil, errDeptExists
	}
	if in.ID != nil && *in.ID != 0 {
		if *in.ID < 0 {
			return nil, errInvalidPartyID
		}
		if ci.depts[*in.ID] != nil {
			return nil, errDeptExists
		}
		d.ID = *in.ID
	} else {
		for _, o := range ci.Departments {
			d.ID = max(d.ID, o.ID)
		}
		d.ID++
	}
	ci.Departments = append(ci.Departments, d)
	ci.reindex()
	c.okMsg = "created"
	return object{{"id", d.ID}}, nil
}

func (s *Server) departmentUpdate(c *call) (object, *apiError) {
	in, e := contactBody[deptInput](c)
	if e != nil {
		return nil, e
	}
	ci := c.tok.corp
	if in.ID == nil {
		return nil, errInvalidPartyID
	}
	d := ci.depts[*in.ID]
	if d == nil {
		return nil, errDeptNotFound
	}
	edited := *d
	if in.Name != nil {
		if e := checkDeptName(*in.Name); e != nil {
			return nil, e
		}
		edited.Name = *in.Name
	}
	if in.ParentID != nil && *in.ParentID != d.ParentID {
		if ci.depts[*in.ParentID] == nil {
			return nil, errParentNotFound
		}
		if *in.ParentID == d.ID || ci.isAncestor(d.ID, *in.ParentID) {
			return nil, errDeptCycle
		}
		edited.ParentID = *in.ParentID
	}
	if in.NameEN != nil {
		edited.NameEN = *in.NameEN
	}
	if in.Order != nil {
		edited.Order = *in.Order
	}
	if ci.siblingNamed(edited.ParentID, edited.Name, d.ID) {
		return nil, errDeptExists
	}
	*d = edited
	c.okMsg = "updated"
	return object{}, nil
}

func (s *Server) departmentDelete(c *call) (object, *apiError) {
	if e := requireContactToken(c); e != nil {
		return nil, e
	}
	ci := c.tok.corp
	id, err := strconv.ParseInt(c.q.Get("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errInvalidPartyID
	}
	d := ci.depts[id]
	switch {
	case d == nil:
		return nil, errDeptNotFound
	case d.ParentID == 0:
		return nil, errDeptRoot
	}
	for _, o := range ci.Departments {
		if o.ParentID == id {
			return nil, errDeptHasSubs
		}
	}
	for _, u := range ci.Users {
		if slices.Contains(u.Department, id) {
			return nil, errDeptHasUsers
		}
	}
	ci.Departments = slices.DeleteFunc(ci.Departments, func(o Department) bool { return o.ID == id })
	ci.forgetDept(id)
	c.okMsg = "deleted"
	return object{}, nil
}

// forgetDept removes a deleted department from visible ranges and tags.
func (ci *corpIndex) forgetDept(id int64) {
	drop := func(p int64) bool { return p == id }
	for i := range ci.Apps {
		ci.Apps[i].AllowParties = slices.DeleteFunc(ci.Apps[i].AllowParties, drop)
	}
	for i := range ci.Tags {
		ci.Tags[i].Parties = slices.DeleteFunc(ci.Tags[i].Parties, drop)
	}
	ci.reindex()
}

// departmentGet answers one department (DOC 95351), inside the visible range.
func (s *Server) departmentGet(c *call) (object, *apiError) {
	ci := c.tok.corp
	id, err := strconv.ParseInt(c.q.Get("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errInvalidPartyID
	}
	d := ci.depts[id]
	if d == nil {
		return nil, errDeptNotFound
	}
	if !ci.deptVisible(c.tok.app, id) {
		return nil, errNoPrivilege
	}
	return object{{"department", deptObject(d)}}, nil
}

func deptObject(d *Department) object {
	leaders := d.Leaders
	if leaders == nil {
		leaders = []string{}
	}
	return object{{"id", d.ID}, {"name", d.Name}, {"name_en", d.NameEN},
		{"department_leader", leaders}, {"parentid", d.ParentID}, {"order", d.Order}}
}

// userGetUserID: mobile -> userid (DOC 95402); no such member inside the
// caller's visible range is 46004.
func (s *Server) userGetUserID(c *call) (object, *apiError) {
	var req struct {
		Mobile string `json:"mobile"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if req.Mobile == "" {
		return nil, errMobileInvalid
	}
	return s.findUser(c, func(u *User) bool { return sameMobile(u.Mobile, req.Mobile) })
}

// userIDByEmail: email -> userid (DOC 95895); email_type 1 (default) is
// the corp mailbox (biz_mail), 2 the personal email.
func (s *Server) userIDByEmail(c *call) (object, *apiError) {
	var req struct {
		Email     string `json:"email"`
		EmailType int    `json:"email_type"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if req.Email == "" || !emailPattern().MatchString(req.Email) {
		return nil, errEmailInvalid
	}
	switch req.EmailType {
	case 0, 1:
		return s.findUser(c, func(u *User) bool { return strings.EqualFold(u.BizMail, req.Email) })
	case 2:
		return s.findUser(c, func(u *User) bool { return strings.EqualFold(u.Email, req.Email) })
	}
	return nil, errInvalidParam
}

func (s *Server) findUser(c *call, match func(*User) bool) (object, *apiError) {
	ci := c.tok.corp
	for i := range ci.Users {
		u := &ci.Users[i]
		if match(u) && ci.userVisible(c.tok.app, u) {
			return object{{"userid", u.UserID}}, nil
		}
	}
	return nil, errUserNotExist
}

// openIDOf is a member's stable openid (convert_to_openid, DOC 90202).
func openIDOf(corpID, userID string) string {
	sum := sha256.Sum256([]byte("openid/" + corpID + "/" + foldUserID(userID)))
	return "oSandbox" + hex.EncodeToString(sum[:10])
}

func (s *Server) convertToOpenID(c *call) (object, *apiError) {
	var req struct {
		UserID string `json:"userid"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if req.UserID == "" {
		return nil, errMissingUserID
	}
	u := c.tok.corp.user(req.UserID)
	if u == nil {
		return nil, errUserIDInvalid
	}
	return object{{"openid", openIDOf(c.tok.corp.CorpID, u.UserID)}}, nil
}

func (s *Server) convertToUserID(c *call) (object, *apiError) {
	var req struct {
		OpenID string `json:"openid"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	ci := c.tok.corp
	for i := range ci.Users {
		if openIDOf(ci.CorpID, ci.Users[i].UserID) == req.OpenID {
			return object{{"userid", ci.Users[i].UserID}}, nil
		}
	}
	return nil, errOpenIDInvalid
}
