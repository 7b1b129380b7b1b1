package contract

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work"
	"github.com/silenceper/wechat/v2/work/addresslist"
	"github.com/silenceper/wechat/v2/work/appchat"
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

// TestSilenceperBreadth covers silenceper's tags, contact writes, media
// and app-chat sends.
func TestSilenceperBreadth(t *testing.T) {
	sb := startSandbox(t)
	saved := util.DefaultHTTPClient
	util.DefaultHTTPClient = sb.httpClient()
	t.Cleanup(func() { util.DefaultHTTPClient = saved })
	wk := newSilenceper(appSecret, agentID)
	contacts := newSilenceper(contactSecret, 0).GetAddressList()
	book := wk.GetAddressList()

	works(t, silenceperSDK, "tag/create + update + list + delete", func() error {
		created, err := contacts.CreateTag(&addresslist.CreateTagRequest{TagName: "夜班"})
		if err != nil {
			return err
		}
		if err := contacts.UpdateTag(&addresslist.UpdateTagRequest{TagID: created.TagID, TagName: "晚班"}); err != nil {
			return err
		}
		list, err := book.ListTag()
		if err != nil {
			return err
		}
		found := false
		for _, tag := range list.TagList {
			found = found || (tag.TagID == created.TagID && tag.TagName == "晚班")
		}
		if !found {
			return fmt.Errorf("tag/list = %+v, want tag %d 晚班", list.TagList, created.TagID)
		}
		if err := contacts.DeleteTag(created.TagID); err != nil {
			return err
		}
		_, err = book.GetTag(created.TagID)
		return errcodeIn(err, 40068)
	})
	works(t, silenceperSDK, "tag/addtagusers + deltagusers + get", func() error {
		created, err := contacts.CreateTag(&addresslist.CreateTagRequest{TagName: "on-call"})
		if err != nil {
			return err
		}
		add, err := contacts.AddTagUsers(&addresslist.AddTagUsersRequest{TagID: created.TagID, UserList: []string{"lisi", "zhaoliu"}, PartyList: []int{3, 99}})
		if err != nil {
			return err
		}
		if fmt.Sprint(add.InvalidParty) != "[99]" {
			return fmt.Errorf("invalidparty = %v, want [99]", add.InvalidParty)
		}
		if _, err := contacts.DelTagUsers(&addresslist.DelTagUsersRequest{TagID: created.TagID, UserList: []string{"zhaoliu"}}); err != nil {
			return err
		}
		got, err := book.GetTag(created.TagID)
		if err != nil {
			return err
		}
		if len(got.UserList) != 1 || got.UserList[0].UserID != "lisi" || fmt.Sprint(got.PartyList) != "[3]" {
			return fmt.Errorf("tag/get = %+v", got)
		}
		return nil
	})
	works(t, silenceperSDK, "user/create + update + delete", func() error {
		if _, err := contacts.UserCreate(&addresslist.UserCreateRequest{UserID: "contract4", Name: "契约四", Mobile: "13900000004", Department: []int{2}}); err != nil {
			return err
		}
		if err := contacts.UserUpdate(&addresslist.UserUpdateRequest{UserID: "contract4", Name: "契约四", Mobile: "13900000004", Department: []int{3}}); err != nil {
			return err
		}
		u, err := book.UserGet("contract4")
		if err != nil {
			return err
		}
		if err := want("department", fmt.Sprint(u.Department), "[3]"); err != nil {
			return err
		}
		if _, err := contacts.UserDelete("contract4"); err != nil {
			return err
		}
		_, err = book.UserGet("contract4")
		return errcodeIn(err, 60111)
	})
	works(t, silenceperSDK, "department/create + get + delete", func() error {
		created, err := contacts.DepartmentCreate(&addresslist.DepartmentCreateRequest{Name: "测试组", ParentID: 4})
		if err != nil {
			return err
		}
		got, err := book.DepartmentGet(created.ID)
		if err != nil {
			return err
		}
		if err := want("parentid", got.ParentID, 4); err != nil {
			return err
		}
		return contacts.DepartmentDelete(created.ID)
	})
	works(t, silenceperSDK, "convert_to_openid + convert_to_userid", func() error {
		openID, err := book.ConvertToOpenID("wangwu")
		if err != nil {
			return err
		}
		back, err := book.ConvertToUserID(openID)
		if err != nil {
			return err
		}
		return want("userid", back, "wangwu")
	})
	works(t, silenceperSDK, "media/upload + media/uploadimg", func() error {
		up, err := wk.GetMaterial().UploadTempFileFromReader("pixel.png", "image", bytes.NewReader(tinyPNG))
		if err != nil {
			return err
		}
		if up.MediaID == "" {
			return errors.New("no media_id")
		}
		img, err := wk.GetMaterial().UploadImgFromReader("pixel.png", bytes.NewReader(tinyPNG))
		if err != nil {
			return err
		}
		if img.URL == "" {
			return errors.New("no url")
		}
		return nil
	})
	works(t, silenceperSDK, "appchat/send", func() error {
		chatID := sb.createAppchat(appSecret, "zhangsan", "zhangsan", "wangwu")
		_, err := wk.GetAppChat().SendText(appchat.SendTextRequest{
			SendRequestCommon: &appchat.SendRequestCommon{ChatID: chatID},
			Text:              appchat.TextField{Content: "群消息"},
		})
		return err
	})
}
