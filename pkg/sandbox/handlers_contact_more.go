package sandbox

import (
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
