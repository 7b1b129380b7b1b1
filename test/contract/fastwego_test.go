package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/faabiosr/cachego/sync"
	"github.com/fastwego/wxwork/corporation"
	"github.com/fastwego/wxwork/corporation/apis/app"
	"github.com/fastwego/wxwork/corporation/apis/contact/department"
	"github.com/fastwego/wxwork/corporation/apis/contact/user"
	"github.com/fastwego/wxwork/corporation/apis/message"
	"github.com/fastwego/wxwork/corporation/apis/oauth"
	"github.com/fastwego/wxwork/corporation/apis/util"
)

// fastwego/wxwork v1.0.0-beta.8: the API host is a package variable
// (WXServerUrl); its oauth package has the host hard-coded and uses
// http.Get, so http.DefaultTransport is pointed at the sandbox too.
const fastwegoSDK = "fastwego"

// pointFastwego aims the package-level host and the default transport at
// the sandbox for one test, and restores both.
func pointFastwego(t *testing.T, sb *sandbox) {
	savedURL, savedTransport := corporation.WXServerUrl, http.DefaultTransport
	corporation.WXServerUrl = sb.URL
	http.DefaultTransport = sb.transport()
	t.Cleanup(func() { corporation.WXServerUrl, http.DefaultTransport = savedURL, savedTransport })
	// its default token cache is a file under os.TempDir()
	t.Setenv("TMPDIR", t.TempDir())
}

// newFastwego is an app with an in-memory token cache and, unlike the
// SDK's default, a handler for 40014 that drops the cached token.
func newFastwego(secret string, agent int) *corporation.App {
	corp := corporation.New(corporation.Config{Corpid: corpID})
	corp.Logger = nil // it logs every token in clear
	a := corp.NewApp(corporation.AppConfig{AgentId: strconv.Itoa(agent), Secret: secret})
	a.SetAccessTokenCacheDriver(sync.New())
	a.SetNoticeAccessTokenExpireHandler(func(a *corporation.App) error {
		return a.AccessToken.Cache.Delete(a.Config.AgentId + a.Config.Secret)
	})
	return a
}

// decode reads a raw fastwego answer.
func decode(resp []byte, err error, out any) error {
	if err != nil {
		return err
	}
	return json.Unmarshal(resp, out)
}

