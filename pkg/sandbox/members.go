package sandbox

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
