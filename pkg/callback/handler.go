package callback

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// DefaultMaxBody bounds a POST body. WeCom messages are a few KiB; the
// bound keeps a hostile client from filling memory.
const DefaultMaxBody = 1 << 20

// Message is one verified, decrypted callback delivered by Handler.
type Message struct {
	Received   time.Time
	Format     Format
	ToUserName string
	AgentID    string
	ReceiveID  string
	Plaintext  []byte
	// MsgSignature is the verified msg_signature: equal ones are the same
	// message (a retry or a replay), as it covers timestamp, nonce and body.
	MsgSignature string
}

// Handler serves a WeCom callback URL: GET answers URL verification with
// the bare plaintext echo, POST verifies and decrypts a message. It never
// panics on bad input; every rejection is reported to OnFailure and
// answered with 400 (405 for other methods).
type Handler struct {
	Crypter *Crypter
	MaxBody int64            // 0 = DefaultMaxBody
	Now     func() time.Time // nil = time.Now

	// OnVerify is called after a successful GET verification.
	OnVerify func(r *http.Request, echo []byte)
	// OnMessage receives each message. A non-empty reply is sent back as
	// an encrypted passive reply; an empty one answers 200 with an empty
	// body ("no passive reply"). An error answers 502.
	OnMessage func(ctx context.Context, m *Message) (reply []byte, err error)
	// OnFailure is told about every rejected request.
	OnFailure func(r *http.Request, status int, err error)
	// ReadBody, when set, reads a POST body of at most limit bytes in
	// place of the handler's own io.ReadAll: a server passes its memory
	// budget here, so the body is held once and counted. It returns the
	// body and a release to call once the answer is written, or answers
	// the request itself (and tells OnFailure) and returns ok false.
	ReadBody func(w http.ResponseWriter, r *http.Request, limit int64) (body []byte, release func(), ok bool)
}

// TooLarge is the -40008 error of a body over limit bytes.
func TooLarge(limit int64) *Error {
	return errorf(CodeIllegalBuffer, "body larger than %d bytes", limit)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if h.OnFailure != nil {
		h.OnFailure(r, status, err)
	}
	// The reason goes to our log, not to the caller: an attacker learns nothing.
	http.Error(w, http.StatusText(status), status)
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query() // values are URL-decoded here, as WeCom requires
	p := Params{MsgSignature: q.Get("msg_signature"), Timestamp: q.Get("timestamp"), Nonce: q.Get("nonce")}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.verify(w, r, p, q.Get("echostr"))
	case http.MethodPost:
		h.message(w, r, p)
	default:
		w.Header().Set("Allow", "GET, POST")
		h.fail(w, r, http.StatusMethodNotAllowed, errors.New("method "+r.Method+" not allowed; WeCom sends GET (verification) and POST (messages)"))
	}
}

func (h *Handler) verify(w http.ResponseWriter, r *http.Request, p Params, echostr string) {
	if echostr == "" || !p.Complete() {
		h.fail(w, r, http.StatusBadRequest, errorf(CodeValidateSignature, "GET without msg_signature, timestamp, nonce and echostr: not a WeCom URL verification"))
		return
	}
	echo, err := h.Crypter.VerifyURL(p.MsgSignature, p.Timestamp, p.Nonce, echostr)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	// The bare plaintext: no quotes, no BOM, no newline.
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(echo)
	}
	if h.OnVerify != nil {
		h.OnVerify(r, echo)
	}
}

func (h *Handler) message(w http.ResponseWriter, r *http.Request, p Params) {
	if !p.Complete() {
		h.fail(w, r, http.StatusBadRequest, errorf(CodeValidateSignature, "POST without msg_signature, timestamp and nonce in the query"))
		return
	}
	limit := h.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	var body []byte
	if h.ReadBody != nil {
		b, release, ok := h.ReadBody(w, r, limit)
		if !ok {
			return
		}
		defer release()
		body = b
	} else {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				h.fail(w, r, http.StatusBadRequest, TooLarge(limit))
				return
			}
			h.fail(w, r, http.StatusBadRequest, errorf(CodeParse, "cannot read the body: %v", err))
			return
		}
		body = b
	}
	opened, err := h.Crypter.Open(body, p)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	m := &Message{
		Received:   h.now(),
		Format:     opened.Envelope.Format,
		ToUserName: opened.Envelope.ToUserName,
		AgentID:    opened.Envelope.AgentID,
		ReceiveID:  opened.Plaintext.ReceiveID,
		Plaintext:  opened.Plaintext.Message,

		MsgSignature: p.MsgSignature,
	}
	var reply []byte
	if h.OnMessage != nil {
		reply, err = h.OnMessage(r.Context(), m)
		if err != nil {
			h.fail(w, r, http.StatusBadGateway, err)
			return
		}
	}
	if len(reply) == 0 {
		w.WriteHeader(http.StatusOK) // empty body: no passive reply, stops retries
		return
	}
	out, err := h.Crypter.Reply(m.Format, reply, m.ReceiveID, h.now())
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	if m.Format == FormatJSON {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	}
	_, _ = w.Write(out)
}
