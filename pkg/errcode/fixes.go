package errcode

// fix is our own guidance for one code, written from the official
// troubleshooting notes and what developers run into. An array of constant
// structs is laid out at link time: nothing runs until the table loads.
type fix struct {
	code int
	text string
}

var fixes = [...]fix{
	// General and rate limits.
	{-1, "WeCom was busy. Retry with a growing delay, at most 3 times; if it persists, keep the hint for WeCom support."},
	{0, "Not an error: the call succeeded."},
	{6000, "Someone else changed the same data at the same moment. Retry a little later, and avoid writing one object from several workers at once."},
	{45009, "Too many calls to this API. Cache access_token and jsapi_ticket (both live 2 h) instead of fetching them per request; back off and retry later. If the URL carries debug=1, remove it: debug mode allows only 5 calls per minute. Fetching a token with a wrong secret again and again gets the calling IP blocked for one hour. Some blocks can be lifted at https://open.work.weixin.qq.com/wwopen/devtool/checkCorpSpamBlock."},
	{45033, "Too many concurrent calls to the same API for this corp. Lower the parallelism, and make sure a bug is not fetching the same resource over and over."},
	{2400007, "Too many requests: slow down and retry later."},

	// access_token and secrets.
	{40001, "The secret does not match the corpid. Copy the secret of exactly the app whose token you need (each app, and the contact-sync assistant, has its own), check nobody reset it in the admin console, and check the app is enabled. Make sure both corpid and corpsecret actually reach the request. The callback library code -40001 is a different thing."},
	{40013, "The corpid is wrong. Copy it from 管理后台 → 我的企业 → 企业信息 → 企业ID; do not use an app id or agentid."},
	{40014, "The access_token is invalid: fetch a new one (it may have been invalidated early). Check no stray characters or quotes surround it, that it belongs to the right app (a mini program needs the token of the WeCom app linked to it), and that it is the right kind: access_token, suite_access_token and provider_access_token are not interchangeable."},
	{40082, "The suite_access_token is invalid: it lives 2 h, so fetch a new one, and check no stray characters surround it."},
	{40084, "The permanent_code is invalid: use the one returned when this corp authorized your suite, and store it per corp."},
	{40085, "The suite_ticket is invalid: use the latest one WeCom pushed to your command callback."},
	{40091, "This secret is not valid for this corp, probably the secret of another corp: pair the corpid and the secret from the same admin console."},
	{41001, "No access_token in the request. Pass it as a URL query parameter (?access_token=...), never in the JSON body, and make sure it is not empty."},
	{41002, "The corpid parameter is missing from gettoken: add ?corpid=..."},
	{41004, "The corpsecret parameter is missing: add &corpsecret=... (the app's secret, never in a browser)."},
	{41022, "The suite_access_token parameter is missing: pass it as a URL query parameter."},
	{41024, "The secret parameter is missing: add the app's secret to the request."},
	{42001, "The access_token expired: fetch a new one. Cache tokens until a few minutes before expires_in (normally 7200 s) and refetch once on 42001 or 40014."},
	{42007, "The pre_auth_code expired: request a new one for each authorization."},
	{42009, "The suite_access_token expired: fetch a new one with the latest suite_ticket."},
	{48001, "This API is not authorized for the corp or app: some APIs need a verified corp or an explicit authorization."},
	{48002, "The app behind this token has no permission for this API. Use a token of an app that has it: contact writes need the contact-sync secret, customer APIs need an app with 客户联系 permission."},
	{48004, "The authorization is no longer valid: the corp may have cancelled the authorization of your app."},
	{48005, "This API was retired: move to its replacement listed in the WeCom docs."},
	{48006, "The permission for this API was revoked: ask an admin to grant it again."},
	{40056, "The agentid is wrong: use the integer AgentId of an existing app (应用管理 → 应用 → AgentId), matching the secret the token came from."},
	{41011, "The agentid parameter is missing: add the app's AgentId."},
	{301002, "The token's app may only operate on itself: use the token of the app whose agentid you pass."},

	// Tickets and JS-SDK signatures.
	{40093, "The JS-SDK signature is wrong. Sign with a current ticket of the right kind (corp ticket for config, app ticket for agentConfig), use the full page URL without the #fragment exactly as the browser has it, a timestamp in seconds (not milliseconds), and the same nonceStr you pass to the page. `wwcli sign` prints the string it signs."},
	{42012, "The jsapi_ticket cannot be used here. wx.agentConfig / getAgentConfigSignature needs the app ticket (GET /cgi-bin/ticket/get?type=agent_config) fetched with the token of that same app; tickets may not be shared across apps."},
	{91040, "Invalid ticket type: GET /cgi-bin/ticket/get only accepts type=agent_config."},

	// OAuth codes and user tickets.
	{40029, "The OAuth code is invalid. A code works once and only for 5 minutes: get a fresh code by redirecting the user again. Common cause: two servers (or a retry, or a page reload) consuming the same code."},
	{40078, "The auth_code is invalid: it is single-use and short-lived; start the authorization again."},
	{42003, "The OAuth code expired (5 minutes): redirect the user again for a fresh code."},
	{42022, "This code was already used: codes are single-use, so never retry a request with the same code."},
	{41008, "The code parameter is missing: pass the code from the OAuth redirect (redirect_uri?code=...)."},
	{84014, "The user_ticket expired (it lives 1800 s): authorize again to get a new code and ticket."},
	{84015, "The user_ticket is invalid: use the ticket returned by auth/getuserinfo for this app, unmodified."},
	{84090, "user_ticket is missing: it is only returned with scope=snsapi_privateinfo and when the user is in the app's visible range."},

	// Redirect and trusted domains.
	{50001, "The redirect_uri domain is not a trusted domain of the app that owns the access_token. The host must match exactly (qq.com does not cover www.qq.com, and the port counts). A contact-sync secret can never consume OAuth codes; use the app's own secret."},
	{80001, "The trusted domain is wrong or has no ICP filing. Trusted domains match the full host only, with no IP addresses, ports or short-link domains."},
	{85004, "A corp may set trusted domains at most 20 times a month: wait for next month or reuse a configured domain."},
	{85005, "Domain ownership is not verified: put the WW_verify_XXXX.txt file at the root of the domain (`wwcli verify-domain` checks it). Until then only OAuth works, JS-SDK is restricted."},
	{85008, "The trusted domain failed the ICP filing check: the domain must be ICP-filed, by this corp or a related entity."},
	{85111, "This trusted domain belongs to a third-party provider: use a domain of your own."},
	{40102, "The domain or IP is already used by an app on the app marketplace: choose another one."},

	// Trusted IP.
	{60020, "The server's egress IP is not trusted. Self-built apps (created since 2022-06-20) and the contact-sync assistant: add the IP under 应用管理 → 应用 → 企业可信IP (needs a trusted domain or callback URL configured first; several IPs separated by ';'). Third-party and 代开发 apps: 服务商管理后台 → 服务商信息 → 基本信息 → IP白名单. Changes apply after about a minute."},
	{48009, "For data safety the contact-sync assistant may not read contact details from a new IP: read them with an app's secret, or from a server IP it already used."},
	{301042, "The request IP is outside the IP whitelist of this feature: add your server's egress IP there."},

	// Visible range and permissions.
	{60011, "The member, department or tag is outside the app's visible range, or the app may not edit it: widen the visible range (应用管理 → 应用 → 可见范围) or use the contact-sync secret for writes."},
	{60021, "The user is not in the app's visible range: add the user (or their department) to the app's visible range."},
	{50002, "The member is outside the permission scope of the app or admin group: adjust the scope."},
	{50003, "The app is disabled: enable it again in 应用管理."},

	// Mini programs.
	{90206, "The mini program is not linked to this corp: link it in the admin console, and call jscode2session with the token of the WeCom app bound to it (the corp's corpid, not the mini program appid)."},
	{42013, "The mini program user is not logged in or the session expired: call wx.qy.login again."},

	// Contacts.
	{40003, "Invalid UserID: 1–64 characters from letters, digits, '-', '_' and '.', for a member who exists (people who left disappear). Third-party apps see encrypted userids. A POST-only API called with GET also reports this."},
	{40031, "Some UserID in the list is invalid: check each one exists and is in the app's visible range."},
	{46004, "The user does not exist: check the UserID (case, a member who left or was deleted)."},
	{60111, "The UserID does not exist for this app: the member left, was deleted, or is outside the visible range; third-party apps must use the encrypted userid."},
	{60102, "The UserID is taken: choose another, or update the existing member."},
	{60103, "The mobile number is invalid: check its format (digits, with a country code where needed)."},
	{60104, "The mobile number is already used by another member of this corp: numbers must be unique."},
	{60003, "The department id does not exist: list departments first and use an existing id."},
	{60123, "Invalid department id: it must exist and be visible to the app."},
	{60124, "Invalid parent department id: create the parent first."},
	{60010, "The department tree would contain a cycle: a department cannot be moved under its own child."},
	{81013, "Every recipient (users, departments, tags) is invalid or outside the app's visible range: they may have been deleted or removed from the range."},
	{82001, "touser, toparty and totag are all empty: give at least one valid recipient."},
	{40096, "Invalid external_userid: use ids obtained by your own app, for customers of a follower inside the app's visible range."},
	{84061, "No external-contact relationship: the customer is no longer on this member's customer list."},
	{84074, "The app has no customer-contact (客户联系) permission: grant it, or use the customer-contact secret."},

	// Messages and groups.
	{44004, "The text message content is empty: send a non-empty content."},
	{45002, "The message is too large: shorten it, or split it into several messages."},
	{81011, "The app may only use tags it created (contact apps may use the super admin's tags)."},
	{86001, "The chatid is invalid: use the chatid returned when the group chat was created."},
	{86003, "The chatid does not exist: the group chat was dissolved or created by another app."},
	{86008, "This group chat was not created by this app: an app may only manage the chats it created."},
	{93000, "The group robot webhook URL is invalid, or the robot was removed from the group: copy the webhook URL again from the group's robot settings."},

	// Media and parameters.
	{40004, "The media file type is not accepted: check the allowed types for that upload."},
	{40007, "The media_id is invalid: use one from the right upload API; temporary media expire after 3 days."},
	{40033, "The request contains illegal characters: send UTF-8 and escape JSON properly."},
	{40035, "A parameter value is invalid: compare every field with the API documentation."},
	{40058, "A parameter is invalid: the body must be valid JSON, fields within length limits, required fields present, and POST APIs called with POST."},
	{40063, "A required parameter is empty."},
	{40057, "The callback URL is invalid or failed verification: it must answer the GET check within 1 second with the decrypted echostr (no quotes, BOM or newline)."},
	{43004, "The user has not bound WeChat or does not follow the WeChat plugin."},
	{45001, "The media file is too large for this API."},
	{2000002, "The CorpId does not exist: check it in 我的企业 → 企业信息."},
}
