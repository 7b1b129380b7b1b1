package msgspec

import "strings"

// Given is one message-kind flag the user set: its name without dashes
// ("text", "markdown-v2", "news") and its value.
type Given struct {
	Flag  string
	Value string
}

// Kind is one message-kind flag of a send command and the message type
// it sends ("" for --body, whose JSON names its own type).
type Kind struct {
	Flag string
	Type string
}

// Kinds are a send command's message-kind flags (message send, webhook
// send), in the order its help lists them.
type Kinds []Kind

// KindsFor builds a send command's kinds from the message types it
// sends, in help order: a type's flag is its name with dashes
// ("template_card" is --template-card), and --body, a complete JSON body
// of any type, comes last.
func KindsFor(types ...string) Kinds {
	ks := make(Kinds, 0, len(types)+1)
	for _, t := range types {
		ks = append(ks, Kind{Flag: strings.ReplaceAll(t, "_", "-"), Type: t})
	}
	return append(ks, Kind{Flag: "body"})
}

// Flags are the kinds' flag names, in order.
func (ks Kinds) Flags() []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Flag
	}
	return out
}

// One is the single kind of a send among the flags given, and the message
// type it sends.
func (ks Kinds) One(given []Given) (Given, string, error) {
	k, err := OneKind(given, ks.Flags())
	if err != nil {
		return Given{}, "", err
	}
	for _, kind := range ks {
		if kind.Flag == k.Flag {
			return k, kind.Type, nil
		}
	}
	return k, "", nil
}

// OneKind is the single message kind of a send; flags are every kind flag
// the command has, for the message that lists them.
func OneKind(kinds []Given, flags []string) (Given, error) {
	switch len(kinds) {
	case 1:
		return kinds[0], nil
	case 0:
		names := make([]string, len(flags))
		for i, f := range flags {
			names[i] = "--" + f
		}
		return Given{}, Errorf("give a message: one of %s", strings.Join(names, ", "))
	default:
		return Given{}, Errorf("give one message kind at a time, not both --%s and --%s", kinds[0].Flag, kinds[1].Flag)
	}
}
