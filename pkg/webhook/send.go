package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/clock"
	"github.com/wwcli/wwcli/pkg/msgspec"
	"github.com/wwcli/wwcli/pkg/pacer"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// WeCom's robot limit (DOC 99110): 20 messages a minute per robot.
const (
	DefaultLimit  = 20
	DefaultWindow = time.Minute
	// DefaultWait bounds how long a send waits for the limit (--wait).
	DefaultWait = 2 * time.Minute
)

// Endpoints.
const (
	SendPath   = "/cgi-bin/webhook/send"
	UploadPath = "/cgi-bin/webhook/upload_media"
)

// Sender posts to one robot.
type Sender struct {
	Client *wecom.Client
	Key    string
	// Pacer spaces sends across processes; nil sends at once.
	Pacer  *pacer.Pacer
	Target string        // the pacer's name for this robot (KeyID)
	Wait   time.Duration // the most a send may wait for the limit, 45009 included
	// Notify tells people about waits (one line, no trailing newline).
	Notify func(string)
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
}

// RateLimitError: the robot's limit was not lifted within --wait.
type RateLimitError struct {
	Waited time.Duration
	Wait   time.Duration
	Err    error // WeCom's 45009, or nil when the pacer saw no free slot in time
}

func (e *RateLimitError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("not sent: the robot still answered 45009 (rate limit, 20 messages a minute) after waiting %s; raise --wait (now %s) or send less often",
			e.Waited.Round(time.Second), e.Wait)
	}
	return fmt.Sprintf("not sent: the robot's limit leaves no free slot within --wait %s (other wwcli processes are sending to it); raise --wait or send less often", e.Wait)
}

func (e *RateLimitError) Unwrap() error { return e.Err }

// Explain is what is printed: the reason and the fix, not the generic text
// of errcode 45009 (which is about tokens and debug=1).
func (e *RateLimitError) Explain() string { return e.Error() }

// ExitCode: a rate limit is WeCom's refusal: 3.
func (e *RateLimitError) ExitCode() int { return 3 }

// Answer is WeCom's reply to a robot call.
type Answer struct {
	Raw     json.RawMessage
	MediaID string // uploads
}

// Upload sends u to webhook/upload_media and returns the media_id (valid
// 3 days, for this robot only).
func (s *Sender) Upload(ctx context.Context, u *Upload) (Answer, error) {
	req, err := wecom.UploadRequest(UploadPath, url.Values{"key": {s.Key}, "type": {u.Type}}, u.File)
	if err != nil {
		return Answer{}, err
	}
	var out struct {
		MediaID string `json:"media_id"`
	}
	raw, err := s.Client.Do(ctx, req, &out)
	if err != nil {
		return Answer{Raw: raw}, err
	}
	if out.MediaID == "" {
		return Answer{Raw: raw}, fmt.Errorf("%s answered without a media_id", UploadPath)
	}
	return Answer{Raw: raw, MediaID: out.MediaID}, nil
}

// Send posts body, paced, and resends it after a 45009 — safe, since WeCom
// refused the first try — until Wait runs out. Any other failure returns at
// once; pkg/wecom never repeats a send that may have arrived.
func (s *Sender) Send(ctx context.Context, body []byte) (Answer, error) {
	start := s.now()
	deadline := start.Add(s.Wait)
	told := false
	for {
		slot, err := s.acquire(ctx, deadline, &told)
		if err != nil {
			return Answer{}, err
		}
		raw, err := s.Client.Do(ctx, wecom.Request{Method: http.MethodPost, Path: SendPath,
			Query: url.Values{"key": {s.Key}}, Body: body}, nil)
		if slot != nil {
			slot.Done()
		}
		if !wecom.IsCode(err, 45009) {
			return Answer{Raw: raw}, err
		}
		hold := DefaultWindow
		if s.Pacer != nil {
			hold = s.Pacer.Window
		}
		if s.now().Add(hold).After(deadline) {
			return Answer{Raw: raw}, &RateLimitError{Waited: s.now().Sub(start), Wait: s.Wait, Err: err}
		}
		told = true // the wait that follows is the one announced here
		s.notify(fmt.Sprintf("warning: the robot refused the message with 45009 (rate limit); sending it again in %s (a refused message was not posted, so it cannot arrive twice)", hold.Round(time.Millisecond)))
		if s.Pacer != nil {
			if herr := s.Pacer.Hold(ctx, s.Target, hold); herr == nil {
				continue // the next Acquire waits out the hold, for every process
			}
		}
		if err := s.sleep(ctx, hold); err != nil {
			return Answer{}, err
		}
	}
}

func (s *Sender) acquire(ctx context.Context, deadline time.Time, told *bool) (*pacer.Slot, error) {
	if s.Pacer == nil {
		return nil, nil
	}
	slot, waited, err := s.Pacer.Acquire(ctx, s.Target, deadline, func(d time.Duration) {
		// Waits of a moment (another process is just finishing) are not news.
		if !*told && d >= time.Second {
			*told = true
			s.notify(fmt.Sprintf("waiting %s for the robot's limit (%d messages per %s, shared by every wwcli on this machine)",
				d.Round(time.Millisecond), s.Pacer.Limit, s.Pacer.Window))
		}
	})
	var unavailable *pacer.UnavailableError
	var tooLong *pacer.WaitError
	switch {
	case errors.As(err, &unavailable):
		s.Pacer = nil
		s.notify(fmt.Sprintf("warning: %v; sending without pacing", err))
		return nil, nil
	case errors.As(err, &tooLong):
		return nil, &RateLimitError{Waited: waited, Wait: s.Wait}
	}
	return slot, err
}

func (s *Sender) notify(msg string) {
	if s.Notify != nil {
		s.Notify(msg)
	}
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	return clock.Sleep(ctx, d)
}

// ParseRate reads --rate N/DURATION (e.g. 20/1m, WeCom's limit; 10/1m
// leaves room for another sender; 20/2s matches a sandbox with a short
// window).
func ParseRate(s string) (int, time.Duration, error) {
	n, d, ok := strings.Cut(s, "/")
	count, err := strconv.Atoi(n)
	window, derr := time.ParseDuration(d)
	if !ok || err != nil || derr != nil || count < 1 || window < 10*time.Millisecond {
		return 0, 0, msgspec.Errorf("--rate %q: use MESSAGES/DURATION, e.g. 20/1m (WeCom's limit per robot)", s)
	}
	return count, window, nil
}
