package sandbox

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Group robots (reference §1): webhook/send and webhook/upload_media,
// authenticated by ?key= alone, 20 messages per window per robot.

const (
	robotLimit         = 20
	defaultRobotWindow = time.Minute
	robotTextMax       = 2048
	robotMarkdownMax   = 4096
	robotImageMax      = 2 << 20
	maxRobotBody       = 4 << 20 // a 2 MB image is 2.7 MB of base64
	// robotBodyBudget bounds the bytes kept of received robot messages
	// (images are up to 2.7 MB each); the oldest go first.
	robotBodyBudget = 64 << 20
)

var (
	errRobotKey     = errf(93000, "invalid webhook url")     // observed
	errMD5Mismatch  = errf(301019, "media md5 not match")    // observed
	errImageSize    = errf(40009, "invalid image size")      // sandbox wording
	errMediaType    = errf(40004, "invalid media type")      // sandbox wording
	errUploadType   = errf(40005, "invalid type")            // sandbox wording
	errFileSize     = errf(40006, "invalid file size")       // sandbox wording
	errMediaID      = errf(40007, "invalid media_id")        // documented
	errEmptyMedia   = errf(44001, "empty media data")        // sandbox wording
	errMediaTooBig  = errf(45001, "media size out of limit") // sandbox wording
	errVoiceTooLong = errf(45007, "voice playtime out of limit")
	errMissingMedia = errf(41006, "media_id missing") // sandbox wording
)

type robotRef struct {
	*Robot
	corp *corpIndex
}

// RobotMessage is one message a robot accepted.
type RobotMessage struct {
	Robot   string          `json:"robot"` // fixture name
	CorpID  string          `json:"corpid"`
	Time    time.Time       `json:"time"` // sandbox clock
	MsgType string          `json:"msgtype"`
	Body    json.RawMessage `json:"body"` // the request body as sent
}

type robotState struct {
	robotKeys     map[string]*robotRef   // fixtures: key -> robot
	robotWindow   time.Duration          // 20 messages per this window
	robotSends    map[string][]time.Time // robot name -> accepted sends in the window
	robotMessages []RobotMessage
	robotBytes    int
}

func (s *Server) resetRobots() {
	s.robotWindow = defaultRobotWindow
	s.robotSends = map[string][]time.Time{}
	s.robotMessages = nil
	s.robotBytes = 0
}

func validateRobots(list []Robot, at string, seen map[string]bool) error {
	for i, r := range list {
		where := fmt.Sprintf("%s.robots[%d]", at, i)
		if r.Name == "" || strings.Trim(r.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
			return fmt.Errorf("%s.name: %q must be 1 or more of A-Z a-z 0-9 . _ -", where, r.Name)
		}
		if r.Key == "" || len(r.Key) > 128 || strings.Trim(r.Key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
			return fmt.Errorf("%s.key: must be 1-128 of A-Z a-z 0-9 _ - (like 693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa)", where)
		}
		if seen["name:"+r.Name] {
			return fmt.Errorf("%s.name: %q appears twice", where, r.Name)
		}
		if seen["key:"+r.Key] {
			return fmt.Errorf("%s.key: already used by another robot", where)
		}
		seen["name:"+r.Name], seen["key:"+r.Key] = true, true
	}
	return nil
}

func (s *Server) robot(c *call) (*robotRef, *apiError) {
	r := s.robotKeys[c.q.Get("key")]
	if r == nil {
		return nil, errRobotKey
	}
	return r, nil
}

// allowRobot applies the limit: at most 20 accepted messages in any window.
func (s *Server) allowRobot(name string, now time.Time) bool {
	sends := s.robotSends[name][:0]
	for _, t := range s.robotSends[name] {
		if now.Sub(t) < s.robotWindow {
			sends = append(sends, t)
		}
	}
	s.robotSends[name] = sends
	return len(sends) < robotLimit
}

func (s *Server) webhookSend(c *call) (object, *apiError) {
	r, e := s.robot(c)
	if e != nil {
		return nil, e
	}
	if !s.allowRobot(r.Name, c.now) {
		return nil, errFreqLimit
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &env); err != nil || env == nil {
		return nil, errWrongJSON
	}
	var typ string
	_ = json.Unmarshal(env["msgtype"], &typ)
	part := env[typ]
	switch typ {
	case "text", "markdown", "markdown_v2":
		e = checkRobotContent(typ, part)
	case "image":
		e = checkRobotImage(part)
	case "news":
		e = checkRobotNews(part)
	case "file", "voice":
		e = s.checkRobotMedia(r, typ, part, c.now)
	case "template_card":
		e = checkCard(part, []string{"text_notice", "news_notice"})
	default:
		return nil, errInvalidMsgType
	}
	if e != nil {
		return nil, e
	}
	s.robotSends[r.Name] = append(s.robotSends[r.Name], c.now)
	s.robotMessages = append(s.robotMessages, RobotMessage{Robot: r.Name, CorpID: r.corp.CorpID, Time: c.now,
		MsgType: typ, Body: json.RawMessage(slices.Clone(c.body))})
	s.robotBytes += len(c.body)
	for len(s.robotMessages) > 1 && (len(s.robotMessages) > maxMessages || s.robotBytes > robotBodyBudget) {
		s.robotBytes -= len(s.robotMessages[0].Body)
		s.robotMessages = s.robotMessages[1:]
	}
	return object{}, nil
}

