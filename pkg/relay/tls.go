package relay

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wwcli/wwcli/pkg/safedir"
)

// maxPEM bounds a certificate chain or key file: real ones are a few KiB.
const maxPEM = 1 << 20

// LoadTLS loads a certificate and key (PEM) for serving; TLS 1.2 at least.
// The key must be a file no other local user could have written or
// swapped (safedir.ReadTrusted): whoever puts their own key there, with
// their certificate, is the relay to every client.
func LoadTLS(certFile, keyFile string) (*tls.Config, error) {
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("--tls-cert and --tls-key go together: give both, or neither")
	}
	if certFile == "" {
		return nil, nil
	}
	keyPEM, err := safedir.ReadTrusted(keyFile, maxPEM)
	if err != nil {
		return nil, fmt.Errorf("--tls-key: %w", err)
	}
	certPEM, err := readCert(certFile)
	if err != nil {
		return nil, fmt.Errorf("loading --tls-cert %s: %w", certFile, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("loading --tls-cert %s / --tls-key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// readCert reads a certificate chain: public, so its owner does not
// matter (a swapped one fails against the key), but its size does.
func readCert(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPEM+1))
	if err == nil && len(data) > maxPEM {
		err = fmt.Errorf("larger than %d bytes, not a certificate", maxPEM)
	}
	return data, err
}