func TestFastwego(t *testing.T) {
	sb := startSandbox(t)
	pointFastwego(t, sb)
	a := newFastwego(appSecret, agentID)

	works(t, fastwegoSDK, "gettoken", func() error {
		token, err := corporation.GetAccessToken(a)
		if err != nil {
			return err
		}
		if token == "" {
			return errors.New("empty token")
		}
		return want("gettoken requests", sb.count("/cgi-bin/gettoken"), 1)
	})
	works(t, fastwegoSDK, "user/get", func() error {
		var u struct {
			Name       string  `json:"name"`
			Department []int64 `json:"department"`
			Mobile     string  `json:"mobile"`
		}
		resp, err := user.Get(a, url.Values{"userid": {"zhaoliu"}})
		if err := decode(resp, err, &u); err != nil {
			return err
		}
		if err := want("name", u.Name, "赵六"); err != nil {
			return err
		}
		return want("mobile", u.Mobile, "13800000004")
	})
	works(t, fastwegoSDK, "user/simplelist", func() error {
		var out struct {
			UserList []struct{ UserID string } `json:"userlist"`
		}
		resp, err := user.SimpleList(a, url.Values{"department_id": {"1"}, "fetch_child": {"1"}})
		if err := decode(resp, err, &out); err != nil {
			return err
		}
		if len(out.UserList) < 6 {
			return fmt.Errorf("whole corp = %d members, want ≥ 6", len(out.UserList))
		}
		return nil
	})
	works(t, fastwegoSDK, "user/list", func() error {
		var out struct {
			UserList []struct {
				UserID string `json:"userid"`
				Email  string `json:"email"`
			} `json:"userlist"`
		}
		resp, err := user.List(a, url.Values{"department_id": {"2"}})
		if err := decode(resp, err, &out); err != nil {
			return err
		}
		for _, u := range out.UserList {
			if u.UserID == "lisi" {
				return want("lisi's email", u.Email, "lisi@example.com")
			}
		}
		return fmt.Errorf("lisi not in department 2: %+v", out.UserList)
	})
	works(t, fastwegoSDK, "department/list", func() error {
		var out struct {
			Department []struct {
				ID       int64 `json:"id"`
				ParentID int64 `json:"parentid"`
			} `json:"department"`
		}
		resp, err := department.List(a, url.Values{})
		if err := decode(resp, err, &out); err != nil {
			return err
		}
		return want("departments", len(out.Department), 4)
	})
	works(t, fastwegoSDK, "agent/get", func() error {
		var out struct {
			Name string `json:"name"`
		}
		resp, err := app.AgentGet(a, url.Values{"agentid": {strconv.Itoa(agentID)}})
		if err := decode(resp, err, &out); err != nil {
			return err
		}
		return want("name", out.Name, "演示应用")
	})
	works(t, fastwegoSDK, "getcallbackip", func() error {
		var out struct {
			IPList []string `json:"ip_list"`
		}
		resp, err := util.GetCallbackIp(a)
		if err := decode(resp, err, &out); err != nil {
			return err
		}
		if len(out.IPList) == 0 {
			return errors.New("empty ip_list")
		}
		return nil
	})
	works(t, fastwegoSDK, "get_api_domain_ip", func() error {
		var out struct {
			IPList []string `json:"ip_list"`
		}
		resp, err := util.GetApiDomainIp(a)
		if err := decode(resp, err, &out); err != nil {
			return err
		}
		if len(out.IPList) == 0 {
			return errors.New("empty ip_list")
		}
		return nil
	})
	works(t, fastwegoSDK, "message/send", func() error {
		var out struct {
			InvalidParty string `json:"invalidparty"`
			MsgID        string `json:"msgid"`
		}
		payload, _ := json.Marshal(map[string]any{"toparty": "3|99", "msgtype": "markdown", "agentid": agentID,
			"markdown": map[string]string{"content": "**contract** test"}})
		resp, err := message.Send(a, payload)
		if err := decode(resp, err, &out); err != nil {
			return err
		}
		return want("invalidparty", out.InvalidParty, "99")
	})
	works(t, fastwegoSDK, "user/getuserinfo (legacy)", func() error {
		token, err := corporation.GetAccessToken(a)
		if err != nil {
			return err
		}
		info, err := oauth.GetUserInfo(token, sb.code("chenxiaoming", ""))
		if err != nil {
			return err
		}
		return want("UserId", info.UserID, "chenxiaoming")
	})
	works(t, fastwegoSDK, "ERR wrong secret", func() error {
		_, err := user.Get(newFastwego(wrongSecret, agentID), url.Values{"userid": {"zhangsan"}})
		return errcodeIn(err, 40001)
	})
	works(t, fastwegoSDK, "ERR system busy (-1)", func() error {
		sb.fault(map[string]any{"path": "/cgi-bin/user/get", "errcode": -1})
		var u struct{ Name string }
		resp, err := user.Get(a, url.Values{"userid": {"zhangsan"}})
		if err := decode(resp, err, &u); err != nil {
			return err
		}
		return want("name after one retry", u.Name, "张三")
	})
	works(t, fastwegoSDK, "ERR invalid token (40014), handler set", func() error {
		sb.fault(map[string]any{"path": "/cgi-bin/user/get", "errcode": 40014})
		before := sb.count("/cgi-bin/gettoken")
		var u struct{ Name string }
		resp, err := user.Get(a, url.Values{"userid": {"lisi"}})
		if err := decode(resp, err, &u); err != nil {
			return err
		}
		if err := want("name", u.Name, "李四"); err != nil {
			return err
		}
		return want("gettoken after 40014", sb.count("/cgi-bin/gettoken")-before, 1)
	})
	sdkBug(t, fastwegoSDK, "ERR invalid token (40014), default NewApp", "nil NoticeAccessTokenExpireHandler: panics", func() error {
		corp := corporation.New(corporation.Config{Corpid: corpID})
		corp.Logger = nil
		plain := corp.NewApp(corporation.AppConfig{AgentId: strconv.Itoa(agentID), Secret: appSecret})
		sb.fault(map[string]any{"path": "/cgi-bin/user/get", "errcode": 40014})
		err := protect(func() error { _, err := user.Get(plain, url.Values{"userid": {"zhangsan"}}); return err })
		var p *panicked
		if !errors.As(err, &p) {
			return fmt.Errorf("no panic: %v", err)
		}
		return nil
	})
	works(t, fastwegoSDK, "ERR expired token", func() error {
		sb.advance("2h1m")
		_, err := user.Get(a, url.Values{"userid": {"zhangsan"}})
		return errcodeIn(err, 42001)
	})
}

