package msgspec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Template card types. Robots take the two notice cards; apps all five.
var (
	RobotCardTypes = []string{"text_notice", "news_notice"}
	AppCardTypes   = []string{"text_notice", "news_notice", "button_interaction", "vote_interaction", "multiple_interaction"}
)

// ReadCard reads a template card from a JSON file ("-" = stdin is read by
// the caller and passed as data): the card object itself, or a whole body
// {"msgtype":"template_card","template_card":{...}}. It checks the fields
// WeCom requires (errcodes 42027-42051) and returns the card.
func ReadCard(flag string, data []byte, types []string) (json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if !json.Valid(data) {
		return nil, Errorf("%s: not valid JSON", flag)
	}
	var probe struct {
		Card json.RawMessage `json:"template_card"`
	}
	if json.Unmarshal(data, &probe) == nil && len(probe.Card) > 0 {
		data = probe.Card
	}
	return data, CheckCard(flag, data, types)
}

type obj = map[string]any

// CheckCard checks one template card against WeCom's documented rules.
func CheckCard(flag string, data []byte, types []string) error {
	var c obj
	if err := json.Unmarshal(data, &c); err != nil || c == nil {
		return Errorf("%s: a template card must be a JSON object", flag)
	}
	fail := func(code int, format string, a ...any) error {
		return Errorf("%s: template card: %s (WeCom answers %d)", flag, fmt.Sprintf(format, a...), code)
	}
	typ := str(c, "card_type")
	if !slices.Contains(types, typ) {
		return fail(42031, "card_type %q: use %s", typ, strings.Join(types, ", "))
	}
	interactive := typ != "text_notice" && typ != "news_notice"
	main, _ := c["main_title"].(obj)
	if typ == "text_notice" {
		if str(main, "title") == "" && str(c, "sub_title_text") == "" {
			return fail(40058, "text_notice needs main_title.title or sub_title_text")
		}
	} else if str(main, "title") == "" {
		return fail(40058, "%s needs main_title.title", typ)
	}
	if act, ok := c["card_action"].(obj); ok {
		if err := checkAction(fail, "card_action", act); err != nil {
			return err
		}
	} else if !interactive {
		return fail(42045, "card_action is required: {\"type\":1,\"url\":\"https://...\"} or {\"type\":2,\"appid\":\"...\"}")
	}
	if typ == "news_notice" {
		img, _ := c["card_image"].(obj)
		if str(img, "url") == "" {
			return fail(42044, "news_notice needs card_image.url")
		}
	}
	hl := list(c, "horizontal_content_list")
	if len(hl) > 6 {
		return fail(42035, "horizontal_content_list has %d items; at most 6", len(hl))
	}
	for i, it := range hl {
		at := fmt.Sprintf("horizontal_content_list[%d]", i)
		switch {
		case str(it, "keyname") == "":
			return fail(42027, "%s.keyname is required", at)
		case num(it, "type") == 1 && str(it, "url") == "":
			return fail(42028, "%s: type 1 needs url", at)
		case num(it, "type") == 2 && str(it, "media_id") == "":
			return fail(42029, "%s: type 2 needs media_id", at)
		case num(it, "type") == 3 && str(it, "userid") == "":
			return fail(42050, "%s: type 3 needs userid", at)
		}
	}
	jl := list(c, "jump_list")
	if len(jl) > 3 {
		return fail(42042, "jump_list has %d items; at most 3", len(jl))
	}
	for i, it := range jl {
		at := fmt.Sprintf("jump_list[%d]", i)
		if str(it, "title") == "" {
			return fail(42033, "%s.title is required", at)
		}
		if err := checkAction(fail, at, it); err != nil {
			return err
		}
	}
	vl := list(c, "vertical_content_list")
	if len(vl) > 4 {
		return fail(42036, "vertical_content_list has %d items; at most 4", len(vl))
	}
	for i, it := range vl {
		if str(it, "title") == "" {
			return fail(42033, "vertical_content_list[%d].title is required", i)
		}
	}
	if interactive {
		return checkInteractive(fail, typ, c)
	}
	return nil
}

func checkAction(fail func(int, string, ...any) error, at string, a obj) error {
	switch num(a, "type") {
	case 0:
		if at == "card_action" {
			return fail(42045, "card_action.type is required (1 url, 2 mini program)")
		}
	case 1:
		if str(a, "url") == "" {
			return fail(42028, "%s: type 1 needs url", at)
		}
	case 2:
		if str(a, "appid") == "" {
			return fail(42030, "%s: type 2 needs appid", at)
		}
	default:
		if at == "card_action" {
			return fail(42045, "card_action.type %v: use 1 (url) or 2 (mini program)", a["type"])
		}
	}
	return nil
}

func checkInteractive(fail func(int, string, ...any) error, typ string, c obj) error {
	id := str(c, "task_id")
	if id == "" || len(id) > 128 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-@") != "" {
		return fail(40058, "%s needs task_id: 1-128 of letters, digits, _ - @, unique per app", typ)
	}
	submit := func() error {
		sb, _ := c["submit_button"].(obj)
		if str(sb, "text") == "" {
			return fail(42049, "submit_button.text is required")
		}
		if str(sb, "key") == "" {
			return fail(42046, "submit_button.key is required")
		}
		return nil
	}
	options := func(at string, o obj) error {
		ol := list(o, "option_list")
		if len(ol) == 0 || len(ol) > 20 {
			return fail(42037, "%s.option_list needs 1 to 20 options", at)
		}
		for i, it := range ol {
			if str(it, "id") == "" {
				return fail(42040, "%s.option_list[%d].id is required", at, i)
			}
			if str(it, "text") == "" {
				return fail(42041, "%s.option_list[%d].text is required", at, i)
			}
		}
		return nil
	}
	switch typ {
	case "button_interaction":
		bl := list(c, "button_list")
		if len(bl) == 0 || len(bl) > 6 {
			return fail(40058, "button_list needs 1 to 6 buttons")
		}
		for i, b := range bl {
			if str(b, "text") == "" {
				return fail(42038, "button_list[%d].text is required", i)
			}
			if str(b, "key") == "" && num(b, "type") != 1 {
				return fail(42039, "button_list[%d].key is required", i)
			}
		}
	case "vote_interaction":
		cb, _ := c["checkbox"].(obj)
		if str(cb, "question_key") == "" {
			return fail(42043, "checkbox.question_key is required")
		}
		if err := options("checkbox", cb); err != nil {
			return err
		}
		return submit()
	case "multiple_interaction":
		sl := list(c, "select_list")
		if len(sl) == 0 || len(sl) > 3 {
			return fail(42047, "select_list needs 1 to 3 selections")
		}
		for i, s := range sl {
			at := fmt.Sprintf("select_list[%d]", i)
			if str(s, "question_key") == "" {
				return fail(42043, "%s.question_key is required", at)
			}
			if err := options(at, s); err != nil {
				return err
			}
		}
		return submit()
	}
	return nil
}

func str(o obj, k string) string {
	s, _ := o[k].(string)
	return strings.TrimSpace(s)
}

func num(o obj, k string) float64 {
	switch v := o[k].(type) {
	case float64:
		return v
	case string: // some senders quote numbers
		var f float64
		_, _ = fmt.Sscan(v, &f)
		return f
	}
	return 0
}

func list(o obj, k string) []obj {
	raw, _ := o[k].([]any)
	out := make([]obj, 0, len(raw))
	for _, it := range raw {
		m, _ := it.(obj)
		out = append(out, m)
	}
	return out
}
