package msgspec

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
)

// Article is one item of a news message.
type Article struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	PicURL      string `json:"picurl,omitempty"`
	AppID       string `json:"appid,omitempty"`    // app messages only: mini program
	PagePath    string `json:"pagepath,omitempty"` // app messages only
}

// MaxArticles is the most a news message may carry.
const MaxArticles = 8

// NewsRules differ between robots (url required, no mini programs) and
// apps (url or appid+pagepath).
type NewsRules struct {
	MiniProgram bool // appid/pagepath allowed, url optional then
}

// ParseArticles reads --news values: each is "@FILE" (JSON: an article, a
// list of them, or {"articles":[...]}) or comma-separated key=value pairs
// (title=..., url=..., description=..., picurl=...; quote a pair that holds
// a comma: "description=a, b").
func ParseArticles(flag string, values []string, rules NewsRules) ([]Article, error) {
	var out []Article
	for _, v := range values {
		if strings.HasPrefix(v, "@") {
			list, err := articlesFromFile(flag, v[1:])
			if err != nil {
				return nil, err
			}
			out = append(out, list...)
			continue
		}
		a, err := articleFromPairs(flag, v, rules)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, CheckArticles(flag, out, rules)
}

func articleFromPairs(flag, v string, rules NewsRules) (Article, error) {
	r := csv.NewReader(strings.NewReader(v))
	r.LazyQuotes = true
	fields, err := r.Read()
	if err != nil {
		return Article{}, Errorf("%s %q: %v; use title=...,url=...", flag, v, err)
	}
	var a Article
	for _, kv := range fields {
		k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return Article{}, Errorf("%s: %q is not key=value; use title=...,url=...,description=...,picurl=...", flag, kv)
		}
		k = strings.ToLower(k)
		switch k {
		case "title":
			a.Title = val
		case "url":
			a.URL = val
		case "description", "desc":
			a.Description = val
		case "picurl":
			a.PicURL = val
		case "appid", "pagepath":
			if !rules.MiniProgram {
				return Article{}, Errorf("%s: %s is for app messages; robot news takes title, url, description, picurl", flag, k)
			}
			if k == "appid" {
				a.AppID = val
			} else {
				a.PagePath = val
			}
		default:
			return Article{}, Errorf("%s: unknown key %q; use title, url, description, picurl", flag, k)
		}
	}
	return a, nil
}

func articlesFromFile(flag, path string) ([]Article, error) {
	data, err := readCapped(path, maxTextInput)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Errorf("%s @%s: no such file", flag, path)
	}
	if err != nil {
		return nil, Errorf("%s @%s: %v", flag, path, err)
	}
	data = bytes.TrimSpace(data)
	dec := func(v any) error {
		d := json.NewDecoder(bytes.NewReader(data))
		d.DisallowUnknownFields()
		return d.Decode(v)
	}
	var list []Article
	switch {
	case bytes.HasPrefix(data, []byte("[")):
		err = dec(&list)
	case bytes.Contains(data, []byte(`"articles"`)):
		var wrap struct {
			Articles []Article `json:"articles"`
		}
		err = dec(&wrap)
		list = wrap.Articles
	default:
		var a Article
		err = dec(&a)
		list = []Article{a}
	}
	if err != nil {
		return nil, Errorf("%s @%s: not a news JSON file (%v); want [{\"title\":...,\"url\":...}] or {\"articles\":[...]}", flag, path, err)
	}
	return list, nil
}

// CheckArticles applies WeCom's rules for news articles.
func CheckArticles(flag string, list []Article, rules NewsRules) error {
	if len(list) == 0 {
		return Errorf("%s: a news message needs 1 to %d articles", flag, MaxArticles)
	}
	if len(list) > MaxArticles {
		return Errorf("%s: %d articles, %d over WeCom's limit of %d per news message", flag, len(list), len(list)-MaxArticles, MaxArticles)
	}
	for i, a := range list {
		n := i + 1
		switch {
		case strings.TrimSpace(a.Title) == "":
			return Errorf("%s: article %d has no title", flag, n)
		case !rules.MiniProgram && a.URL == "":
			return Errorf("%s: article %d has no url (robot news needs one)", flag, n)
		case rules.MiniProgram && a.URL == "" && (a.AppID == "" || a.PagePath == ""):
			return Errorf("%s: article %d needs a url, or appid and pagepath together", flag, n)
		case rules.MiniProgram && (a.AppID == "") != (a.PagePath == ""):
			return Errorf("%s: article %d: appid and pagepath go together", flag, n)
		case len(a.URL) > 2048 || len(a.PicURL) > 2048:
			return Errorf("%s: article %d: url and picurl may be at most 2048 bytes", flag, n)
		}
		for _, u := range []string{a.URL, a.PicURL} {
			if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return Errorf("%s: article %d: %q is not an http(s) URL", flag, n, u)
			}
		}
	}
	return nil
}
