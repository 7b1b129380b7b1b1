package wecom

import (
	"context"
	"net/http"
	"net/url"
)

// Agent is the answer of /cgi-bin/agent/get: an app's settings. WeCom
// answers it only for the app whose secret made the access_token (301002
// for any other app, 40056 for an agentid that does not exist).
type Agent struct {
	AgentID        int64  `json:"agentid"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	SquareLogoURL  string `json:"square_logo_url"`
	RedirectDomain string `json:"redirect_domain"` // the trusted domain for OAuth and JS-SDK
	HomeURL        string `json:"home_url"`
	Close          int    `json:"close"` // 1: the app is disabled
	AllowUsers     struct {
		User []struct {
			UserID string `json:"userid"`
		} `json:"user"`
	} `json:"allow_userinfos"`
	AllowParties struct {
		PartyID []int64 `json:"partyid"`
	} `json:"allow_partys"`
	AllowTags struct {
		TagID []int64 `json:"tagid"`
	} `json:"allow_tags"`
}

// GetAgent reads the app agentID with accessToken.
func (c *Client) GetAgent(ctx context.Context, accessToken, agentID string) (Agent, error) {
	var a Agent
	_, err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/cgi-bin/agent/get",
		Query: url.Values{"access_token": {accessToken}, "agentid": {agentID}}}, &a)
	return a, err
}
