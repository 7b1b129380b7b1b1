package sandbox

import (
	"slices"
	"strconv"
	"time"
)

// More contact endpoints the SDKs call: DOC 90203 user/authsucc, 90975
// batch/invite, 90981 batch/replaceuser, 91714 corp/get_join_qrcode,
// 92714 user/get_active_stat; errcodes from DOC 90313.

// userAuthSucc confirms a member's second verification (二次验证).
func (s *Server) userAuthSucc(c *call) (object, *apiError) {
	id := c.q.Get("userid")
	if id == "" {
		return nil, errMissingUserID
	}
	u := c.tok.corp.user(id)
	if u == nil {
		return nil, errUserNotFound
	}
	if !c.tok.corp.userVisible(c.tok.app, u) {
		return nil, errNoPrivilege
	}
	return object{}, nil
}

// batchInvite invites members, departments and tags (at most 1000, 100
// and 100; not all empty): the ones it cannot invite come back as
// invaliduser / invalidparty / invalidtag.
func (s *Server) batchInvite(c *call) (object, *apiError) {
	var req struct {
		User  []string `json:"user"`
		Party []int64  `json:"party"`
		Tag   []int64  `json:"tag"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	if len(req.User)+len(req.Party)+len(req.Tag) == 0 {
		return nil, errAllEmpty
	}
	if len(req.User) > 1000 || len(req.Party) > 100 || len(req.Tag) > 100 {
		return nil, errf(40058, "too many invitees: at most 1000 user, 100 party, 100 tag")
	}
	ci := c.tok.corp
	badUsers, badParties, badTags := []string{}, []int64{}, []int64{}
	for _, id := range req.User {
		if u := ci.user(id); u == nil || !ci.userVisible(c.tok.app, u) {
			badUsers = append(badUsers, foldUserID(id))
		}
	}
	for _, id := range req.Party {
		if ci.depts[id] == nil || !ci.deptVisible(c.tok.app, id) {
			badParties = append(badParties, id)
		}
	}
	for _, id := range req.Tag {
		if ci.tags[id] == nil {
			badTags = append(badTags, id)
		}
	}
	return object{{"invaliduser", badUsers}, {"invalidparty", badParties}, {"invalidtag", badTags}}, nil
}

// batchReplaceUser is 全量覆盖成员 (DOC 90981): the CSV of batch/syncuser,
// and members missing from it are deleted.
func (s *Server) batchReplaceUser(c *call) (object, *apiError) {
	resp, e := s.batchSyncUser(c)
	if e != nil {
		return nil, e
	}
	id, _ := resp[0].V.(string)
	job := s.jobs[id]
	job.Type = "replace_user"
	ci := c.tok.corp
	var gone []string
	for _, u := range ci.Users {
		found := false
		for _, r := range job.Result {
			if sameUser(r.UserID, u.UserID) { // a row that failed keeps its member
				found = true
			}
		}
		if !found {
			gone = append(gone, u.UserID)
		}
	}
	if len(gone) > 0 {
		ci.deleteUsers(gone)
	}
	return resp, nil
}

// corpJoinQRCode: contact-sync token only; size_type 1-4 (default 1).
func (s *Server) corpJoinQRCode(c *call) (object, *apiError) {
	if e := requireContactToken(c); e != nil {
		return nil, e
	}
	size := 1
	if raw := c.q.Get("size_type"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 4 {
			return nil, errInvalidParam
		}
		size = n
	}
	return object{{"join_qrcode", "https://work.weixin.qq.com/wework_admin/genqrcode?action=join&size=" +
		strconv.Itoa(size) + "&corp=" + c.tok.corp.CorpID}}, nil
}

// userActiveStat: contact-sync token only; date YYYY-MM-DD within the last
// 30 days, answered with the active members (status 1) of the fixtures.
func (s *Server) userActiveStat(c *call) (object, *apiError) {
	if e := requireContactToken(c); e != nil {
		return nil, e
	}
	var req struct {
		Date string `json:"date"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, e
	}
	day, err := time.ParseInLocation("2006-01-02", req.Date, c.now.Location())
	if err != nil || day.After(c.now) || c.now.Sub(day) > 31*24*time.Hour {
		return nil, errf(40058, "invalid date: YYYY-MM-DD within the last 30 days")
	}
	n := 0
	for i := range c.tok.corp.Users {
		if userStatus(&c.tok.corp.Users[i]) == 1 {
			n++
		}
	}
	return object{{"active_cnt", n}}, nil
}

