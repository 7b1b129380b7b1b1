package shared

import (
	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/msgspec"
)

// KindFlags are the message-kind flags of a send command (message send,
// webhook send), read back as the msgspec.Given the user set.
type KindFlags struct {
	kinds  msgspec.Kinds
	values map[string]*string
}

// AddKindFlags binds a string flag, in the kinds' order, for each kind
// that has a help line in usage (flag name to help). A kind without one
// (--news, a list the command binds itself) is given with an empty value.
func AddKindFlags(cmd *cobra.Command, kinds msgspec.Kinds, usage map[string]string) *KindFlags {
	k := &KindFlags{kinds: kinds, values: map[string]*string{}}
	for _, name := range kinds.Flags() {
		if u, ok := usage[name]; ok {
			k.values[name] = cmd.Flags().String(name, "", u)
		}
	}
	return k
}

// Given lists the kind flags set on cmd, in the kinds' order.
func (k *KindFlags) Given(cmd *cobra.Command) []msgspec.Given {
	var given []msgspec.Given
	for _, name := range k.kinds.Flags() {
		if !cmd.Flags().Changed(name) {
			continue
		}
		g := msgspec.Given{Flag: name}
		if v := k.values[name]; v != nil {
			g.Value = *v
		}
		given = append(given, g)
	}
	return given
}
