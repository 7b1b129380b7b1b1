package contract

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wenerme/go-req"
	"github.com/wenerme/go-wecom/wecom"
)

// wenerme/go-wecom v1.0.0: the host is the request's BaseURL (go-req).
const gowecomSDK = "go-wecom"

func newGoWecom(sb *sandbox, secret string, agent int) *wecom.Client {
	c := wecom.NewClient(wecom.Conf{CorpID: corpID, AgentID: agent, CorpSecret: secret})
	c.Request.BaseURL = sb.URL
	return c
}

// goWecomGet is the SDK's generic request, for endpoints it has no typed
// method for (auth/getuserinfo).
func goWecomGet(c *wecom.Client, path string, query map[string]any, out any) error {
	return c.Request.With(req.Request{URL: path, Query: query}).Fetch(out)
}

func TestGoWecom(t *testing.T) {
	sb := startSandbox(t)
	c := newGoWecom(sb, appSecret, agentID)
	contacts := newGoWecom(sb, contactSecret, 0)

	works(t, gowecomSDK, "gettoken", func() error {
		tok, err := c.GetToken()
		if err != nil {
			return err
		}
		return want("expires_in", tok.ExpiresIn, 7200)
	})
	works(t, gowecomSDK, "user/get", func() error {
		u, err := c.GetUser(&wecom.GetUserRequest{UserID: "zhangsan"})
		if err != nil {
			return err
		}
		if err := want("name", u.Name, "张三"); err != nil {
			return err
		}
		return want("department", fmt.Sprint(u.Department), "[1]")
	})
	works(t, gowecomSDK, "user/simplelist", func() error {
		out, err := c.SimpleListUser(&wecom.SimpleListUserRequest{DepartmentID: "2", FetchChild: "1"})
		if err != nil {
			return err
		}
		ids := map[string]bool{}
		for _, u := range out.UserList {
			ids[u.UserID] = true
		}
		if !ids["lisi"] || !ids["zhaoliu"] || !ids["chenxiaoming"] || !ids["alice"] || len(ids) != 4 {
			return fmt.Errorf("department 2 with children = %v", ids)
		}
		return nil
	})
	works(t, gowecomSDK, "user/list", func() error {
		out, err := c.ListUser(&wecom.ListUserRequest{DepartmentID: "3"})
		if err != nil {
			return err
		}
		for _, u := range out.UserList {
			if u.UserID == "wangwu" {
				return want("wangwu's mobile", u.Mobile, "13800000003")
			}
		}
		return fmt.Errorf("wangwu not in department 3: %+v", out.UserList)
	})
	works(t, gowecomSDK, "user/list_id", func() error {
		seen, cursor := 0, ""
		for page := 0; page < 10; page++ {
			out, err := contacts.ListUserId(&wecom.ListUserIdRequest{Cursor: cursor, Limit: 100})
			if err != nil {
				return err
			}
			seen += len(out.DeptUser)
			if cursor = out.NextCursor; cursor == "" {
				break
			}
		}
		if seen < 6 {
			return fmt.Errorf("user/list_id gave %d member-department pairs, want ≥ 6", seen)
		}
		return nil
	})
	works(t, gowecomSDK, "user/list_id with an app secret", func() error {
		_, err := c.ListUserId(&wecom.ListUserIdRequest{Limit: 100})
		return errcodeIn(err, 48002)
	})
	works(t, gowecomSDK, "department/list", func() error {
		out, err := c.ListDepartment(&wecom.ListDepartmentRequest{})
		if err != nil {
			return err
		}
		if err := want("departments", len(out.Department), 4); err != nil {
			return err
		}
		sub, err := c.ListDepartment(&wecom.ListDepartmentRequest{ID: 2})
		if err != nil {
			return err
		}
		return want("departments under 2", len(sub.Department), 2)
	})
	works(t, gowecomSDK, "department/simplelist", func() error {
		out, err := c.SimpleListDepartment(&wecom.SimpleListDepartmentRequest{ID: 1})
		if err != nil {
			return err
		}
		return want("departments under 1", len(out.DepartmentID), 4)
	})
	works(t, gowecomSDK, "agent/get", func() error {
		a, err := c.GetAgent(&wecom.GetAgentRequest{AgentID: agentID})
		if err != nil {
			return err
		}
		if err := want("name", a.Name, "演示应用"); err != nil {
			return err
		}
		_, err = c.GetAgent(&wecom.GetAgentRequest{AgentID: app2AgentID})
		return errcodeIn(err, 301002)
	})
	works(t, gowecomSDK, "getcallbackip", func() error {
		out, err := c.GetCallbackIp(&wecom.GetCallbackIpRequest{})
		if err != nil {
			return err
		}
		if len(out.IPList) == 0 {
			return errors.New("empty ip_list")
		}
		return nil
	})
	works(t, gowecomSDK, "get_api_domain_ip", func() error {
		out, err := c.GetApiDomainIp(&wecom.GetApiDomainIpRequest{})
		if err != nil {
			return err
		}
		if len(out.IPList) == 0 {
			return errors.New("empty ip_list")
		}
		return nil
	})
	works(t, gowecomSDK, "get_jsapi_ticket + signature", func() error {
		const page = "https://wwcli.example.com/h5/index.html"
		cfg, err := c.SignConfig(page)
		if err != nil {
			return err
		}
		return want("signature", cfg.Signature, jssdkSignature(sb.currentTicket("corp"), cfg.Nonce, cfg.Timestamp, page))
	})
	works(t, gowecomSDK, "ticket/get agent_config + signature", func() error {
		const page = "https://wwcli.example.com/h5/agent.html?x=1"
		cfg, err := c.SignAgentConfig(page)
		if err != nil {
			return err
		}
		return want("signature", cfg.Signature, jssdkSignature(sb.currentTicket("agent"), cfg.Nonce, cfg.Timestamp, page))
	})
	works(t, gowecomSDK, "auth/getuserinfo", func() error {
		var out struct {
			wecom.GenericResponse
			UserID     string `json:"userid"`
			UserTicket string `json:"user_ticket"`
		}
		if err := goWecomGet(c, "/cgi-bin/auth/getuserinfo", map[string]any{"code": sb.code("alice", "snsapi_privateinfo")}, &out); err != nil {
			return err
		}
		if err := want("userid", out.UserID, "alice"); err != nil {
			return err
		}
		if out.UserTicket == "" {
			return errors.New("no user_ticket")
		}
		return nil
	})
	works(t, gowecomSDK, "auth/getuserdetail", func() error {
		var info struct {
			UserTicket string `json:"user_ticket"`
		}
		if err := goWecomGet(c, "/cgi-bin/auth/getuserinfo", map[string]any{"code": sb.code("zhangsan", "snsapi_privateinfo")}, &info); err != nil {
			return err
		}
		d, err := c.GetAuthUserDetail(&wecom.GetAuthUserDetailRequest{UserTicket: info.UserTicket})
		if err != nil {
			return err
		}
		return want("userid", d.UserID, "zhangsan")
	})
	works(t, gowecomSDK, "user/getuserinfo (legacy)", func() error {
		out, err := c.GetUserInfoByCode(&wecom.GetUserInfoByCodeRequest{Code: sb.code("lisi", "")})
		if err != nil {
			return err
		}
		return want("UserId", out.UserId, "lisi")
	})
	sdkBug(t, gowecomSDK, "message/send (typed)", "SendMessageRequest has no content field (44004)", func() error {
		_, err := c.SendMessage(&wecom.SendMessageRequest{Touser: "zhangsan", Msgtype: "text", AgentID: agentID})
		return errcodeIn(err, 44004)
	})
	works(t, gowecomSDK, "message/send", func() error {
		var out struct {
			wecom.GenericResponse
			MsgID string `json:"msgid"`
		}
		body := map[string]any{"touser": "@all", "msgtype": "text", "agentid": agentID, "text": map[string]string{"content": "contract test"}}
		if err := c.Request.With(req.Request{Method: "POST", URL: "/cgi-bin/message/send", Body: body}).Fetch(&out); err != nil {
			return err
		}
		if out.MsgID == "" {
			return errors.New("no msgid")
		}
		return nil
	})
	sdkBug(t, gowecomSDK, "ERR wrong secret", "drops the gettoken error and calls without a token (41001)", func() error {
		_, err := newGoWecom(sb, wrongSecret, agentID).GetUser(&wecom.GetUserRequest{UserID: "zhangsan"})
		return errcodeIn(err, 41001)
	})
	sdkBug(t, gowecomSDK, "With() second app", "token cache keyed by corp id only: app 2 uses app 1's token (301002)", func() error {
		app2 := c.With(wecom.Conf{CorpID: corpID, AgentID: app2AgentID, CorpSecret: "DemoApp2Secret-wwcli-sandbox-0123456789abcd"})
		_, err := app2.GetAgent(&wecom.GetAgentRequest{AgentID: app2AgentID})
		return errcodeIn(err, 301002)
	})
	works(t, gowecomSDK, "ERR used code", func() error {
		code := sb.code("zhangsan", "")
		if _, err := c.GetUserInfoByCode(&wecom.GetUserInfoByCodeRequest{Code: code}); err != nil {
			return err
		}
		_, err := c.GetUserInfoByCode(&wecom.GetUserInfoByCodeRequest{Code: code})
		return errcodeIn(err, 40029)
	})
	works(t, gowecomSDK, "ERR expired token", func() error {
		// go-wecom checks expiry on its own clock; the sandbox's moved on
		sb.advance("2h1m")
		_, err := c.GetUser(&wecom.GetUserRequest{UserID: "zhangsan"})
		return errcodeIn(err, 42001)
	})
}