// batchReplaceParty is 全量覆盖部门 (DOC 90982): a CSV with the columns
// 部门名称, 部门ID, 父部门ID, 排序; departments in it are created (action 1)
// or updated (action 2), and the others deleted (action 3) unless they
// still hold members or sub-departments. The root stays.
func (s *Server) batchReplaceParty(c *call) (object, *apiError) {
	if e := requireContactToken(c); e != nil {
		return nil, e
	}
	rows, cell, e := s.jobCSV(c)
	if e != nil {
		return nil, e
	}
	ci := c.tok.corp
	job := &batchJob{CorpID: ci.CorpID, Type: "replace_party", Result: []batchResult{}}
	type partyRow struct {
		id, parent, order int64
		name              string
	}
	var pending []partyRow
	listed := map[int64]bool{}
	for _, row := range rows {
		var p partyRow
		p.name, _ = cell(row, "部门名称", "name")
		idText, _ := cell(row, "部门ID", "id")
		parentText, _ := cell(row, "父部门ID", "parentid")
		orderText, _ := cell(row, "排序", "order")
		var err1, err2 error
		p.id, err1 = strconv.ParseInt(idText, 10, 64)
		p.parent, err2 = strconv.ParseInt(parentText, 10, 64)
		p.order, _ = strconv.ParseInt(orderText, 10, 64)
		if err1 != nil || err2 != nil || p.id <= 0 {
			job.Result = append(job.Result, batchResult{Action: 1, PartyID: p.id, ErrCode: errInvalidPartyID.code, ErrMsg: errInvalidPartyID.text})
			continue
		}
		listed[p.id] = true
		pending = append(pending, p)
	}
	// parents first: rows whose parent does not exist yet wait for a later pass
	for pass := 0; len(pending) > 0 && pass <= len(rows); pass++ {
		var later []partyRow
		for _, p := range pending {
			d := ci.depts[p.id]
			if d != nil && d.ParentID == 0 { // the root: only its name and order change
				d.Name, d.Order = p.name, p.order
				job.Result = append(job.Result, batchResult{Action: 2, PartyID: p.id, ErrMsg: "ok"})
				continue
			}
			if ci.depts[p.parent] == nil {
				later = append(later, p)
				continue
			}
			action, e := 1, checkDeptName(p.name)
			switch {
			case e != nil:
			case d != nil:
				action = 2
				if p.parent == p.id || ci.isAncestor(p.id, p.parent) {
					e = errDeptCycle
				} else {
					d.Name, d.ParentID, d.Order = p.name, p.parent, p.order
				}
			default:
				ci.Departments = append(ci.Departments, Department{ID: p.id, Name: p.name, ParentID: p.parent, Order: p.order})
				ci.reindex()
			}
			r := batchResult{Action: action, PartyID: p.id, ErrMsg: "ok"}
			if e != nil {
				r.ErrCode, r.ErrMsg = e.code, e.text
			}
			job.Result = append(job.Result, r)
		}
		if len(later) == len(pending) {
			break
		}
		pending = later
	}
	for _, p := range pending {
		job.Result = append(job.Result, batchResult{Action: 1, PartyID: p.id, ErrCode: errParentNotFound.code, ErrMsg: errParentNotFound.text})
	}
	// delete what the file does not list, leaves first
	for changed := true; changed; {
		changed = false
		for _, d := range ci.Departments {
			if listed[d.ID] || d.ParentID == 0 || ci.hasChildren(d.ID) || ci.hasMembers(d.ID) {
				continue
			}
			id := d.ID
			ci.Departments = slices.DeleteFunc(ci.Departments, func(o Department) bool { return o.ID == id })
			ci.forgetDept(id)
			job.Result = append(job.Result, batchResult{Action: 3, PartyID: id, ErrMsg: "ok"})
			changed = true
			break
		}
	}
	for _, d := range ci.Departments {
		if !listed[d.ID] && d.ParentID != 0 {
			e := errDeptHasUsers
			if ci.hasChildren(d.ID) {
				e = errDeptHasSubs
			}
			job.Result = append(job.Result, batchResult{Action: 3, PartyID: d.ID, ErrCode: e.code, ErrMsg: e.text})
		}
	}
	ci.reindex()
	return object{{"jobid", s.addJob(job)}}, nil
}

func (ci *corpIndex) hasChildren(id int64) bool {
	return slices.ContainsFunc(ci.Departments, func(d Department) bool { return d.ParentID == id })
}

func (ci *corpIndex) hasMembers(id int64) bool {
	return slices.ContainsFunc(ci.Users, func(u User) bool { return slices.Contains(u.Department, id) })
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
