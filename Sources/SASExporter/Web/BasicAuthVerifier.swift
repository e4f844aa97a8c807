import Crypto
import HummingbirdBcrypt

/// Checks basic-auth credentials against `basic_auth_users` so that abuse cannot starve
/// Prometheus:
///
/// - Successes are cached (keyed by user, stored hash and an HMAC of the password), so a
///   request whose credentials are cached answers at once and never waits for bcrypt.
/// - bcrypt runs on one thread behind a bounded queue (``BcryptLane``); a check that finds
///   the queue full is answered ``Outcome/busy`` (429) at once.
/// - An unknown user costs no bcrypt at all: the answer waits as long as a bcrypt at the
///   *decoy cost* takes on this machine now (``BcryptTiming``), times the checks queued
///   ahead, then says no. The decoy cost is the cost most configured users have (the
///   lowest of those tied), so timing does not tell unknown users from wrong passwords of
///   users at that cost, and one high-cost hash neither sets the decoy for everyone nor lets
///   unknown users occupy the bcrypt thread. Users at another cost can be told apart by
///   timing: keep every hash at one cost.
public final class BasicAuthVerifier: Sendable {
    /// Entries the success cache holds at most.
    public static let defaultCacheCapacity = 128

    /// What a check concluded.
    public enum Outcome: Sendable, Equatable {
        /// The credentials are right.
        case accepted
        /// They are not (401).
        case refused
        /// The bcrypt queue is full; try again later (429).
        case busy
    }

    let cache: VerificationCache
    let lane: BcryptLane
    let timing = BcryptTiming()
    private let digestKey = SymmetricKey(size: .bits256)
    private let bcrypt: @Sendable (String, String) -> Bool
    private let sleep: @Sendable (Duration) async -> Void

    /// `bcrypt(password, hash)` and `sleep` are injectable so tests can count and time them.
    init(
        cacheCapacity: Int = BasicAuthVerifier.defaultCacheCapacity, queueLimit: Int = BcryptLane.defaultLimit,
        bcrypt: (@Sendable (String, String) -> Bool)? = nil,
        sleep: (@Sendable (Duration) async -> Void)? = nil
    ) {
        self.cache = VerificationCache(capacity: cacheCapacity)
        self.lane = BcryptLane(limit: queueLimit)
        self.bcrypt = bcrypt ?? { password, hash in Bcrypt.verify(password, hash: hash) }
        self.sleep = sleep ?? { duration in try? await Task.sleep(for: duration) }
    }

    public convenience init() {
        self.init(cacheCapacity: Self.defaultCacheCapacity)
    }

    /// Whether `user` with `password` is one of `users`.
    public func verify(user: String, password: String, users: [String: BcryptHash]) async -> Bool {
        await check(user: user, password: password, users: users) == .accepted
    }

    /// Checks `user` and `password` against `users`.
    public func check(user: String, password: String, users: [String: BcryptHash]) async -> Outcome {
        guard let hash = users[user] else { return await refuseUnknown(users) }
        // The C code reads a NUL-terminated string: a NUL would cut the password short.
        let usable = !password.utf8.contains(0)
        let key = VerificationCache.Key(
            user: user, storedHash: hash.text,
            passwordDigest: Array(HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: digestKey))
        )
        if usable, cache.contains(key) { return .accepted }
        let bcrypt = self.bcrypt
        guard let result = await lane.run({ bcrypt(password, hash.verifiable) }) else { return .busy }
        timing.record(cost: hash.cost, took: result.took)
        guard usable, result.value else { return .refused }
        cache.insert(key)
        return .accepted
    }

    /// An unknown user: as slow as a wrong password at the decoy cost, without bcrypt.
    private func refuseUnknown(_ users: [String: BcryptHash]) async -> Outcome {
        let cost = Self.decoyCost(for: users)
        let queued = lane.load
        guard queued < lane.limit else { return .busy }
        let started = ContinuousClock.now
        if timing.estimate(cost: cost) == nil {
            // First measure of this machine: one real bcrypt (at most cost 6), queued like
            // any other; its time counts towards this answer's.
            let calibrationCost = min(cost, BcryptTiming.calibrationCost)
            let calibration = BcryptHash.decoy(cost: calibrationCost)?.verifiable ?? ""
            let bcrypt = self.bcrypt
            guard let result = await lane.run({ bcrypt("", calibration) }) else { return .busy }
            timing.record(cost: calibrationCost, took: result.took)
        }
        if let one = timing.estimate(cost: cost) {
            let remaining = one * (queued + 1) - (ContinuousClock.now - started)
            if remaining > .zero { await sleep(remaining) }
        }
        return .refused
    }

    /// The cost most users have; the lowest of the costs tied for most.
    static func decoyCost(for users: [String: BcryptHash]) -> Int {
        var counts: [Int: Int] = [:]
        for hash in users.values { counts[hash.cost, default: 0] += 1 }
        return counts.max { lhs, rhs in lhs.value != rhs.value ? lhs.value < rhs.value : lhs.key > rhs.key }?.key ?? 10
    }
}
