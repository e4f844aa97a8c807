import AsyncHTTPClient
import Foundation
import HummingbirdBcrypt
import Synchronization
import Testing

@testable import SASExporter

/// Password checks that cannot starve Prometheus: unknown users cost no bcrypt, the bcrypt
/// queue is bounded, and cached credentials never wait for bcrypt.
@Suite("bcrypt under abuse", .serialized)
struct WebBcryptStarvationTests {
    static let cost: UInt8 = 14

    /// Sends a GET /metrics with `authorization` on `client`; the status and how long it took.
    static func timed(_ client: HTTPClient, _ port: Int, _ authorization: String) async throws -> (
        status: Int, took: Duration
    ) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
        request.headers.add(name: "Authorization", value: authorization)
        let started = ContinuousClock.now
        let response = try await client.execute(request, timeout: .seconds(120))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), ContinuousClock.now - started)
    }

    @Test func unknownUsersDoNotDelayCachedOrFreshLogins() async throws {
        let aliceHash = try #require(BcryptHash(Bcrypt.hash("alice-password", cost: Self.cost)))
        let bobHash = try #require(BcryptHash(Bcrypt.hash("bob-password", cost: Self.cost)))
        // The time of one bcrypt at this cost on this machine, now (the bound below).
        let clock = ContinuousClock()
        let one = clock.measure { _ = Bcrypt.verify("not-bobs", hash: bobHash.verifiable) }
        let settings = try WebServerSettings(
            configuration: WebConfiguration(users: ["alice": aliceHash, "bob": bobHash]))
        try await ListenerHarness.run(web: settings) { port in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            defer { _ = client.shutdown() }
            let alice = WebBasicAuthTests.basic("alice", "alice-password")
            #expect(
                try await Self.timed(client, port, alice).status == 200,
                "alice logs in once: her credentials are cached")

            let unknown = Task {
                try await withThrowingTaskGroup(of: (status: Int, took: Duration).self) { group in
                    for index in 0..<8 {
                        group.addTask {
                            let own = HTTPClient(eventLoopGroupProvider: .singleton)
                            defer { _ = own.shutdown() }
                            return try await Self.timed(own, port, WebBasicAuthTests.basic("mallory\(index)", "guess"))
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            try await Task.sleep(for: .milliseconds(100))  // the eight are in flight now

            let cached = try await Self.timed(client, port, alice)
            #expect(cached.status == 200)
            #expect(cached.took < .milliseconds(100), "cached credentials answer within 100 ms: \(cached.took)")

            // One bcrypt measured again at the same moment, beside the login, so that both
            // see the same load (other tests share the two cores): the bound is the slower
            // of the two measurements.
            let reference = Task.detached { clock.measure { _ = Bcrypt.verify("not-bobs", hash: bobHash.verifiable) } }
            let fresh = try await Self.timed(client, port, WebBasicAuthTests.basic("bob", "bob-password"))
            let again = await reference.value
            let bound = max(one, again) * 1.5 + .milliseconds(250)
            #expect(fresh.status == 200)
            #expect(fresh.took < bound, "a fresh login takes one bcrypt (\(one)), not nine: \(fresh.took)")

            let unknowns = try await unknown.value
            #expect(
                unknowns.map(\.status) == Array(repeating: 401, count: 8),
                "unknown users are refused, not told to retry")
            #expect(
                unknowns.allSatisfy { $0.took > one / 2 },
                "and not faster than a wrong password: \(unknowns.map(\.took))")
            print(
                "bcrypt cost \(Self.cost): one check \(one); cached login \(cached.took); fresh login "
                    + "\(fresh.took); unknown users \(unknowns.map(\.took))"
            )
        }
    }

    @Test func aFullQueueAnswersAtOnceAndCachedCredentialsStillPass() async throws {
        let started = Mutex(0)
        let verifier = BasicAuthVerifier(
            queueLimit: 4,
            bcrypt: { password, hash in
                started.withLock { $0 += 1 }
                Thread.sleep(forTimeInterval: 0.3)
                return Bcrypt.verify(password, hash: hash)
            })
        let users = ["alice": try #require(BcryptHash(Bcrypt.hash("right", cost: 4)))]
        #expect(await verifier.check(user: "alice", password: "right", users: users) == .accepted)
        let outcomes = await withTaskGroup(of: (BasicAuthVerifier.Outcome, Duration).self) { group in
            for attempt in 0..<8 {
                group.addTask {
                    let clock = ContinuousClock()
                    var outcome = BasicAuthVerifier.Outcome.busy
                    let took = await clock.measure {
                        outcome = await verifier.check(user: "alice", password: "wrong\(attempt)", users: users)
                    }
                    return (outcome, took)
                }
            }
            try? await Task.sleep(for: .milliseconds(50))
            let clock = ContinuousClock()
            var cached = BasicAuthVerifier.Outcome.busy
            let took = await clock.measure {
                cached = await verifier.check(user: "alice", password: "right", users: users)
            }
            #expect(cached == .accepted && took < .milliseconds(100), "cached credentials skip the full queue: \(took)")
            return await group.reduce(into: []) { $0.append($1) }
        }
        let busy = outcomes.filter { $0.0 == .busy }
        #expect(
            outcomes.filter { $0.0 == .refused }.count == 4,
            "four wrong passwords are checked (one running, three waiting)")
        #expect(busy.count == 4, "the other four are answered busy (429)")
        #expect(busy.allSatisfy { $0.1 < .milliseconds(150) }, "at once: \(busy.map(\.1))")
        #expect(started.withLock { $0 } == 5)
    }

    @Test func aBusyAnswerIs429WithRetryAfter() async throws {
        let verifier = BasicAuthVerifier(
            queueLimit: 1,
            bcrypt: { _, _ in
                Thread.sleep(forTimeInterval: 0.5)
                return false
            })
        let users = ["alice": try #require(BcryptHash(Bcrypt.hash("right", cost: 4)))]
        let settings = try WebServerSettings(configuration: WebConfiguration(users: users), verifier: verifier)
        try await ListenerHarness.run(web: settings) { port in
            let slow = Task {
                try await TestRequest(path: "/metrics", authorization: WebBasicAuthTests.basic("alice", "wrong")).send(
                    to: port)
            }
            try await Task.sleep(for: .milliseconds(150))
            let answer = try await TestRequest(path: "/metrics", authorization: WebBasicAuthTests.basic("nobody", "x"))
                .send(to: port)
            #expect(
                answer.status == 429 && answer.headers["retry-after"] == ["1"],
                "unknown users get 429 too while the queue is full")
            #expect(try await slow.value.status == 401)
        }
    }
}
