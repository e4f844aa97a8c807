package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestSignV3Vectors signs the V3 requests of the project's SDK vectors and expects the
// SDK's Authorization header byte for byte.
func TestSignV3Vectors(t *testing.T) {
	raw, err := os.ReadFile("../../../Tests/SASTestKit/Resources/signature-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		V3 []struct {
			Name   string
			Inputs struct {
				AccessKeyID     string  `json:"access_key_id"`
				AccessKeySecret string  `json:"access_key_secret"`
				SecurityToken   *string `json:"security_token"`
			}
			HTTP struct {
				URL     string
				Headers map[string]string
			}
		}
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, vector := range file.V3 {
		if vector.Inputs.SecurityToken != nil {
			continue
		}
		query := vector.HTTP.URL[strings.Index(vector.HTTP.URL, "?")+1:]
		var params []param
		for _, pair := range strings.Split(query, "&") {
			name, value, _ := strings.Cut(pair, "=")
			params = append(params, param{unescape(name), unescape(value)})
		}
		headers := map[string]string{}
		for name, value := range vector.HTTP.Headers {
			if name != "Authorization" {
				headers[strings.ToLower(name)] = value
			}
		}
		got := signV3("POST", canonicalQuery(params), headers, vector.Inputs.AccessKeyID, vector.Inputs.AccessKeySecret)
		if want := vector.HTTP.Headers["Authorization"]; got != want {
			t.Errorf("%s:\n got %s\nwant %s", vector.Name, got, want)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no vector checked")
	}
}

// unescape undoes %XX and + in a query component.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '+':
			b.WriteByte(' ')
		case s[i] == '%' && i+2 < len(s):
			var v byte
			for _, c := range []byte(s[i+1 : i+3]) {
				v <<= 4
				switch {
				case c >= '0' && c <= '9':
					v |= c - '0'
				case c >= 'A' && c <= 'F':
					v |= c - 'A' + 10
				case c >= 'a' && c <= 'f':
					v |= c - 'a' + 10
				}
			}
			b.WriteByte(v)
			i += 2
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
