package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// emptyBodyHash is the hex SHA-256 of the empty request body every call sends.
const emptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// param is one query parameter, kept in the order the caller gives.
type param struct{ name, value string }

// percentEncode is RFC 3986 encoding: only A-Z a-z 0-9 - _ . ~ stay as they are.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// canonicalQuery sorts the parameters by name (plain string order) and encodes them.
func canonicalQuery(params []param) string {
	sorted := append([]param(nil), params...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	parts := make([]string, len(sorted))
	for i, p := range sorted {
		parts[i] = percentEncode(p.name) + "=" + percentEncode(p.value)
	}
	return strings.Join(parts, "&")
}

// signV3 returns the Authorization header of an ACS3-HMAC-SHA256 request. headers are
// the signed headers (names lower-case); the canonical request is
// METHOD \n / \n query \n headers \n signed-names \n payload-hash.
func signV3(method string, query string, headers map[string]string, keyID, secret string) string {
	names := make([]string, 0, len(headers))
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names)
	var canonical strings.Builder
	canonical.WriteString(method)
	canonical.WriteString("\n/\n")
	canonical.WriteString(query)
	canonical.WriteByte('\n')
	for _, name := range names {
		canonical.WriteString(name)
		canonical.WriteByte(':')
		canonical.WriteString(strings.TrimSpace(headers[name]))
		canonical.WriteByte('\n')
	}
	signed := strings.Join(names, ";")
	canonical.WriteByte('\n')
	canonical.WriteString(signed)
	canonical.WriteByte('\n')
	canonical.WriteString(headers["x-acs-content-sha256"])
	digest := sha256.Sum256([]byte(canonical.String()))
	toSign := "ACS3-HMAC-SHA256\n" + hex.EncodeToString(digest[:])
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(toSign))
	return "ACS3-HMAC-SHA256 Credential=" + keyID + ",SignedHeaders=" + signed + ",Signature=" + hex.EncodeToString(mac.Sum(nil))
}
