/// A bcrypt hash from `basic_auth_users`, checked for shape at load.
///
/// `$2y$` (what `htpasswd -B` writes) is the same algorithm as `$2b$` (both fixed the
/// old `$2a$` wrap-around and hash at most 72 bytes), but the OpenBSD code inside
/// HummingbirdBcrypt only knows `$2a$` and `$2b$`, so ``verifiable`` rewrites the prefix.
public struct BcryptHash: Sendable, Hashable, CustomStringConvertible {
    /// The hash as written in the file.
    public let text: String
    /// The cost (log2 of the rounds), 4 to 31.
    public let cost: Int

    /// The hash with a prefix the bcrypt implementation accepts.
    public var verifiable: String {
        text.hasPrefix("$2y$") ? "$2b$" + text.dropFirst(4) : text
    }

    /// Never prints the hash (it is offline-crackable).
    public var description: String { "BcryptHash(cost: \(cost))" }

    static let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".unicodeScalars)

    /// Nil when `text` is not `$2a$`, `$2b$` or `$2y$`, a two-digit cost from 04 to 31,
    /// `$`, and 53 characters of bcrypt's base64 alphabet.
    public init?(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 60, text.hasPrefix("$2a$") || text.hasPrefix("$2b$") || text.hasPrefix("$2y$"),
            scalars[6] == "$",
            let cost = Int(String(String.UnicodeScalarView(scalars[4..<6]))), (4...31).contains(cost),
            scalars[7...].allSatisfy({ Self.alphabet.contains($0) })
        else { return nil }
        self.text = text
        self.cost = cost
    }

    /// A well-formed hash that no password matches in practice, at `cost`: unknown users
    /// are checked against it so their answer takes as long as a known user's.
    static func decoy(cost: Int) -> BcryptHash? {
        let digits = cost < 10 ? "0\(cost)" : "\(cost)"
        return BcryptHash("$2b$\(digits)$" + "sasExporterDecoySaltOO" + "sasExporterDecoyHashMatchesNone")
    }
}
