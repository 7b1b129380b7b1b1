package sandbox

import "strings"

// reindex rebuilds the lookup tables of a corp after its members,
// departments or tags changed (the handlers append to and delete from the
// slices, which moves their elements).
func (ci *corpIndex) reindex() {
	ci.users = make(map[string]*User, len(ci.Users))
	for j := range ci.Users {
		ci.users[foldUserID(ci.Users[j].UserID)] = &ci.Users[j]
	}
	ci.depts = make(map[int64]*Department, len(ci.Departments))
	for j := range ci.Departments {
		ci.depts[ci.Departments[j].ID] = &ci.Departments[j]
	}
	ci.tags = make(map[int64]*Tag, len(ci.Tags))
	for j := range ci.Tags {
		ci.tags[ci.Tags[j].ID] = &ci.Tags[j]
	}
}

// foldUserID: userids are case-insensitive on WeCom. DOC 90196 (读取成员):
// "成员UserID…不区分大小写"; DOC 90236 (发送应用消息): invaliduser "不区分大小写，
// 统一转为小写". So lookups fold case, and echoed invalid ids are lowercase.
func foldUserID(id string) string { return strings.ToLower(id) }

// user finds a member by userid in any case; nil when there is none.
func (ci *corpIndex) user(id string) *User { return ci.users[foldUserID(id)] }

// sameUser compares userids the way WeCom does (case-insensitively).
func sameUser(a, b string) bool { return strings.EqualFold(a, b) }

func containsUser(list []string, id string) bool {
	for _, u := range list {
		if sameUser(u, id) {
			return true
		}
	}
	return false
}
