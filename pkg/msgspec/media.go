package msgspec

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
)

// Media types as WeCom's upload endpoints name them.
const (
	Image = "image"
	Voice = "voice"
	Video = "video"
	File  = "file"
)

// Formats recognised by their first bytes.
const (
	FormatJPEG = "JPG"
	FormatPNG  = "PNG"
	FormatAMR  = "AMR"
	FormatMP4  = "MP4"
)

// Sniff names the format of data from its magic bytes ("" = unknown).
func Sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return FormatJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case bytes.HasPrefix(data, []byte("#!AMR")):
		return FormatAMR
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		return FormatMP4
	}
	return ""
}

// Rule is what one destination accepts for one media type.
type Rule struct {
	What    string   // for messages: "robot images"
	Min     int64    // smallest size in bytes (WeCom: "more than 5 bytes")
	Max     int64    // largest size in bytes
	Formats []string // accepted formats; empty = any
	MaxAMR  time.Duration
}

// WeCom's limits (reference §1.2, §1.3, §3.1, §3.2).
var (
	RobotImage = Rule{What: "robot images", Min: 1, Max: 2 << 20, Formats: []string{FormatJPEG, FormatPNG}}
	RobotFile  = Rule{What: "robot files", Min: 6, Max: 20 << 20}
	RobotVoice = Rule{What: "robot voice messages", Min: 6, Max: 2 << 20, Formats: []string{FormatAMR}, MaxAMR: 60 * time.Second}

	AppImage = Rule{What: "images (media/upload)", Min: 6, Max: 10 << 20, Formats: []string{FormatJPEG, FormatPNG}}
	AppVoice = Rule{What: "voice (media/upload)", Min: 6, Max: 2 << 20, Formats: []string{FormatAMR}, MaxAMR: 60 * time.Second}
	AppVideo = Rule{What: "video (media/upload)", Min: 6, Max: 10 << 20, Formats: []string{FormatMP4}}
	AppFile  = Rule{What: "files (media/upload)", Min: 6, Max: 20 << 20}
	// Permanent images for articles (media/uploadimg).
	PermanentImage = Rule{What: "permanent images (media/uploadimg)", Min: 5, Max: 2 << 20, Formats: []string{FormatJPEG, FormatPNG}}
)

// AppRule is the media/upload rule for typ.
func AppRule(typ string) (Rule, bool) {
	switch typ {
	case Image:
		return AppImage, true
	case Voice:
		return AppVoice, true
	case Video:
		return AppVideo, true
	case File:
		return AppFile, true
	}
	return Rule{}, false
}

// GuessType picks the media/upload type for a file from its content:
// JPG/PNG image, AMR voice, MP4 video, anything else a file.
func GuessType(data []byte) string {
	switch Sniff(data) {
	case FormatJPEG, FormatPNG:
		return Image
	case FormatAMR:
		return Voice
	case FormatMP4:
		return Video
	}
	return File
}

// ReadFile reads path for upload under rule: a regular file, size within
// the rule (checked before reading), format by magic bytes. flag names
// the flag or argument in messages.
func ReadFile(flag, path string, rule Rule) ([]byte, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, Errorf("%s %s: no such file", flag, path)
	case err != nil:
		return nil, Errorf("%s %s: %v", flag, path, err)
	case !st.Mode().IsRegular():
		return nil, Errorf("%s %s: not a regular file", flag, path)
	case st.Size() > rule.Max:
		return nil, Errorf("%s %s is %s, %s over WeCom's limit of %s for %s", flag, path,
			Size(st.Size()), Size(st.Size()-rule.Max), Size(rule.Max), rule.What)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errorf("%s %s: %v", flag, path, err)
	}
	return data, Check(flag, path, data, rule)
}

// Check applies rule to data already in memory.
func Check(flag, name string, data []byte, rule Rule) error {
	n := int64(len(data))
	if n > rule.Max {
		return Errorf("%s %s is %s, %s over WeCom's limit of %s for %s", flag, name, Size(n), Size(n-rule.Max), Size(rule.Max), rule.What)
	}
	if n < rule.Min {
		return Errorf("%s %s is %d bytes; WeCom wants at least %d bytes for %s", flag, name, n, rule.Min, rule.What)
	}
	if len(rule.Formats) > 0 {
		format := Sniff(data)
		ok := false
		for _, f := range rule.Formats {
			ok = ok || f == format
		}
		if !ok {
			found := "an unknown format"
			if format != "" {
				found = format
			}
			return Errorf("%s %s is %s (by its first bytes); WeCom takes only %s for %s", flag, name, found,
				strings.Join(rule.Formats, " or "), rule.What)
		}
	}
	if rule.MaxAMR > 0 {
		d, ok := AMRDuration(data)
		if !ok {
			return Errorf("%s %s: not a readable AMR file (WeCom voice must be AMR)", flag, name)
		}
		if d > rule.MaxAMR {
			return Errorf("%s %s lasts %s; WeCom allows at most %s for %s", flag, name, d.Round(10*time.Millisecond), rule.MaxAMR, rule.What)
		}
	}
	return nil
}

// AMR frame sizes (without the 1-byte header) by frame type; 0 = invalid.
// Every frame is 20 ms.
var (
	amrNBFrame = [16]int{12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0}
	amrWBFrame = [16]int{17, 23, 32, 36, 40, 46, 50, 58, 60, 5, 0, 0, 0, 0, 0, 0}
)

// AMRDuration counts the frames of an AMR-NB or AMR-WB file (RFC 4867
// storage format) to get its length.
func AMRDuration(data []byte) (time.Duration, bool) {
	sizes := amrNBFrame
	switch {
	case bytes.HasPrefix(data, []byte("#!AMR-WB\n")):
		sizes, data = amrWBFrame, data[9:]
	case bytes.HasPrefix(data, []byte("#!AMR\n")):
		data = data[6:]
	default:
		return 0, false
	}
	frames := 0
	for len(data) > 0 {
		ft := (data[0] >> 3) & 0x0F
		size := sizes[ft]
		if ft == 15 { // NO_DATA frame: header only
			size = 0
		} else if size == 0 {
			return 0, false
		}
		if len(data) < 1+size {
			break // a cut last frame still plays up to there
		}
		data = data[1+size:]
		frames++
	}
	return time.Duration(frames) * 20 * time.Millisecond, true
}

// Size formats a byte count for people: 512 bytes, 1.5 KB, 2.0 MB.
func Size(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