// TestFastwegoBreadth covers fastwego's agents, menus, app chats and
// contact writes (raw JSON in, raw JSON out).
func TestFastwegoBreadth(t *testing.T) {
	sb := startSandbox(t)
	pointFastwego(t, sb)
	a := newFastwego(appSecret, agentID)
	contacts := newFastwego(contactSecret, 0)
	agent := url.Values{"agentid": {strconv.Itoa(agentID)}}

	works(t, fastwegoSDK, "agent/list", func() error {
		var out struct {
			AgentList []struct {
				AgentID int64  `json:"agentid"`
				Name    string `json:"name"`
			} `json:"agentlist"`
		}
		resp, err := app.AgentList(a)
		if err := decode(resp, err, &out); err != nil {
			return err
		}
		if len(out.AgentList) != 1 || out.AgentList[0].Name != "演示应用" {
			return fmt.Errorf("agentlist = %+v", out.AgentList)
		}
		return nil
	})
	works(t, fastwegoSDK, "agent/set", func() error {
		payload, _ := json.Marshal(map[string]any{"agentid": agentID, "home_url": "https://wwcli.example.com/home"})
		if _, err := app.AgentSet(a, payload); err != nil {
			return err
		}
		var out struct {
			HomeURL string `json:"home_url"`
		}
		resp, err := app.AgentGet(a, agent)
		if err := decode(resp, err, &out); err != nil {
			return err
		}
		return want("home_url", out.HomeURL, "https://wwcli.example.com/home")
	})
	works(t, fastwegoSDK, "menu/create + get + delete", func() error {
		menu := map[string]any{"button": []any{
			map[string]any{"type": "click", "name": "今日发布", "key": "V1001_TODAY"},
			map[string]any{"name": "更多", "sub_button": []any{map[string]any{"type": "view", "name": "文档", "url": "https://wwcli.example.com/docs"}}},
		}}
		payload, _ := json.Marshal(menu)
		if _, err := app.MenuCreate(a, payload, agent); err != nil {
			return err
		}
		var got struct {
			Button []struct {
				Name      string `json:"name"`
				SubButton []struct {
					URL string `json:"url"`
				} `json:"sub_button"`
			} `json:"button"`
		}
		resp, err := app.MenuGet(a, agent)
		if err := decode(resp, err, &got); err != nil {
			return err
		}
		if len(got.Button) != 2 || got.Button[0].Name != "今日发布" || len(got.Button[1].SubButton) != 1 {
			return fmt.Errorf("menu/get = %+v", got)
		}
		if _, err := app.MenuDelete(a, agent); err != nil {
			return err
		}
		_, err = app.MenuGet(a, agent)
		if err == nil {
			return errors.New("menu/get after menu/delete succeeded")
		}
		return nil
	})
	works(t, fastwegoSDK, "appchat/create + send + get", func() error {
		payload, _ := json.Marshal(map[string]any{"name": "值班群", "owner": "lisi", "userlist": []string{"lisi", "zhaoliu"}})
		var created struct {
			ChatID string `json:"chatid"`
		}
		resp, err := message.AppchatCreate(a, payload)
		if err := decode(resp, err, &created); err != nil {
			return err
		}
		send, _ := json.Marshal(map[string]any{"chatid": created.ChatID, "msgtype": "text", "text": map[string]string{"content": "值班交接"}})
		if _, err := message.AppchatSend(a, send); err != nil {
			return err
		}
		var got struct {
			ChatInfo struct {
				Name     string   `json:"name"`
				UserList []string `json:"userlist"`
			} `json:"chat_info"`
		}
		resp, err = message.AppchatGet(a, url.Values{"chatid": {created.ChatID}})
		if err := decode(resp, err, &got); err != nil {
			return err
		}
		if got.ChatInfo.Name != "值班群" || len(got.ChatInfo.UserList) != 2 {
			return fmt.Errorf("appchat/get = %+v", got)
		}
		return nil
	})
	works(t, fastwegoSDK, "department/create + update + delete", func() error {
		payload, _ := json.Marshal(map[string]any{"name": "临时项目组", "parentid": 3})
		var created struct {
			ID int64 `json:"id"`
		}
		resp, err := department.Create(contacts, payload)
		if err := decode(resp, err, &created); err != nil {
			return err
		}
		update, _ := json.Marshal(map[string]any{"id": created.ID, "name": "项目组"})
		if _, err := department.Update(contacts, update); err != nil {
			return err
		}
		if _, err := department.Delete(contacts, url.Values{"id": {strconv.FormatInt(created.ID, 10)}}); err != nil {
			return err
		}
		// a deleted department is gone: 60003 部门ID不存在
		_, err = department.List(a, url.Values{"id": {strconv.FormatInt(created.ID, 10)}})
		return errcodeIn(err, 60003)
	})
	works(t, fastwegoSDK, "user/create + update", func() error {
		payload, _ := json.Marshal(map[string]any{"userid": "Contract3", "name": "契约三", "department": []int{3}, "mobile": "13900000003"})
		if _, err := user.Create(contacts, payload); err != nil {
			return err
		}
		update, _ := json.Marshal(map[string]any{"userid": "contract3", "position": "市场专员"})
		if _, err := user.Update(contacts, update); err != nil {
			return err
		}
		var u struct {
			Position string `json:"position"`
		}
		resp, err := user.Get(a, url.Values{"userid": {"CONTRACT3"}})
		if err := decode(resp, err, &u); err != nil {
			return err
		}
		// userids are case-insensitive (doc 90196): any case finds the member
		return want("position", u.Position, "市场专员")
	})
}
