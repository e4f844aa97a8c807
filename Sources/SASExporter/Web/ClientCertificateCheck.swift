import Foundation
import HummingbirdTLS
import NIOCore
import NIOSSL
import X509

/// Checks client certificates where BoringSSL's own check cannot do all exporter-toolkit
/// does: `client_allowed_sans`, and the `Request`/`RequireAny` client-auth types (which ask
/// for a certificate but, as in Go, do not verify it).
///
/// BoringSSL's chain check and a subject-name check cannot be combined through
/// swift-nio-ssl (a custom callback replaces the chain check), so with
/// `RequireAndVerifyClientCert` and `client_allowed_sans` the chain is verified here, with
/// swift-certificates (RFC 5280 path building and validity, against `client_ca_file` or the
/// system's roots), and the leaf must allow client authentication, as Go's
/// `x509.Verify(KeyUsages: ClientAuth)` requires. Without `client_allowed_sans`, verifying
/// types are left to BoringSSL and no callback is installed.
struct ClientCertificateCheck: Sendable {
    /// Roots to verify the chain against; nil accepts any chain (Go's unverified types).
    let roots: CertificateStore?
    /// `client_allowed_sans`; nil checks no names.
    let allowedSANs: Set<String>?

    /// The callback to install, or nil when BoringSSL's own verification is all there is.
    static func callback(for config: TLSServerConfig, clientCAs: [NIOSSLCertificate]?) throws -> TLSChannelConfiguration
        .CustomVerificationCallback?
    {
        let sans = config.allowedSANs.map(Set.init)
        switch config.clientAuth {
        case .noClientCert:
            return nil
        case .requestClientCert, .requireAnyClientCert:
            return ClientCertificateCheck(roots: nil, allowedSANs: sans).callback
        case .verifyClientCertIfGiven, .requireAndVerifyClientCert:
            guard sans != nil else { return nil }
            let roots = try clientCAs.map {
                CertificateStore(try $0.map { try Certificate(derEncoded: try $0.toDERBytes()) })
            }
            return ClientCertificateCheck(roots: roots ?? CertificateStore.systemTrustRoots, allowedSANs: sans).callback
        }
    }

    var callback: TLSChannelConfiguration.CustomVerificationCallback {
        { chain, promise in
            guard let leaf = chain.first, allows(leaf) else { return promise.succeed(.failed) }
            guard roots != nil else { return promise.succeed(.certificateVerified) }
            promise.completeWithTask { await verify(chain) ? .certificateVerified : .failed }
        }
    }

    /// Whether one of the leaf's subject alternative names is allowed (always, with no list).
    func allows(_ leaf: NIOSSLCertificate) -> Bool {
        guard let allowedSANs else { return true }
        return Self.names(of: leaf).contains { allowedSANs.contains($0) }
    }

    /// The chain leads to one of `roots`, is valid now, and the leaf may authenticate clients.
    func verify(_ chain: [NIOSSLCertificate]) async -> Bool {
        guard let roots else { return true }
        do {
            let certificates = try chain.map { try Certificate(derEncoded: try $0.toDERBytes()) }
            guard let leaf = certificates.first else { return false }
            if let usage = try leaf.extensions.extendedKeyUsage,
                !usage.contains(.clientAuth), !usage.contains(.any)
            {
                return false
            }
            var verifier = Verifier(rootCertificates: roots) { RFC5280Policy() }
            let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(certificates.dropFirst()))
            if case .validCertificate = result { return true }
            return false
        } catch {
            return false
        }
    }

    /// DNS names, e-mail addresses, IP addresses (as Go prints them) and URIs.
    static func names(of certificate: NIOSSLCertificate) -> [String] {
        certificate._subjectAlternativeNames().compactMap { name in
            let bytes = Array(name.contents)
            switch name.nameType {
            case .dnsName, .email, .uri: return String(decoding: bytes, as: UTF8.self)
            case .ipAddress: return ipText(bytes)
            default: return nil
            }
        }
    }

    /// Go's `net.IP.String()`: dotted IPv4 (also for IPv4-mapped IPv6), RFC 5952 IPv6.
    static func ipText(_ bytes: [UInt8]) -> String? {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return nil }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = (0..<8).map { Int(bytes[2 * $0]) << 8 | Int(bytes[2 * $0 + 1]) }
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for (index, group) in groups.enumerated() {
            if group == 0 {
                run = run.start < 0 ? (index, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}
