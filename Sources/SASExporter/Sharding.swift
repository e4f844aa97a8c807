import SASModels

/// Which accounts one exporter replica polls when accounts are spread over several
/// replicas (`--shard.index` / `--shard.count`, or a StatefulSet ordinal).
///
/// The owner of an account is chosen by rendezvous (highest random weight) hashing: every
/// shard scores the account name and the highest score wins. The score is FNV-1a 64 over
/// the name's UTF-8 bytes, combined with the shard number and passed through the
/// SplitMix64 finaliser, so it is the same in every process, on every platform and in
/// every release (Swift's `Hasher` is seeded per process and must never be used here).
/// Rendezvous hashing also means that growing from N to N+1 shards moves only the
/// accounts the new shard wins (about 1/(N+1) of them); the others stay where they are,
/// and keep their de-duplication state.
public struct ShardAssignment: Sendable, Hashable, CustomStringConvertible {
    /// This replica's shard, in `0..<count`.
    public let index: Int
    /// How many shards (replicas) share the accounts.
    public let count: Int

    /// A single replica that owns every account.
    public static let unsharded = ShardAssignment(uncheckedIndex: 0, count: 1)

    /// Validates and creates an assignment.
    ///
    /// - Throws: `ShardingError.invalidCount` when `count < 1`,
    ///   `ShardingError.indexOutOfRange` when `index` is not in `0..<count`.
    public init(index: Int, count: Int) throws(ShardingError) {
        guard count >= 1 else {
            throw ShardingError(code: .invalidCount, detail: "shard count must be at least 1, got \(count)")
        }
        guard (0..<count).contains(index) else {
            throw ShardingError(
                code: .indexOutOfRange,
                detail: "shard index must be in 0..<\(count) (0 to \(count - 1)), got \(index)"
            )
        }
        self.init(uncheckedIndex: index, count: count)
    }

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Whether this replica polls the account with this configured name.
    public func owns(account: String) -> Bool {
        Self.shard(of: account, count: count) == index
    }

    /// The shard, in `0..<count`, that owns an account name. A `count` below 2 yields 0.
    public static func shard(of account: String, count: Int) -> Int {
        guard count > 1 else { return 0 }
        let key = StableHash.fnv1a64(account.utf8)
        var best = 0
        var bestScore = score(key: key, shard: 0)
        for shard in 1..<count {
            let candidate = score(key: key, shard: shard)
            if candidate > bestScore {
                best = shard
                bestScore = candidate
            }
        }
        return best
    }

    public var description: String { "shard \(index) of \(count)" }

    /// The weight of `shard` for an account key: the key and the shard number mixed by
    /// the SplitMix64 finaliser, whose output bits are all well distributed.
    static func score(key: UInt64, shard: Int) -> UInt64 {
        StableHash.finalize(key &+ (UInt64(truncatingIfNeeded: shard) &+ 1) &* StableHash.goldenGamma)
    }
}

/// An invalid `--shard.index` / `--shard.count` combination.
public struct ShardingError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: Sendable, Equatable {
        case invalidCount
        case indexOutOfRange
    }

    let code: Code
    let detail: String

    /// `--shard.count` is below 1.
    public static let invalidCount = ShardingError(code: .invalidCount, detail: "shard count must be at least 1")
    /// `--shard.index` is negative or not below `--shard.count`.
    public static let indexOutOfRange = ShardingError(code: .indexOutOfRange, detail: "shard index out of range")

    init(code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// Errors are equal when they are the same kind of error, whatever the values.
    public static func == (lhs: ShardingError, rhs: ShardingError) -> Bool {
        lhs.code == rhs.code
    }

    public var description: String { detail }
}
