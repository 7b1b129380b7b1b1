package contract

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/fastwego/wxwork/corporation/apis/external_contact/customer"
	"github.com/fastwego/wxwork/corporation/apis/external_contact/customer_group"
	"github.com/fastwego/wxwork/corporation/apis/external_contact/customer_service"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/externalcontact"
	"github.com/wenerme/go-wecom/wecom"
	workwx "github.com/xen0n/go-workwx"
)

// Customer contact (客户联系) basics in every SDK that has them: with the
// 客户联系 secret, with an app in the 可调用应用 list, and with one that is
// not (48002, the trap users hit).
func TestExternalContact(t *testing.T) {
	sb := startSandbox(t)

	t.Run(workwxSDK, func(t *testing.T) {
		ec := newWorkwx(sb, externalSecret, 0)
		works(t, workwxSDK, "externalcontact/get_follow_user_list", func() error {
			out, err := ec.ExternalContactListFollowUser()
			if err != nil {
				return err
			}
			return want("follow users", fmt.Sprint(out.FollowUser), "[zhangsan wangwu]")
		})
		works(t, workwxSDK, "externalcontact/list", func() error {
			ids, err := ec.ListExternalContact("wangwu")
			if err != nil {
				return err
			}
			return want("wangwu's customers", len(ids), 2)
		})
		works(t, workwxSDK, "externalcontact/get", func() error {
			info, err := ec.GetExternalContact(customer1)
			if err != nil {
				return err
			}
			if err := want("name", info.ExternalContact.Name, "客户甲"); err != nil {
				return err
			}
			return want("follow users", len(info.FollowUser), 2)
		})
		// doc 92994 replaced userid by userid_list (go-workwx PR #176 calls
		// userid deprecated); v1.7.0 still sends userid alone
		sdkBug(t, workwxSDK, "externalcontact/batch/get_by_user", "sends the deprecated userid, not userid_list (41009)", func() error {
			_, err := ec.BatchListExternalContact("wangwu", "", 100)
			return errcodeIn(err, 41009)
		})
		works(t, workwxSDK, "externalcontact/add_contact_way", func() error {
			way, err := ec.ExternalContactAddContact(1, 2, 1, "contract", true, "ci", []string{"zhangsan"}, nil, false, 0, 0, "", workwx.Conclusions{})
			if err != nil {
				return err
			}
			if way.ConfigID == "" || way.QRCode == "" {
				return fmt.Errorf("add_contact_way = %+v, want config_id and qr_code", way)
			}
			return nil
		})
		works(t, workwxSDK, "externalcontact/groupchat/list + get", func() error {
			list, err := ec.GetGroupChatList(workwx.ReqChatList{Limit: 100})
			if err != nil {
				return err
			}
			if len(list.GroupChatList) != 1 || list.GroupChatList[0].ChatID != groupChat1 {
				return fmt.Errorf("groupchat/list = %+v", list.GroupChatList)
			}
			chat, err := ec.GetGroupChatInfo(groupChat1, 1)
			if err != nil {
				return err
			}
			if err := want("owner", chat.Owner, "wangwu"); err != nil {
				return err
			}
			return want("members", len(chat.MemberList), 2)
		})
		works(t, workwxSDK, "externalcontact with an app outside 可调用应用", func() error {
			_, err := newWorkwx(sb, app2Secret, app2AgentID).ListExternalContact("wangwu")
			return errcodeIn(err, 48002)
		})
		works(t, workwxSDK, "externalcontact with an app inside 可调用应用", func() error {
			ids, err := newWorkwx(sb, appSecret, agentID).ListExternalContact("zhangsan")
			if err != nil {
				return err
			}
			return want("zhangsan's customers", len(ids), 1)
		})
	})

	t.Run(gowecomSDK, func(t *testing.T) {
		ec := newGoWecom(sb, externalSecret, 0)
		works(t, gowecomSDK, "externalcontact/get_follow_user_list", func() error {
			out, err := ec.GetFollowUserList()
			if err != nil {
				return err
			}
			return want("follow users", len(out.FollowUser), 2)
		})
		works(t, gowecomSDK, "externalcontact/list", func() error {
			out, err := ec.ListExternalContact(&wecom.ListExternalContactRequest{UserID: "zhangsan"})
			if err != nil {
				return err
			}
			return want("zhangsan's customers", fmt.Sprint(out.ExternalUserID), "["+customer1+"]")
		})
		works(t, gowecomSDK, "externalcontact/get", func() error {
			out, err := ec.GetExternalContact(&wecom.GetExternalContactRequest{ExternalUserID: customer2})
			if err != nil {
				return err
			}
			return want("corp_name", out.ExternalContact.CorpName, "乙公司")
		})
		works(t, gowecomSDK, "externalcontact/add_contact_way", func() error {
			out, err := ec.AddContactWay(&wecom.AddContactWayRequest{Type: 1, Scene: 2, User: []string{"wangwu"}})
			if err != nil {
				return err
			}
			if out.ConfigID == "" {
				return fmt.Errorf("no config_id: %+v", out)
			}
			return nil
		})
		works(t, gowecomSDK, "externalcontact/groupchat/list + get", func() error {
			list, err := ec.ListGroupChat(&wecom.ListGroupChatRequest{Limit: 10})
			if err != nil {
				return err
			}
			if len(list.GroupChatList) != 1 {
				return fmt.Errorf("groupchat/list = %+v", list)
			}
			chat, err := ec.GetGroupChat(&wecom.GetGroupChatRequest{ChatID: groupChat1})
			if err != nil {
				return err
			}
			return want("name", chat.GroupChat.Name, "客户交流群")
		})
		works(t, gowecomSDK, "externalcontact with an app outside 可调用应用", func() error {
			_, err := newGoWecom(sb, app2Secret, app2AgentID).GetFollowUserList()
			return errcodeIn(err, 48002)
		})
	})

	t.Run(silenceperSDK, func(t *testing.T) {
		saved := util.DefaultHTTPClient
		util.DefaultHTTPClient = sb.httpClient()
		t.Cleanup(func() { util.DefaultHTTPClient = saved })
		ec := newSilenceper(externalSecret, 0).GetExternalContact()
		works(t, silenceperSDK, "externalcontact/get_follow_user_list", func() error {
			users, err := ec.GetFollowUserList()
			if err != nil {
				return err
			}
			return want("follow users", len(users), 2)
		})
		works(t, silenceperSDK, "externalcontact/list", func() error {
			ids, err := ec.GetExternalUserList("wangwu")
			if err != nil {
				return err
			}
			return want("wangwu's customers", len(ids), 2)
		})
		works(t, silenceperSDK, "externalcontact/get", func() error {
			out, err := ec.GetExternalUserDetail(customer1)
			if err != nil {
				return err
			}
			return want("name", out.ExternalContact.Name, "客户甲")
		})
		works(t, silenceperSDK, "externalcontact/batch/get_by_user", func() error {
			list, _, err := ec.BatchGetExternalUserDetails(externalcontact.BatchGetExternalUserDetailsRequest{UserIDList: []string{"wangwu"}, Limit: 100})
			if err != nil {
				return err
			}
			return want("wangwu's customers", len(list), 2)
		})
		works(t, silenceperSDK, "externalcontact/add_contact_way", func() error {
			out, err := ec.AddContactWay(&externalcontact.AddContactWayRequest{Type: 1, Scene: 2, User: []string{"zhangsan"}})
			if err != nil {
				return err
			}
			if out.ConfigID == "" {
				return fmt.Errorf("no config_id: %+v", out)
			}
			return nil
		})
		works(t, silenceperSDK, "externalcontact/groupchat/list", func() error {
			out, err := ec.GetGroupChatList(&externalcontact.GroupChatListRequest{Limit: 100})
			if err != nil {
				return err
			}
			return want("group chats", len(out.GroupChatList), 1)
		})
	})

	t.Run(fastwegoSDK, func(t *testing.T) {
		pointFastwego(t, sb)
		ec := newFastwego(externalSecret, 0)
		works(t, fastwegoSDK, "externalcontact/get_follow_user_list", func() error {
			var out struct {
				FollowUser []string `json:"follow_user"`
			}
			resp, err := customer_service.GetFollowUserList(ec)
			if err := decode(resp, err, &out); err != nil {
				return err
			}
			return want("follow users", len(out.FollowUser), 2)
		})
		works(t, fastwegoSDK, "externalcontact/list", func() error {
			var out struct {
				ExternalUserID []string `json:"external_userid"`
			}
			resp, err := customer.List(ec, url.Values{"userid": {"wangwu"}})
			if err := decode(resp, err, &out); err != nil {
				return err
			}
			return want("wangwu's customers", len(out.ExternalUserID), 2)
		})
		works(t, fastwegoSDK, "externalcontact/get", func() error {
			var out struct {
				ExternalContact struct {
					Name string `json:"name"`
				} `json:"external_contact"`
			}
			resp, err := customer.Get(ec, url.Values{"external_userid": {customer2}})
			if err := decode(resp, err, &out); err != nil {
				return err
			}
			return want("name", out.ExternalContact.Name, "客户乙")
		})
		works(t, fastwegoSDK, "externalcontact/groupchat/list + get", func() error {
			payload, _ := json.Marshal(map[string]any{"limit": 100})
			var list struct {
				GroupChatList []struct {
					ChatID string `json:"chat_id"`
				} `json:"group_chat_list"`
			}
			resp, err := customer_group.List(ec, payload)
			if err := decode(resp, err, &list); err != nil {
				return err
			}
			if len(list.GroupChatList) != 1 {
				return fmt.Errorf("groupchat/list = %+v", list)
			}
			get, _ := json.Marshal(map[string]any{"chat_id": list.GroupChatList[0].ChatID})
			var chat struct {
				GroupChat struct {
					Owner string `json:"owner"`
				} `json:"group_chat"`
			}
			resp, err = customer_group.Get(ec, get)
			if err := decode(resp, err, &chat); err != nil {
				return err
			}
			return want("owner", chat.GroupChat.Owner, "wangwu")
		})
	})
}
