package wecom

import (
	"context"
	"net/http"
	"net/url"
)

// Token is an access_token answer from /cgi-bin/gettoken.
type Token struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// GetToken exchanges a corp id and an app secret for an access_token.
func (c *Client) GetToken(ctx context.Context, corpID, secret string) (Token, error) {
	var t Token
	_, err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/cgi-bin/gettoken",
		Query: url.Values{"corpid": {corpID}, "corpsecret": {secret}}}, &t)
	return t, err
}

// TicketKind selects the corp ticket (wx.config / getConfigSignature) or the
// app ticket (wx.agentConfig / getAgentConfigSignature).
type TicketKind string

const (
	CorpTicket  TicketKind = "corp"
	AgentTicket TicketKind = "agent"
)

// Ticket is a jsapi_ticket answer.
type Ticket struct {
	Ticket    string `json:"ticket"`
	ExpiresIn int    `json:"expires_in"`
}

// GetTicket fetches a jsapi_ticket of kind with accessToken.
func (c *Client) GetTicket(ctx context.Context, accessToken string, kind TicketKind) (Ticket, error) {
	req := Request{Method: http.MethodGet, Path: "/cgi-bin/get_jsapi_ticket", Query: url.Values{"access_token": {accessToken}}}
	if kind == AgentTicket {
		req.Path = "/cgi-bin/ticket/get"
		req.Query.Set("type", "agent_config")
	}
	var t Ticket
	_, err := c.Do(ctx, req, &t)
	return t, err
}
