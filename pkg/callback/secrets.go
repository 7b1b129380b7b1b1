package callback

// Secrets is one callback configuration: Token and EncodingAESKey are
// secret; ReceiveID (corp id, suite id, or empty) is not. Where they come
// from (files, the environment, profiles) is the CLI's business
// (pkg/cmdutil), not this package's.
type Secrets struct {
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	ReceiveID      string `json:"receive_id"`
	Source         string `json:"-"` // where they came from, for messages
}
