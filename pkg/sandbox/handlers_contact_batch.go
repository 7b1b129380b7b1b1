package sandbox

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
)

// Contact batch jobs (异步批量接口) over a CSV file uploaded with
// media/upload: DOC 90980 batch/syncuser, 90981 batch/replaceuser, 90982
// batch/replaceparty, 90983 batch/getresult; and 90975 batch/invite.
// Errcodes from DOC 90313.

// batchJob is an async contact job (batch/syncuser); the sandbox finishes
// it at once, so batch/getresult answers status 3 (done) on the first poll.
type batchJob struct {
	CorpID string        `json:"corpid"`
	Type   string        `json:"type"`
	Total  int           `json:"total"`
	Result []batchResult `json:"result"`
}

type batchResult struct {
	UserID  string `json:"userid,omitempty"`  // sync_user, replace_user
	Action  int    `json:"action,omitempty"`  // replace_party: 1 created, 2 updated, 3 deleted
	PartyID int64  `json:"partyid,omitempty"` // replace_party
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

const maxJobs = 1000

// batchSyncUser runs 增量更新成员 (DOC 90980) over a CSV file uploaded with
// media/upload?type=file: a header row naming the columns 姓名, 帐号 (or
// 账号), 手机号, 邮箱, 所在部门 (department ids separated by ";"), then one
// member a row; members that exist are updated, the others created.
func (s *Server) batchSyncUser(c *call) (object, *apiError) {
	if e := requireContactToken(c); e != nil {
		return nil, e
	}
	rows, cell, e := s.jobCSV(c)
	if e != nil {
		return nil, e
	}
	job := &batchJob{CorpID: c.tok.corp.CorpID, Type: "sync_user", Result: []batchResult{}}
	for _, row := range rows {
		var in userInput
		in.UserID, _ = cell(row, "帐号", "账号", "userid")
		if v, ok := cell(row, "姓名", "name"); ok {
			in.Name = &v
		}
		if v, ok := cell(row, "手机号", "mobile"); ok {
			in.Mobile = &v
		}
		if v, ok := cell(row, "邮箱", "email"); ok {
			in.Email = &v
		}
		if v, ok := cell(row, "所在部门", "department"); ok && v != "" {
			for _, p := range strings.Split(v, ";") {
				id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
				if err != nil {
					id = -1 // not an id: answered 60003 below
				}
				in.Department = append(in.Department, id)
			}
		}
		var e *apiError
		if c.tok.corp.user(in.UserID) != nil {
			e = s.updateUser(c.tok.corp, &in)
		} else {
			e = s.createUser(c.tok.corp, &in)
		}
		r := batchResult{UserID: in.UserID, ErrMsg: "ok"}
		if e != nil {
			r.ErrCode, r.ErrMsg = e.code, e.text
		}
		job.Result = append(job.Result, r)
	}
	return object{{"jobid", s.addJob(job)}}, nil
}

// jobCSV reads the CSV file a batch job names by media_id (uploaded with
// media/upload): its rows after the header, and a reader of a row's cell
// by column name (the first of names the header has).
func (s *Server) jobCSV(c *call) ([][]string, func(row []string, names ...string) (string, bool), *apiError) {
	var req struct {
		MediaID string `json:"media_id"`
	}
	if e := c.decodeBody(&req); e != nil {
		return nil, nil, e
	}
	if req.MediaID == "" {
		return nil, nil, errMissingMedia
	}
	m := s.appMedia(c, req.MediaID)
	if m == nil {
		return nil, nil, errMediaID
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(m.data, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, nil, errf(40058, "media_id: not a CSV file with a header row and data rows")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(h)] = i
	}
	cell := func(row []string, names ...string) (string, bool) {
		for _, n := range names {
			if i, ok := col[n]; ok && i < len(row) {
				return strings.TrimSpace(row[i]), true
			}
		}
		return "", false
	}
	return rows[1:], cell, nil
}

// addJob keeps a finished job for batch/getresult and returns its id.
func (s *Server) addJob(job *batchJob) string {
	job.Total = len(job.Result)
	if len(s.jobs) >= maxJobs {
		for k := range s.jobs { // any: jobs are polled right after they are made
			delete(s.jobs, k)
			break
		}
	}
	id := randomString(18)
	s.jobs[id] = job
	return id
}

func (s *Server) batchGetResult(c *call) (object, *apiError) {
	job := s.jobs[c.q.Get("jobid")]
	if job == nil || job.CorpID != c.tok.corp.CorpID {
		return nil, errMissingJobID
	}
	return object{{"status", 3}, {"type", job.Type}, {"total", job.Total}, {"percentage", 100},
		{"result", job.Result}}, nil
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
