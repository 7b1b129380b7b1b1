package msgspec

import "strings"

// Given is one message-kind flag the user set: its name without dashes
// ("text", "markdown-v2", "news") and its value.
type Given struct {
	Flag  string
	Value string
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
