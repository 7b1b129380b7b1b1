package main

import (
	"os"

	"github.com/wwcli/wwcli/pkg/apicatalog"
	"github.com/wwcli/wwcli/pkg/atomicfile"
)

// EndpointTable rewrites the generated endpoint table in file (between
// apicatalog's markers) from the API catalog.
func EndpointTable(file string) error {
	doc, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := apicatalog.ReplaceTable(string(doc), apicatalog.Load().MarkdownTable())
	if err != nil {
		return err
	}
	if out == string(doc) {
		return nil
	}
	return atomicfile.Write(file, []byte(out))
}
