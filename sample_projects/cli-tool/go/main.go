// Command cli-tool summarizes and filters a JSON array of records.
package main

import (
	"os"

	"example.com/cli-tool/cmd"
)

func main() {
	os.Exit(cmd.Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
