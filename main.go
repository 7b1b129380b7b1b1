package main

import (
	"os"

	"github.com/wwcli/wwcli/cmd"
)

func main() { os.Exit(cmd.Main()) }
