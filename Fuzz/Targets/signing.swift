import SASSigning

// Fuzz target: the signer's canonicalisation (SASSigning), fed as the simulator meets a
// request: the input (as UTF-8 text) is a wire query string, then a blank line, then
// header lines `name: value`. The query is parsed with `QueryString.parse` (the server's
// side) into parameters, which are then encoded, canonicalised and signed as the client
// does. The invariants:
//
// 1. Percent-encoding: `rfc3986` leaves exactly the RFC 3986 unreserved bytes
//    (A-Z a-z 0-9 - _ . ~) as they are and writes every other UTF-8 byte as `%XX` with
//    upper-case hex (an independent byte-wise encoder here must agree); `form` is the same
//    with space as `+`; decoding either gives the text back.
// 2. The wire query round-trips: `QueryString.parse(QueryString.wire(p)) == p`.
// 3. The canonical query (V3) is a function of the parameter multiset: the same for the
//    parameters in reverse order; its `&`-separated pairs are `enc(name)=enc(value)` with
//    only unreserved bytes and `%XX`, decode to the parameters, and are sorted by raw
//    name then value bytes (as the SDKs sort); the client's wire query parsed by the
//    server gives the same canonical query.
// 4. The RPC string to sign is `METHOD&%2F&` + rfc3986(canonical query of the parameters
//    without `Signature`), and the server rebuilds it from the signed wire query.
// 5. Canonical headers: names lower-cased and sorted by bytes, values trimmed of spaces
//    and tabs, one `name:value\n` line each, the signed list the names joined by `;`.
// 6. Signing is deterministic for a fixed date and nonce, and a server that rebuilds the
//    V3 canonical request from the wire query and the sent headers gets the signature of
//    the `Authorization` header, which `parseAuthorization` reads back.

let unreserved = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8))
let hexDigits = Array("0123456789ABCDEF".utf8)