func checkRobotContent(typ string, part json.RawMessage) *apiError {
	var v struct {
		Content string   `json:"content"`
		Users   []string `json:"mentioned_list"`
		Mobiles []string `json:"mentioned_mobile_list"`
	}
	if len(part) == 0 || json.Unmarshal(part, &v) != nil {
		return errWrongJSON
	}
	if strings.TrimSpace(v.Content) == "" {
		return errEmptyContent
	}
	limit := robotMarkdownMax
	if typ == "text" {
		limit = robotTextMax
	}
	if len(v.Content) > limit || !utf8.ValidString(v.Content) {
		return errf(40058, fmt.Sprintf("%s.content exceed max length %d. Invalid input invalid Request Parameter", typ, limit))
	}
	if typ != "text" && (len(v.Users) > 0 || len(v.Mobiles) > 0) {
		return errf(40058, typ+" does not take mentioned_list; mention with <@userid> in the content")
	}
	return nil
}

func checkRobotImage(part json.RawMessage) *apiError {
	var v struct {
		Base64 string `json:"base64"`
		MD5    string `json:"md5"`
	}
	if len(part) == 0 || json.Unmarshal(part, &v) != nil || v.Base64 == "" || v.MD5 == "" {
		return errWrongJSON
	}
	data, err := base64.StdEncoding.DecodeString(v.Base64)
	if err != nil {
		return errf(40058, "invalid base64")
	}
	sum := md5.Sum(data)
	if !strings.EqualFold(hex.EncodeToString(sum[:]), v.MD5) {
		return errMD5Mismatch
	}
	if len(data) > robotImageMax {
		return errImageSize
	}
	if f := fileFormat(data); f != "jpg" && f != "png" {
		return errMediaType
	}
	return nil
}

func checkRobotNews(part json.RawMessage) *apiError {
	var v struct {
		Articles []struct {
			Title string `json:"title"`
			URL   string `json:"url"`
		} `json:"articles"`
	}
	if len(part) == 0 || json.Unmarshal(part, &v) != nil {
		return errWrongJSON
	}
	if len(v.Articles) == 0 || len(v.Articles) > 8 {
		return errf(40058, "news.articles must hold 1 to 8 articles")
	}
	for _, a := range v.Articles {
		if strings.TrimSpace(a.Title) == "" {
			return errf(41016, "missing title")
		}
		if a.URL == "" {
			return errf(41010, "missing url")
		}
	}
	return nil
}

func (s *Server) checkRobotMedia(r *robotRef, typ string, part json.RawMessage, now time.Time) *apiError {
	var v struct {
		MediaID string `json:"media_id"`
	}
	if len(part) == 0 || json.Unmarshal(part, &v) != nil {
		return errWrongJSON
	}
	if v.MediaID == "" {
		return errMissingMedia
	}
	m := s.media[v.MediaID]
	// Robot media belong to the robot that uploaded them, live 3 days,
	// and a voice message needs a voice upload.
	if m == nil || m.robot != r.Name || !now.Before(m.expires) || (typ == "voice") != (m.typ == "voice") {
		return errMediaID
	}
	return nil
}

func (s *Server) webhookUpload(c *call) (object, *apiError) {
	r, e := s.robot(c)
	if e != nil {
		return nil, e
	}
	typ := c.q.Get("type")
	if typ != "file" && typ != "voice" {
		return nil, errUploadType
	}
	f, e := c.uploadedFile()
	if e != nil {
		return nil, e
	}
	if e := checkUpload(typ, f.data, robotUploadRules); e != nil {
		return nil, e
	}
	m := s.storeMedia(typ, f, c.now, "", r.Name)
	return object{{"type", typ}, {"media_id", m.id}, {"created_at", fmt.Sprint(c.now.Unix())}}, nil
}

// RobotMessages returns the messages robots accepted, oldest first; name
// "" means every robot.
func (s *Server) RobotMessages(name string) []RobotMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RobotMessage
	for _, m := range s.robotMessages {
		if name == "" || m.Robot == name {
			out = append(out, m)
		}
	}
	return out
}

// SetRobotWindow sets the window of the 20-messages limit (default one
// minute): a short one lets a test of pacing run in seconds.
func (s *Server) SetRobotWindow(d time.Duration) error {
	if d < 10*time.Millisecond || d > time.Hour {
		return fmt.Errorf("robot window %s: use 10ms to 1h", d)
	}
	s.mu.Lock()
	s.robotWindow = d
	s.mu.Unlock()
	return nil
}

// robotsInfo lists the robots with every message each received (only
// the robot named, when name is set), and the limit.
func (s *Server) robotsInfo(name string) object {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []object{}
	for _, c := range s.fx.Corps {
		for _, r := range c.Robots {
			if name != "" && r.Name != name {
				continue
			}
			msgs := []RobotMessage{}
			for _, m := range s.robotMessages {
				if m.Robot == r.Name {
					msgs = append(msgs, m)
				}
			}
			list = append(list, object{{"name", r.Name}, {"corpid", c.CorpID}, {"messages", msgs}})
		}
	}
	return object{{"robots", list}, {"limit", robotLimit}, {"window", s.robotWindow.String()}}
}
