// k8s-yaml-decode reads YAML documents the way kubectl reads a manifest file, and prints each as JSON:
// sigs.k8s.io/yaml's YAMLToJSON, the conversion kubectl's decoder (apimachinery's YAMLOrJSONDecoder)
// applies to every document. A test program only (test/unit/plan/yaml-go.test.ts), never shipped.
//
// Input on stdin: documents separated by lines "---" (what src/plan/write.ts writes). Output: one line
// per document, "OK <json>" or "ERR <message>".
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	// Split on the lines "---" as apimachinery's YAMLReader does, each document keeping its last newline.
	parts := strings.Split("\n"+string(input), "\n---\n")
	for i, doc := range parts {
		if i == 0 && strings.TrimSpace(doc) == "" {
			continue
		}
		if i < len(parts)-1 {
			doc += "\n"
		}
		json, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			fmt.Fprintf(out, "ERR %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		fmt.Fprintf(out, "OK %s\n", bytes.TrimSpace(json))
	}
}
