package cmdutil

import (
	"context"

	"github.com/wwcli/wwcli/pkg/callback"
)

// CallbackSecrets resolves the callback Token, EncodingAESKey and receive
// id (credentials.Sources.CallbackSecrets).
func (f *Factory) CallbackSecrets(ctx context.Context, file string) (*callback.Secrets, error) {
	return f.Sources().CallbackSecrets(ctx, file)
}

// CallbackSecretsGiven is CallbackSecrets without the profile: the secrets
// handed over for this run (what `auth login --callback` stores).
func (f *Factory) CallbackSecretsGiven(file string) (*callback.Secrets, error) {
	return f.Sources().CallbackSecretsGiven(file)
}
