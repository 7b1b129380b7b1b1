package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The template_card checks message/send and webhook/send share.

// checkCard mirrors WeCom's template-card checks (errcodes 42027-42051).
func checkCard(part json.RawMessage, types []string) *apiError {
	var c map[string]any
	if len(part) == 0 || json.Unmarshal(part, &c) != nil || c == nil {
		return errWrongJSON
	}
	s := func(m any, k string) string {
		o, _ := m.(map[string]any)
		v, _ := o[k].(string)
		return strings.TrimSpace(v)
	}
	n := func(m any, k string) float64 {
		o, _ := m.(map[string]any)
		switch v := o[k].(type) {
		case float64:
			return v
		case string:
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
		return 0
	}
	items := func(k string) []any { l, _ := c[k].([]any); return l }
	typ := s(c, "card_type")
	if !slices.Contains(types, typ) {
		return errf(42031, "invalid template_card.card_type")
	}
	notice := typ == "text_notice" || typ == "news_notice"
	if s(c["main_title"], "title") == "" && (typ != "text_notice" || s(c, "sub_title_text") == "") {
		return errf(40058, "template_card.main_title.title or sub_title_text is required")
	}
	if act, ok := c["card_action"]; ok || notice {
		switch n(act, "type") {
		case 1:
			if s(act, "url") == "" {
				return errf(42028, "template_card url missing")
			}
		case 2:
			if s(act, "appid") == "" {
				return errf(42030, "template_card appid missing")
			}
		default:
			return errf(42045, "template_card.card_action invalid")
		}
	}
	if typ == "news_notice" && s(c["card_image"], "url") == "" {
		return errf(42044, "template_card.card_image.url invalid")
	}
	if l := items("horizontal_content_list"); len(l) > 6 {
		return errf(42035, "template_card.horizontal_content_list size invalid")
	} else {
		for _, it := range l {
			switch {
			case s(it, "keyname") == "":
				return errf(42027, "template_card.horizontal_content_list.keyname missing")
			case n(it, "type") == 1 && s(it, "url") == "":
				return errf(42028, "template_card url missing")
			case n(it, "type") == 2 && s(it, "media_id") == "":
				return errf(42029, "template_card media_id missing")
			case n(it, "type") == 3 && s(it, "userid") == "":
				return errf(42050, "template_card.horizontal_content_list.userid invalid")
			}
		}
	}
	if l := items("jump_list"); len(l) > 3 {
		return errf(42042, "template_card.jump_list size invalid")
	} else {
		for _, it := range l {
			if s(it, "title") == "" {
				return errf(42033, "template_card title missing")
			}
		}
	}
	if l := items("vertical_content_list"); len(l) > 4 {
		return errf(42036, "template_card.vertical_content_list size invalid")
	} else {
		for _, it := range l {
			if s(it, "title") == "" {
				return errf(42033, "template_card title missing")
			}
		}
	}
	if !notice && s(c, "task_id") == "" {
		return errf(40058, "template_card.task_id missing")
	}
	switch typ {
	case "button_interaction":
		if l := items("button_list"); len(l) == 0 || len(l) > 6 {
			return errf(40058, "template_card.button_list size invalid")
		} else {
			for _, b := range l {
				if s(b, "text") == "" {
					return errf(42038, "template_card.button_list.text invalid")
				}
				if s(b, "key") == "" && n(b, "type") != 1 {
					return errf(42039, "template_card.button_list.key invalid")
				}
			}
		}
	case "vote_interaction", "multiple_interaction":
		if s(c["submit_button"], "text") == "" {
			return errf(42049, "template_card.submit_button.text invalid")
		}
		if s(c["submit_button"], "key") == "" {
			return errf(42046, "template_card.submit_button.key invalid")
		}
		questions := []any{c["checkbox"]}
		if typ == "multiple_interaction" {
			questions = items("select_list")
			if len(questions) == 0 || len(questions) > 3 {
				return errf(42047, "template_card.select_list size invalid")
			}
		}
		for _, q := range questions {
			if s(q, "question_key") == "" {
				return errf(42043, "template_card.question_key invalid")
			}
			o, _ := q.(map[string]any)
			opts, _ := o["option_list"].([]any)
			if len(opts) == 0 || len(opts) > 20 {
				return errf(42037, "template_card.option_list size invalid")
			}
			for _, op := range opts {
				if s(op, "id") == "" {
					return errf(42040, "template_card.option_list.id invalid")
				}
				if s(op, "text") == "" {
					return errf(42041, "template_card.option_list.text invalid")
				}
			}
		}
	}
	return nil
}
