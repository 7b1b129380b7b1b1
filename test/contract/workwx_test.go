package contract

import (
	"errors"
	"fmt"
	"testing"

	workwx "github.com/xen0n/go-workwx"
)

// go-workwx v1.7.0: the host is an option (WithQYAPIHost).
const workwxSDK = "go-workwx"

func newWorkwx(sb *sandbox, secret string, agent int64) *workwx.WorkwxApp {
	c := workwx.New(corpID, workwx.WithQYAPIHost(sb.URL), workwx.WithHTTPClient(sb.httpClient()))
	return c.WithApp(secret, agent)
}

func TestWorkwx(t *testing.T) {
	sb := startSandbox(t)
	app := newWorkwx(sb, appSecret, agentID)

	works(t, workwxSDK, "gettoken", func() error {
		// the SDK fetches its token lazily, on the first call
		if _, err := app.GetUser("zhangsan"); err != nil {
			return err
		}
		return want("gettoken requests", sb.count("/cgi-bin/gettoken"), 1)
	})
	works(t, workwxSDK, "user/get", func() error {
		u, err := app.GetUser("zhangsan")
		if err != nil {
			return err
		}
		if err := want("name", u.Name, "张三"); err != nil {
			return err
		}
		if len(u.Departments) != 1 || u.Departments[0].DeptID != 1 || !u.Departments[0].IsLeader {
			return fmt.Errorf("departments = %+v, want [1, leader]", u.Departments)
		}
		return want("gender", u.Gender, workwx.UserGenderMale)
	})
	works(t, workwxSDK, "user/list", func() error {
		users, err := app.ListUsersByDeptID(4, false)
		if err != nil {
			return err
		}
		ids := map[string]bool{}
		for _, u := range users {
			ids[u.UserID] = true
		}
		if len(users) != 2 || !ids["zhaoliu"] || !ids["chenxiaoming"] {
			return fmt.Errorf("department 4 members = %v, want zhaoliu and chenxiaoming", ids)
		}
		return nil
	})
	works(t, workwxSDK, "department/list", func() error {
		all, err := app.ListAllDepts()
		if err != nil {
			return err
		}
		if err := want("departments", len(all), 4); err != nil {
			return err
		}
		sub, err := app.ListDepts(2)
		if err != nil {
			return err
		}
		return want("departments under 2", len(sub), 2)
	})
	works(t, workwxSDK, "department/simplelist", func() error {
		all, err := app.SimpleListAllDepts()
		if err != nil {
			return err
		}
		return want("departments", len(all), 4)
	})
	works(t, workwxSDK, "get_jsapi_ticket", func() error {
		ticket, err := app.GetJSAPITicket()
		if err != nil {
			return err
		}
		if ticket == "" {
			return errors.New("empty ticket")
		}
		return nil
	})
	works(t, workwxSDK, "ticket/get agent_config", func() error {
		ticket, err := app.GetJSAPITicketAgentConfig()
		if err != nil {
			return err
		}
		if ticket == "" {
			return errors.New("empty ticket")
		}
		return nil
	})
	works(t, workwxSDK, "auth/getuserinfo", func() error {
		info, err := app.AuthCode2UserInfo(sb.code("lisi", "snsapi_privateinfo"))
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
	works(t, workwxSDK, "user/getuserinfo (legacy)", func() error {
		info, err := app.GetUserInfoByCode(sb.code("wangwu", ""))
		if err != nil {
			return err
		}
		return want("UserId", info.UserID, "wangwu")
	})
	works(t, workwxSDK, "message/send", func() error {
		return app.SendTextMessage(&workwx.Recipient{UserIDs: []string{"zhangsan", "lisi"}, PartyIDs: []string{"3"}}, "contract test", false)
	})
	works(t, workwxSDK, "miniprogram/jscode2session", func() error {
		mini := newWorkwx(sb, miniSecret, miniAgentID)
		s, err := mini.JSCode2Session(sb.miniCode("zhaoliu"))
		if err != nil {
			return err
		}
		if err := want("userid", s.UserID, "zhaoliu"); err != nil {
			return err
		}
		return want("corpid", s.CorpID, corpID)
	})
	works(t, workwxSDK, "ERR wrong secret", func() error {
		_, err := newWorkwx(sb, wrongSecret, agentID).GetUser("zhangsan")
		return errcodeIn(err, 40001)
	})
	works(t, workwxSDK, "ERR used code", func() error {
		code := sb.code("zhangsan", "")
		if _, err := app.AuthCode2UserInfo(code); err != nil {
			return err
		}
		_, err := app.AuthCode2UserInfo(code)
		return errcodeIn(err, 40029)
	})
	sdkBug(t, workwxSDK, "ERR expired token", "never refetches after 42001 without its refresher goroutine", func() error {
		sb.advance("2h1m")
		before := sb.count("/cgi-bin/gettoken")
		for i := 0; i < 2; i++ {
			if err := errcodeIn(func() error { _, err := app.GetUser("zhangsan"); return err }(), 42001); err != nil {
				return err
			}
		}
		return want("gettoken after 42001", sb.count("/cgi-bin/gettoken")-before, 0)
	})
}

// TestWorkwxBreadth covers what go-workwx has beyond the basics: contact
// writes (通讯录同步 secret), id conversions, app chats and media.
func TestWorkwxBreadth(t *testing.T) {
	sb := startSandbox(t)
	app := newWorkwx(sb, appSecret, agentID)
	contacts := newWorkwx(sb, contactSecret, 0)

	works(t, workwxSDK, "department/create", func() error {
		id, err := contacts.CreateDept(&workwx.DeptInfo{Name: "契约测试部", ParentID: 1})
		if err != nil {
			return err
		}
		sub, err := contacts.ListDepts(id)
		if err != nil {
			return err
		}
		if len(sub) != 1 || sub[0].Name != "契约测试部" {
			return fmt.Errorf("department %d = %+v", id, sub)
		}
		return nil
	})
	works(t, workwxSDK, "user/update", func() error {
		if err := contacts.UpdateUser(&workwx.UserDetail{UserID: "alice", Position: "Staff Engineer", DeptIDs: []int64{2}}); err != nil {
			return err
		}
		u, err := app.GetUser("alice")
		if err != nil {
			return err
		}
		return want("position", u.Position, "Staff Engineer")
	})
	works(t, workwxSDK, "user/getuserid (mobile)", func() error {
		id, err := app.GetUserIDByMobile("13800000002")
		if err != nil {
			return err
		}
		return want("userid", id, "lisi")
	})
	works(t, workwxSDK, "user/get_userid_by_email", func() error {
		id, err := app.GetUserIDByEmail("wangwu@example.com", workwx.EmailTypePersonal)
		if err != nil {
			return err
		}
		return want("userid", id, "wangwu")
	})
	works(t, workwxSDK, "convert_to_openid + convert_to_userid", func() error {
		openID, err := app.ConvertUserIDToOpenID("zhaoliu")
		if err != nil {
			return err
		}
		back, err := app.ConvertOpenIDToUserID(openID)
		if err != nil {
			return err
		}
		return want("userid", back, "zhaoliu")
	})
	works(t, workwxSDK, "appchat/create + get + update", func() error {
		chatID, err := app.CreateAppchat(&workwx.ChatInfo{Name: "发布群", OwnerUserID: "zhangsan", MemberUserIDs: []string{"zhangsan", "lisi"}})
		if err != nil {
			return err
		}
		if err := app.UpdateAppchat(workwx.ChatInfo{ChatID: chatID, Name: "发布群 2"}, []string{"wangwu"}, nil); err != nil {
			return err
		}
		chat, err := app.GetAppchat(chatID)
		if err != nil {
			return err
		}
		if err := want("name", chat.Name, "发布群 2"); err != nil {
			return err
		}
		return want("members", len(chat.MemberUserIDs), 3)
	})
	works(t, workwxSDK, "media/upload + message/send image", func() error {
		media, err := workwx.NewMediaFromBuffer("pixel.png", tinyPNG)
		if err != nil {
			return err
		}
		up, err := app.UploadTempImageMedia(media)
		if err != nil {
			return err
		}
		return app.SendImageMessage(&workwx.Recipient{UserIDs: []string{"zhangsan"}}, up.MediaID, false)
	})
	works(t, workwxSDK, "message/send image with a made-up media_id", func() error {
		return errcodeIn(app.SendImageMessage(&workwx.Recipient{UserIDs: []string{"zhangsan"}}, "made-up-media-id", false), 40007)
	})
}