/// An encoder written independently of `PercentEncoding`, byte by byte.
func referenceEncode(_ text: String, spaceAsPlus: Bool) -> String {
    var out: [UInt8] = []
    for byte in text.utf8 {
        if unreserved.contains(byte) {
            out.append(byte)
        } else if spaceAsPlus && byte == 0x20 {
            out.append(UInt8(ascii: "+"))
        } else {
            out += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Whether `text` is only unreserved bytes and `%XX` escapes with upper-case hex.
func isCanonicallyEncoded(_ text: Substring) -> Bool {
    let bytes = Array(text.utf8)
    var index = 0
    while index < bytes.count {
        if unreserved.contains(bytes[index]) {
            index += 1
        } else if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
            hexDigits.contains(bytes[index + 1]), hexDigits.contains(bytes[index + 2])
        {
            index += 3
        } else {
            return false
        }
    }
    return true
}

func byteOrder(_ a: QueryParameter, _ b: QueryParameter) -> Bool {
    a.name == b.name
        ? a.value.utf8.lexicographicallyPrecedes(b.value.utf8) : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSigning(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: inputBytes(data, size), as: UTF8.self)
    let parts = text.split(separator: "\n\n", maxSplits: 1, omittingEmptySubsequences: false)
    let parameters = QueryString.parse(parts[0])
    // The caller's headers; never `Authorization`, which the signer adds (the long run's
    // first find: a caller-given one is signed, then dropped with the signer's own).
    let headers: [HTTPHeader] =
        parts.count > 1
        ? parts[1].split(separator: "\n").map { line in
            let pieces = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            return HTTPHeader(String(pieces[0]), pieces.count > 1 ? String(pieces[1]) : "")
        }.filter { $0.name.lowercased() != "authorization" }
        : []

    // 1. Percent-encoding.
    for item in parameters.prefix(32) {
        for piece in [item.name, item.value] {
            let encoded = PercentEncoding.rfc3986(piece)
            require(
                encoded == referenceEncode(piece, spaceAsPlus: false), "rfc3986(\(piece.debugDescription)) = \(encoded)"
            )
            require(isCanonicallyEncoded(encoded[...]), "rfc3986 gave \(encoded)")
            require(
                PercentEncoding.decode(encoded[...], plusAsSpace: false) == piece,
                "rfc3986 does not decode back: \(piece.debugDescription)")
            let form = PercentEncoding.form(piece)
            require(form == referenceEncode(piece, spaceAsPlus: true), "form(\(piece.debugDescription)) = \(form)")
            require(
                PercentEncoding.decode(form[...], plusAsSpace: true) == piece,
                "form does not decode back: \(piece.debugDescription)")
        }
    }

    // 2. The wire query round-trips.
    let wire = QueryString.wire(parameters)
    let reparsed = QueryString.parse(wire[...])
    require(reparsed == parameters, "wire query does not round-trip: \(parameters) -> \(wire) -> \(reparsed)")

    // 3. The canonical query.
    let canonical = ACS3Signer.canonicalQuery(parameters)
    require(
        canonical == ACS3Signer.canonicalQuery(parameters.reversed()), "the canonical query depends on parameter order")
    require(canonical == ACS3Signer.canonicalQuery(reparsed), "the server's canonical query differs from the client's")
    let pairs = canonical.isEmpty ? [] : canonical.split(separator: "&", omittingEmptySubsequences: false)
    require(pairs.count == parameters.count, "\(pairs.count) canonical pairs for \(parameters.count) parameters")
    var decoded: [QueryParameter] = []
    for pair in pairs {
        let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        require(
            halves.count == 2 && isCanonicallyEncoded(halves[0]) && isCanonicallyEncoded(halves[1]),
            "canonical pair \(pair)")
        decoded.append(
            QueryParameter(
                PercentEncoding.decode(halves[0], plusAsSpace: false),
                PercentEncoding.decode(halves[1], plusAsSpace: false)))
    }
    require(
        zip(decoded, decoded.dropFirst()).allSatisfy { !byteOrder($1, $0) },
        "canonical pairs not sorted by bytes: \(canonical)")
    require(decoded == parameters.sorted(by: byteOrder), "canonical pairs are not the parameters")

    // 4. The RPC string to sign.
    let toSign = RPCSigner.stringToSign(method: "POST", parameters: parameters)
    let withoutSignature = ACS3Signer.canonicalQuery(parameters.filter { $0.name != "Signature" })
    require(toSign == "POST&%2F&" + PercentEncoding.rfc3986(withoutSignature), "RPC string to sign \(toSign)")

    // 5. Canonical headers.
    let (lines, signed) = ACS3Signer.canonicalHeaders(headers)
    let names = headers.map { $0.name.lowercased() }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    require(signed == names.joined(separator: ";"), "signed headers \(signed) for \(names)")
    if !headers.contains(where: { $0.value.contains("\n") || $0.name.contains("\n") }) {
        let expected = headers.map { header -> (String, String) in
            var value = Substring(header.value)
            while let first = value.first, first == " " || first == "\t" { value = value.dropFirst() }
            while let last = value.last, last == " " || last == "\t" { value = value.dropLast() }
            return (header.name.lowercased(), String(value))
        }
        let sortedLines = expected.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }.map { "\($0.0):\($0.1)\n" }
            .joined()
        require(
            lines == sortedLines || Set(expected.map(\.0)).count < expected.count,
            "canonical headers \(lines.debugDescription)")
    }

    // 6. Signing and what a server rebuilds from the wire.
    let credentials = Credentials(
        accessKeyId: "testid", accessKeySecret: "testsecret", securityToken: size % 2 == 0 ? nil : "sts-token")
    let v3 = ACS3Signer.sign(
        action: "ListOperationProcessDetail", version: "2018-12-03", query: parameters, headers: headers,
        credentials: credentials, date: "2024-11-14T03:02:10Z", nonce: "3f8a2b1c9d7e4f6a8b0c2d4e6f8a0b1c"
    )
    let again = ACS3Signer.sign(
        action: "ListOperationProcessDetail", version: "2018-12-03", query: parameters, headers: headers,
        credentials: credentials, date: "2024-11-14T03:02:10Z", nonce: "3f8a2b1c9d7e4f6a8b0c2d4e6f8a0b1c"
    )
    require(
        v3.authorization == again.authorization && v3.canonicalRequest == again.canonicalRequest,
        "V3 signing is not deterministic")
    let sent = v3.headers.filter { $0.name != "Authorization" }
    let rebuilt = ACS3Signer.canonicalRequest(
        method: "POST", path: "/", query: QueryString.parse(v3.wireQuery[...]), headers: sent,
        hashedPayload: ACS3Signer.emptyPayloadHash
    )
    require(rebuilt == v3.canonicalRequest, "the server's canonical request differs from the client's")
    let signature = ACS3Signer.signature(
        stringToSign: ACS3Signer.stringToSign(canonicalRequest: rebuilt), secret: credentials.accessKeySecret)
    // Header names that are HTTP tokens (RFC 9110 §5.1; what a client can send) read back.
    if sent.allSatisfy({ isToken($0.name) }) {
        guard let parsed = ACS3Signer.parseAuthorization(v3.authorization) else {
            violated("unreadable Authorization \(v3.authorization)")
        }
        require(
            parsed.signature == signature && parsed.accessKeyId == "testid",
            "Authorization \(v3.authorization), server computed \(signature)")
        require(parsed.signedHeaders == signedList(sent), "signed headers read back as \(parsed.signedHeaders)")
    } else {
        require(
            v3.authorization.hasSuffix(",Signature=" + signature),
            "Authorization \(v3.authorization), server computed \(signature)")
    }

    let rpc = RPCSigner.sign(
        action: "ListOperationProcessDetail", version: "2018-12-03", query: parameters, credentials: credentials,
        timestamp: "2024-11-14T03:02:10Z", nonce: "3f8a2b1c9d7e4f6a8b0c2d4e6f8a0b1c"
    )
    let received = QueryString.parse(rpc.wireQuery[...])
    require(
        RPCSigner.stringToSign(method: "POST", parameters: received) == rpc.stringToSign,
        "the server's RPC string to sign differs")
    require(
        received.last == QueryParameter("Signature", rpc.signature), "the wire query does not end with the signature")
    return 0
}

/// Whether `name` is an HTTP token: one or more of ! # $ % & ' * + - . ^ _ ` | ~ and
/// ASCII letters and digits.
func isToken(_ name: String) -> Bool {
    let symbols = Set(Array("!#$%&'*+-.^_`|~".utf8))
    return !name.isEmpty
        && name.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || symbols.contains($0)
        }
}

/// The signed-header list of `headers`.
func signedList(_ headers: [HTTPHeader]) -> [String] {
    ACS3Signer.canonicalHeaders(headers).signed.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
}
