import Crypto
import HummingbirdBcrypt
import NIOPosix

/// Checks basic-auth credentials against `basic_auth_users`, as exporter-toolkit does:
/// an unknown user is checked against a decoy hash of the same cost (so the answer takes
/// as long), successes are cached, and bcrypt runs on one dedicated thread (so a flood
/// of bad passwords takes one core, not all of them, and never blocks the event loops).
public final class BasicAuthVerifier: Sendable {
    /// Entries the success cache holds at most.
    public static let defaultCacheCapacity = 128

    let cache: VerificationCache
    private let digestKey = SymmetricKey(size: .bits256)
    private let bcrypt: @Sendable (String, String) -> Bool

    /// `bcrypt(password, hash)` is injectable so tests can count calls.
    init(cacheCapacity: Int = BasicAuthVerifier.defaultCacheCapacity, bcrypt: (@Sendable (String, String) -> Bool)? = nil) {
        self.cache = VerificationCache(capacity: cacheCapacity)
        self.bcrypt = bcrypt ?? { password, hash in Bcrypt.verify(password, hash: hash) }
    }

    public convenience init() {
        self.init(cacheCapacity: Self.defaultCacheCapacity)
    }

    /// Whether `user` with `password` is one of `users`.
    public func verify(user: String, password: String, users: [String: BcryptHash]) async -> Bool {
        let known = users[user]
        guard let hash = known ?? Self.decoy(for: users) else { return false }
        // The C code reads a NUL-terminated string: a NUL would cut the password short.
        let usable = !password.utf8.contains(0)
        let key = VerificationCache.Key(
            user: user, storedHash: hash.text,
            passwordDigest: Array(HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: digestKey))
        )
        if known != nil, usable, cache.contains(key) { return true }
        let bcrypt = self.bcrypt
        let matches: Bool
        do {
            matches = try await Self.pool.runIfActive { bcrypt(password, hash.verifiable) }
        } catch {
            return false
        }
        guard known != nil, usable, matches else { return false }
        cache.insert(key)
        return true
    }

    /// The decoy for unknown users: the highest cost among the configured hashes.
    static func decoy(for users: [String: BcryptHash]) -> BcryptHash? {
        BcryptHash.decoy(cost: users.values.map(\.cost).max() ?? 10)
    }

    /// One thread for every bcrypt in the process, started once and kept for its life.
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()
}
