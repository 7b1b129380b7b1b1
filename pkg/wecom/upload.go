package wecom

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// File is one file to upload as WeCom's media upload endpoints want it
// (webhook/upload_media, media/upload, media/uploadimg): a multipart form
// with the field "media", whose part headers carry filename (the name
// receivers see), filelength and content-type.
type File struct {
	Name        string // shown to receivers; path separators are not stripped here
	ContentType string // "" = sniffed from the content
	Data        []byte
}

// UploadField is the multipart field name WeCom reads the file from.
const UploadField = "media"

// Multipart encodes f as a multipart/form-data body and returns it with
// its Content-Type (which carries the boundary).
func Multipart(f File) (body []byte, contentType string, err error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	ct := f.ContentType
	if ct == "" {
		ct = http.DetectContentType(f.Data)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="%s"; filelength=%d`,
		UploadField, quoteFilename(f.Name), len(f.Data)))
	h.Set("Content-Type", ct)
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(f.Data); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// quoteFilename escapes a name for a quoted header parameter. UTF-8 stays
// as is (WeCom shows Chinese file names as sent); line breaks, which
// would end the header, become spaces.
func quoteFilename(name string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", " ", "\n", " ").Replace(name)
}

// UploadRequest builds the POST that uploads f to path (e.g.
// /cgi-bin/webhook/upload_media) with query (key or type; the session adds
// access_token). Like every POST it is only repeated when it never left.
func UploadRequest(path string, query url.Values, f File) (Request, error) {
	body, ct, err := Multipart(f)
	if err != nil {
		return Request{}, fmt.Errorf("encoding the upload of %s: %w", f.Name, err)
	}
	return Request{Method: http.MethodPost, Path: path, Query: query, Body: body, ContentType: ct}, nil
}