// TestGoWecomBreadth covers go-wecom's contact writes, tags, agents and
// menus against the sandbox.
func TestGoWecomBreadth(t *testing.T) {
	sb := startSandbox(t)
	c := newGoWecom(sb, appSecret, agentID)
	contacts := newGoWecom(sb, contactSecret, 0)

	works(t, gowecomSDK, "user/create + get + delete", func() error {
		if _, err := contacts.CreateUser(&wecom.CreateUserRequest{UserID: "contract1", Name: "契约一", Department: []int{2}, Mobile: "13900000001"}); err != nil {
			return err
		}
		u, err := c.GetUser(&wecom.GetUserRequest{UserID: "contract1"})
		if err != nil {
			return err
		}
		if err := want("name", u.Name, "契约一"); err != nil {
			return err
		}
		if _, err := contacts.DeleteUser(&wecom.DeleteUserRequest{UserID: "contract1"}); err != nil {
			return err
		}
		_, err = c.GetUser(&wecom.GetUserRequest{UserID: "contract1"})
		return errcodeIn(err, 60111)
	})
	works(t, gowecomSDK, "user/create with an app secret", func() error {
		_, err := c.CreateUser(&wecom.CreateUserRequest{UserID: "contract2", Name: "契约二", Department: []int{2}, Mobile: "13900000002"})
		if err == nil {
			return errors.New("an app secret created a member")
		}
		return nil
	})
	works(t, gowecomSDK, "user/batchdelete", func() error {
		for _, id := range []string{"batch1", "batch2"} {
			if _, err := contacts.CreateUser(&wecom.CreateUserRequest{UserID: id, Name: id, Department: []int{4}, Email: id + "@example.com"}); err != nil {
				return err
			}
		}
		if _, err := contacts.BatchDeleteUser(&wecom.BatchDeleteUserRequest{UserIDList: []string{"batch1", "batch2"}}); err != nil {
			return err
		}
		_, err := c.GetUser(&wecom.GetUserRequest{UserID: "batch2"})
		return errcodeIn(err, 60111)
	})
	works(t, gowecomSDK, "department/create", func() error {
		out, err := contacts.CreateDepartment(&wecom.CreateDepartmentRequest{Name: "运维组", ParentID: 2})
		if err != nil {
			return err
		}
		sub, err := c.ListDepartment(&wecom.ListDepartmentRequest{ID: out.ID})
		if err != nil {
			return err
		}
		return want("departments", len(sub.Department), 1)
	})
	works(t, gowecomSDK, "user/getuserid (mobile)", func() error {
		out, err := c.GetUserIDByMobile(&wecom.GetUserIDByMobileRequest{Mobile: "13800000005"})
		if err != nil {
			return err
		}
		return want("userid", out.UserID, "chenxiaoming")
	})
	works(t, gowecomSDK, "user/get_userid_by_email", func() error {
		out, err := c.GetUserIdByEmail(&wecom.GetUserIdByEmailRequest{Email: "zhaoliu@example.com", EmailType: 2})
		if err != nil {
			return err
		}
		return want("userid", out.UserID, "zhaoliu")
	})
	sdkBug(t, gowecomSDK, "tag/create", "declares tagid a string; WeCom answers a number (doc 90210)", func() error {
		_, err := contacts.CreateTag(&wecom.CreateTagRequest{TagName: "值班"})
		if err == nil || !strings.Contains(err.Error(), "cannot unmarshal number") {
			return fmt.Errorf("want a JSON number-into-string error, got %v", err)
		}
		return nil
	})
	works(t, gowecomSDK, "tag/addtagusers + get + list", func() error {
		if _, err := contacts.CreateTag(&wecom.CreateTagRequest{TagName: "发布", TagID: 77}); err != nil && !strings.Contains(err.Error(), "cannot unmarshal number") {
			return err
		}
		add, err := contacts.AddTagUsers(&wecom.AddTagUsersRequest{TagID: 77, UserList: []string{"zhangsan", "nobody"}, PartyList: []int{3}})
		if err != nil {
			return err
		}
		if err := want("invalidlist", add.InvalidList, "nobody"); err != nil {
			return err
		}
		got, err := c.GetTag(&wecom.GetTagRequest{TagID: "77"})
		if err != nil {
			return err
		}
		if err := want("tagname", got.TagName, "发布"); err != nil {
			return err
		}
		if len(got.UserList) != 1 || fmt.Sprint(got.PartyList) != "[3]" {
			return fmt.Errorf("tag 77 = %+v", got)
		}
		list, err := c.ListTag()
		if err != nil {
			return err
		}
		for _, tag := range list.TagList {
			if tag.TagName == "发布" {
				return nil
			}
		}
		return fmt.Errorf("tag/list = %+v, no 发布", list.TagList)
	})
	works(t, gowecomSDK, "agent/list", func() error {
		out, err := c.ListAgent()
		if err != nil {
			return err
		}
		if len(out.AgentList) != 1 || out.AgentList[0].AgentID != agentID {
			return fmt.Errorf("agent/list with app 1's token = %+v, want only agent %d", out.AgentList, agentID)
		}
		return nil
	})
	works(t, gowecomSDK, "agent/set", func() error {
		if _, err := c.SetAgent(&wecom.SetAgentRequest{AgentID: agentID, Description: "契约测试"}); err != nil {
			return err
		}
		a, err := c.GetAgent(&wecom.GetAgentRequest{AgentID: agentID})
		if err != nil {
			return err
		}
		return want("description", a.Description, "契约测试")
	})
}
