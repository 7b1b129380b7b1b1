package contract

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work"
	"github.com/silenceper/wechat/v2/work/addresslist"
	"github.com/silenceper/wechat/v2/work/config"
	"github.com/silenceper/wechat/v2/work/message"
	"github.com/silenceper/wechat/v2/work/oauth"
)

// silenceper/wechat v2.1.10 `work/`: hosts are hard-coded, so its package
// HTTP client is replaced by one that rewrites them to the sandbox.
const silenceperSDK = "silenceper/wechat"

func newSilenceper(secret string, agent int) *work.Work {
	return work.NewWork(&config.Config{CorpID: corpID, CorpSecret: secret, AgentID: strconv.Itoa(agent), Cache: cache.NewMemory()})
}

func TestSilenceper(t *testing.T) {
	sb := startSandbox(t)
	saved := util.DefaultHTTPClient
	util.DefaultHTTPClient = sb.httpClient()
	t.Cleanup(func() { util.DefaultHTTPClient = saved })

	wk := newSilenceper(appSecret, agentID)
	contacts := newSilenceper(contactSecret, 0).GetAddressList()
	book := wk.GetAddressList()

	works(t, silenceperSDK, "gettoken", func() error {
		if _, err := book.UserGet("zhangsan"); err != nil {
			return err
		}
		return want("gettoken requests", sb.count("/cgi-bin/gettoken"), 1)
	})
	works(t, silenceperSDK, "user/get", func() error {
		u, err := book.UserGet("zhangsan")
		if err != nil {
			return err
		}
		if err := want("name", u.Name, "张三"); err != nil {
			return err
		}
		if len(u.IsLeaderInDept) != 1 || u.IsLeaderInDept[0] != 1 {
			return fmt.Errorf("is_leader_in_dept = %v, want [1]", u.IsLeaderInDept)
		}
		return want("gender", u.Gender, "1")
	})
	works(t, silenceperSDK, "user/simplelist", func() error {
		users, err := book.UserSimpleList(3)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, u := range users {
			names[u.UserID] = u.Name
		}
		if names["wangwu"] != "王五" || names["chenxiaoming"] != "陈小明" || len(users) != 2 {
			return fmt.Errorf("department 3 = %v, want wangwu and chenxiaoming", names)
		}
		return nil
	})
	works(t, silenceperSDK, "user/list_id", func() error {
		seen, cursor := map[string]bool{}, ""
		for page := 0; page < 10; page++ {
			resp, err := contacts.UserListID(&addresslist.UserListIDRequest{Cursor: cursor, Limit: 3})
			if err != nil {
				return err
			}
			for _, du := range resp.DeptUser {
				seen[du.UserID] = true
			}
			if cursor = resp.NextCursor; cursor == "" {
				break
			}
		}
		if !seen["zhangsan"] || !seen["alice"] || len(seen) < 6 {
			return fmt.Errorf("user/list_id pages gave %v, want every member", seen)
		}
		return nil
	})
	works(t, silenceperSDK, "department/list", func() error {
		all, err := book.DepartmentList()
		if err != nil {
			return err
		}
		if err := want("departments", len(all), 4); err != nil {
			return err
		}
		sub, err := book.DepartmentListByID(2)
		if err != nil {
			return err
		}
		if err := want("departments under 2", len(sub), 2); err != nil {
			return err
		}
		return want("leader of 2", fmt.Sprint(sub[0].DepartmentLeader), "[lisi]")
	})
	works(t, silenceperSDK, "department/simplelist", func() error {
		ids, err := book.DepartmentSimpleList(1)
		if err != nil {
			return err
		}
		return want("departments under 1", len(ids), 4)
	})
	sdkBug(t, silenceperSDK, "department/simplelist (all)", "sends id=0 for the whole tree; doc 95350 says omit id (60123)", func() error {
		_, err := book.DepartmentSimpleList(0)
		return errcodeIn(err, 60123)
	})
	works(t, silenceperSDK, "get_jsapi_ticket + signature", func() error {
		const page = "https://wwcli.example.com/h5/index.html?from=contract"
		cfg, err := wk.JsSdk().GetConfig(page)
		if err != nil {
			return err
		}
		return want("signature", cfg.Signature, jssdkSignature(sb.currentTicket("corp"), cfg.NonceStr, cfg.Timestamp, page))
	})
	works(t, silenceperSDK, "ticket/get agent_config + signature", func() error {
		const page = "https://wwcli.example.com/h5/agent.html"
		cfg, err := wk.JsSdk().GetAgentConfig(page)
		if err != nil {
			return err
		}
		return want("signature", cfg.Signature, jssdkSignature(sb.currentTicket("agent"), cfg.NonceStr, cfg.Timestamp, page))
	})
	works(t, silenceperSDK, "auth/getuserinfo", func() error {
		info, err := wk.GetOauth().GetUserInfo(sb.code("lisi", "snsapi_privateinfo"))
		if err != nil {
			return err
		}
		if err := want("userid", info.UserID, "lisi"); err != nil {
			return err
		}
		if info.UserTicket == "" {
			return errors.New("snsapi_privateinfo code gave no user_ticket")
		}
		return nil
	})
	works(t, silenceperSDK, "auth/getuserdetail", func() error {
		info, err := wk.GetOauth().GetUserInfo(sb.code("wangwu", "snsapi_privateinfo"))
		if err != nil {
			return err
		}
		d, err := wk.GetOauth().GetUserDetail(&oauth.GetUserDetailRequest{UserTicket: info.UserTicket})
		if err != nil {
			return err
		}
		if err := want("userid", d.UserID, "wangwu"); err != nil {
			return err
		}
		return want("gender", d.Gender, "2")
	})
	works(t, silenceperSDK, "user/getuserinfo (legacy)", func() error {
		info, err := wk.GetOauth().UserFromCode(sb.code("zhaoliu", ""))
		if err != nil {
			return err
		}
		return want("UserId", info.UserID, "zhaoliu")
	})
	works(t, silenceperSDK, "message/send", func() error {
		// silenceper sends agentid as a JSON string; WeCom (and the sandbox) accept it
		resp, err := wk.GetMessage().SendText(message.SendTextRequest{
			SendRequestCommon: &message.SendRequestCommon{ToUser: "zhangsan|nobody", AgentID: strconv.Itoa(agentID)},
			Text:              message.TextField{Content: "contract test"},
		})
		if err != nil {
			return err
		}
		return want("invaliduser", resp.InvalidUser, "nobody")
	})
	works(t, silenceperSDK, "ERR wrong secret", func() error {
		_, err := newSilenceper(wrongSecret, agentID).GetAddressList().UserGet("zhangsan")
		return errcodeIn(err, 40001)
	})
	works(t, silenceperSDK, "ERR used code", func() error {
		code := sb.code("zhangsan", "")
		if _, err := wk.GetOauth().GetUserInfo(code); err != nil {
			return err
		}
		_, err := wk.GetOauth().GetUserInfo(code)
		return errcodeIn(err, 40029)
	})
	works(t, silenceperSDK, "ERR expired token", func() error {
		// silenceper caches for expires_in − 1500 s of its own clock, so a
		// token the sandbox expired is surfaced as 42001 (not recovered)
		sb.advance("2h1m")
		_, err := book.UserGet("zhangsan")
		return errcodeIn(err, 42001)
	})
}
