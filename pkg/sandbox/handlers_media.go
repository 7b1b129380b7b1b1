package sandbox

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"
)

// Media (reference §3): media/upload, media/uploadimg, media/get, and the
// store behind them and webhook/upload_media.

const (
	maxUploadBody = 21 << 20 // the largest upload (20 MB) plus the multipart envelope
	mediaTTL      = 72 * time.Hour
	// mediaBudget bounds the bytes the store keeps; the oldest go first.
	mediaBudget = 256 << 20
)

type mediaItem struct {
	id          string
	typ         string // image, voice, video, file; "permanent" for uploadimg
	name        string
	contentType string
	data        []byte
	corp        string // media/upload: shared by the apps of one corp
	robot       string // webhook/upload_media: usable by that robot only
	created     time.Time
	expires     time.Time // zero = permanent
}

type mediaState struct {
	media      map[string]*mediaItem
	mediaOrder []string
	mediaBytes int
	mediaSeq   int
}

func (s *Server) resetMedia() {
	s.media = map[string]*mediaItem{}
	s.mediaOrder = nil
	s.mediaBytes = 0
	s.mediaSeq = 0
}

// uploadRule is what an upload type accepts.
type uploadRule struct {
	max     int
	formats []string // by magic bytes; empty = any
	tooBig  *apiError
}

var (
	robotUploadRules = map[string]uploadRule{
		"file":  {max: 20 << 20, tooBig: errMediaTooBig},
		"voice": {max: 2 << 20, formats: []string{"amr"}, tooBig: errMediaTooBig},
	}
	appUploadRules = map[string]uploadRule{
		"image": {max: 10 << 20, formats: []string{"jpg", "png"}, tooBig: errImageSize},
		"voice": {max: 2 << 20, formats: []string{"amr"}, tooBig: errMediaTooBig},
		"video": {max: 10 << 20, formats: []string{"mp4"}, tooBig: errf(40011, "invalid video size")},
		"file":  {max: 20 << 20, tooBig: errMediaTooBig},
	}
	permanentImageRule = uploadRule{max: 2 << 20, formats: []string{"jpg", "png"}, tooBig: errImageSize}
)

func checkUpload(typ string, data []byte, rules map[string]uploadRule) *apiError {
	rule, ok := rules[typ]
	if !ok {
		return errUploadType
	}
	return rule.check(data, typ == "voice")
}

func (rule uploadRule) check(data []byte, voice bool) *apiError {
	switch {
	case len(data) == 0:
		return errEmptyMedia
	case len(data) <= 5:
		return errFileSize
	case len(data) > rule.max:
		return rule.tooBig
	}
	if len(rule.formats) > 0 {
		f := fileFormat(data)
		ok := false
		for _, want := range rule.formats {
			ok = ok || f == want
		}
		if !ok {
			return errMediaType
		}
	}
	if voice && amrSeconds(data) > 60 {
		return errVoiceTooLong
	}
	return nil
}

// fileFormat recognises the formats WeCom checks by their first bytes.
func fileFormat(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "jpg"
	case bytes.HasPrefix(b, []byte{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}):
		return "png"
	case bytes.HasPrefix(b, []byte("#!AMR")):
		return "amr"
	case len(b) > 11 && bytes.Equal(b[4:8], []byte("ftyp")):
		return "mp4"
	}
	return ""
}

// amrSeconds is the play time of an AMR-NB/WB file: 20 ms per frame.
func amrSeconds(b []byte) float64 {
	nb := []int{12, 13, 15, 17, 19, 20, 26, 31, 5, -1, -1, -1, -1, -1, -1, 0}
	wb := []int{17, 23, 32, 36, 40, 46, 50, 58, 60, 5, -1, -1, -1, -1, -1, 0}
	sizes := nb
	if bytes.HasPrefix(b, []byte("#!AMR-WB\n")) {
		sizes, b = wb, b[9:]
	} else if bytes.HasPrefix(b, []byte("#!AMR\n")) {
		b = b[6:]
	} else {
		return 0
	}
	frames := 0
	for len(b) > 0 {
		size := sizes[(b[0]>>3)&0x0F]
		if size < 0 || len(b) < 1+size {
			break
		}
		b = b[1+size:]
		frames++
	}
	return float64(frames) * 0.02
}

