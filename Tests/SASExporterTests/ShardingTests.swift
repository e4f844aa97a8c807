import SASModels
import Testing

@testable import SASExporter

@Suite("ShardAssignment")
struct ShardingTests {
    /// `account-0000` ... `account-0999`.
    private static let names = (0..<1000).map { number in
        let digits = String(number)
        return "account-" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    @Test("FNV-1a 64 matches the published test vectors")
    func fnvVectors() {
        #expect(StableHash.fnv1a64("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a64("foobar".utf8) == 0x8594_4171_f739_67e8)
    }

    // Fixed answers: these must never change, or every sharded deployment reshuffles its
    // accounts (and loses their de-duplication state) on upgrade.
    @Test(
        "known account names map to fixed shards",
        arguments: [
            ("prod", [1, 2, 3, 3, 6]),
            ("staging", [0, 0, 0, 0, 0]),
            ("dev", [0, 2, 2, 2, 6]),
            ("cn-hangzhou-prod", [0, 0, 3, 4, 5]),
            ("account-0001", [1, 1, 1, 1, 1]),
            ("财务部", [0, 0, 0, 0, 0]),
            ("ap-southeast-1", [0, 0, 0, 0, 7]),
        ]
    )
    func stable(name: String, expected: [Int]) {
        let counts = [2, 3, 4, 5, 8]
        #expect(counts.map { ShardAssignment.shard(of: name, count: $0) } == expected)
    }

    @Test("one shard, or a count below one, puts everything on shard 0")
    func singleShard() throws {
        #expect(ShardAssignment.shard(of: "prod", count: 1) == 0)
        #expect(ShardAssignment.shard(of: "prod", count: 0) == 0)
        #expect(ShardAssignment.unsharded.owns(account: "prod"))
        let only = try ShardAssignment(index: 0, count: 1)
        #expect(Self.names.allSatisfy { only.owns(account: $0) })
    }

    @Test("every account has exactly one owner", arguments: 1...8)
    func exactlyOneOwner(count: Int) throws {
        let shards = try (0..<count).map { try ShardAssignment(index: $0, count: count) }
        for name in Self.names {
            let owners = shards.filter { $0.owns(account: name) }
            #expect(owners.count == 1, "\(name) has \(owners.count) owners with \(count) shards")
            #expect(owners.first?.index == ShardAssignment.shard(of: name, count: count))
        }
    }

    @Test("shards are balanced within 30 % of the mean", arguments: 1...8)
    func balanced(count: Int) {
        var sizes = [Int](repeating: 0, count: count)
        for name in Self.names {
            let shard = ShardAssignment.shard(of: name, count: count)
            guard sizes.indices.contains(shard) else {
                Issue.record("\(name) went to shard \(shard), outside 0..<\(count)")
                continue
            }
            sizes[shard] += 1
        }
        let mean = Double(Self.names.count) / Double(count)
        for (shard, size) in sizes.enumerated() {
            #expect(
                abs(Double(size) - mean) <= 0.3 * mean,
                "shard \(shard) of \(count) has \(size) accounts, mean \(mean)"
            )
        }
    }

    @Test("adding a shard only moves accounts onto the new shard", arguments: 1...7)
    func minimalMovement(count: Int) {
        var moved = 0
        for name in Self.names {
            let before = ShardAssignment.shard(of: name, count: count)
            let after = ShardAssignment.shard(of: name, count: count + 1)
            if before != after {
                moved += 1
                #expect(after == count, "\(name) moved from \(before) to \(after), not to the new shard")
            }
        }
        let expected = Double(Self.names.count) / Double(count + 1)
        #expect(abs(Double(moved) - expected) <= 0.3 * expected)
    }

    @Test("a count below one is rejected", arguments: [0, -1, Int.min])
    func invalidCount(count: Int) {
        #expect(throws: ShardingError.invalidCount) { try ShardAssignment(index: 0, count: count) }
    }

    @Test(
        "an index outside 0..<count is rejected",
        arguments: [(-1, 1), (1, 1), (3, 3), (-5, 4), (8, 4), (Int.max, 2)]
    )
    func invalidIndex(index: Int, count: Int) {
        #expect(throws: ShardingError.indexOutOfRange) { try ShardAssignment(index: index, count: count) }
    }

    @Test("the error message names the bad value and the allowed range")
    func errorMessage() {
        do {
            _ = try ShardAssignment(index: 4, count: 3)
            Issue.record("index 4 of 3 was accepted")
        } catch {
            #expect(error.description == "shard index must be in 0..<3 (0 to 2), got 4")
        }
        do {
            _ = try ShardAssignment(index: 0, count: 0)
            Issue.record("count 0 was accepted")
        } catch {
            #expect(error.description == "shard count must be at least 1, got 0")
        }
    }

    @Test("valid assignments keep their index and count")
    func valid() throws {
        let assignment = try ShardAssignment(index: 2, count: 3)
        #expect(assignment.index == 2)
        #expect(assignment.count == 3)
        #expect(assignment.description == "shard 2 of 3")
    }
}