type uploaded struct {
	name        string
	contentType string
	data        []byte
}

// uploadedFile reads the multipart field "media" as WeCom does.
func (c *call) uploadedFile() (*uploaded, *apiError) {
	if len(c.body) >= maxUploadBody {
		return nil, errMediaTooBig
	}
	_, params, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, errEmptyMedia
	}
	mr := multipart.NewReader(bytes.NewReader(c.body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, errEmptyMedia
		}
		if p.FormName() != "media" {
			continue
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, errEmptyMedia
		}
		name := p.FileName()
		if name == "" {
			name = "media"
		}
		return &uploaded{name: name, contentType: p.Header.Get("Content-Type"), data: data}, nil
	}
}

func (s *Server) storeMedia(typ string, f *uploaded, now time.Time, corp, robot string) *mediaItem {
	s.mediaSeq++
	m := &mediaItem{id: fmt.Sprintf("sandbox_media_%d_%s", s.mediaSeq, randomString(12)), typ: typ, name: f.name,
		contentType: f.contentType, data: f.data, corp: corp, robot: robot, created: now}
	if typ != "permanent" {
		m.expires = now.Add(mediaTTL)
	}
	s.media[m.id] = m
	s.mediaOrder = append(s.mediaOrder, m.id)
	s.mediaBytes += len(f.data)
	for len(s.mediaOrder) > 1 && s.mediaBytes > mediaBudget {
		old := s.media[s.mediaOrder[0]]
		s.mediaBytes -= len(old.data)
		delete(s.media, old.id)
		s.mediaOrder = s.mediaOrder[1:]
	}
	return m
}

// appMedia returns a media/upload item usable by the caller's corp now.
func (s *Server) appMedia(c *call, id string) *mediaItem {
	m := s.media[id]
	if m == nil || m.corp != c.tok.corp.CorpID || m.typ == "permanent" || !c.now.Before(m.expires) {
		return nil
	}
	return m
}

func (s *Server) mediaUpload(c *call) (object, *apiError) {
	typ := c.q.Get("type")
	if _, ok := appUploadRules[typ]; !ok {
		return nil, errUploadType
	}
	f, e := c.uploadedFile()
	if e != nil {
		return nil, e
	}
	if e := checkUpload(typ, f.data, appUploadRules); e != nil {
		return nil, e
	}
	m := s.storeMedia(typ, f, c.now, c.tok.corp.CorpID, "")
	c.emptyErrMsg = true // as in WeCom's example answer
	return object{{"type", typ}, {"media_id", m.id}, {"created_at", fmt.Sprint(c.now.Unix())}}, nil
}

func (s *Server) mediaUploadImg(c *call) (object, *apiError) {
	f, e := c.uploadedFile()
	if e != nil {
		return nil, e
	}
	if e := permanentImageRule.check(f.data, false); e != nil {
		return nil, e
	}
	m := s.storeMedia("permanent", f, c.now, c.tok.corp.CorpID, "")
	c.emptyErrMsg = true
	return object{{"url", "http://" + c.r.Host + "/_sandbox/images/" + m.id}}, nil
}

// download is a raw answer (media/get): bytes, not JSON.
type download struct {
	name        string
	contentType string
	data        []byte
	modified    time.Time
}

// serve writes the file; http.ServeContent answers Range requests with
// 206 Partial Content as WeCom does.
func (d *download) serve(w http.ResponseWriter, r *http.Request) {
	ct := d.contentType
	if ct == "" {
		ct = http.DetectContentType(d.data)
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.name}))
	http.ServeContent(w, r, "", d.modified, bytes.NewReader(d.data))
}

func (s *Server) mediaGet(c *call) (object, *apiError) {
	id := c.q.Get("media_id")
	if id == "" {
		return nil, errMissingMedia
	}
	m := s.appMedia(c, id)
	if m == nil {
		return nil, errMediaID
	}
	c.download = &download{name: m.name, contentType: m.contentType, data: m.data, modified: m.created}
	return nil, nil
}

// PermanentImage returns an uploadimg image by id (for /_sandbox/images/ID).
func (s *Server) permanentImage(id string) *download {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[id]
	if m == nil || m.typ != "permanent" {
		return nil
	}
	return &download{name: m.name, contentType: m.contentType, data: m.data, modified: m.created}
}
