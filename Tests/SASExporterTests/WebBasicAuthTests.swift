import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Synchronization
import Testing

@testable import SASExporter

@Suite("Basic auth from the web configuration")
struct WebBasicAuthTests {
    /// Written by `htpasswd -nbBC 5 alice 's3cret-Pass'` (apache2-utils 2.4); the same
    /// password re-hashed by PyPI `bcrypt` with this salt and a `$2b$` prefix gives the
    /// same 31 hash characters, which is why rewriting the prefix is sound.
    static let htpasswdHash = "$2y$05$XVGEi3bJ8ln8bdoSP/WJD.R3rR2Ffieee5LtK09tZL8TKBciwR1ti"
    static let users: [String: BcryptHash] = [
        "alice": BcryptHash(htpasswdHash)!,
        "bob": BcryptHash(Bcrypt.hash("hunter2", cost: 4))!,
    ]

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    static func router(_ config: WebConfiguration) throws -> Router<BasicRequestContext> {
        var routes = ExporterRouter(store: RouterTests.store(), reload: { .reloaded })
        routes.web = try WebServerSettings(configuration: config)
        return routes.build()
    }

    @Test func everyRouteAsksForCredentials() async throws {
        let app = Application(router: try Self.router(WebConfiguration(users: Self.users)))
        try await app.test(.router) { client in
            for uri in ["/metrics", "/", "/-/healthy", "/-/ready", "/no-such-page"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                    #expect(response.headers[.wwwAuthenticate] == "Basic realm=\"sas-exporter\"")
                }
            }
            try await client.execute(uri: "/-/reload", method: .post) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func wrongPasswordUnknownUserAndGarbageAreRefused() async throws {
        let app = Application(router: try Self.router(WebConfiguration(users: Self.users)))
        try await app.test(.router) { client in
            for header in [
                Self.basic("alice", "wrong"), Self.basic("mallory", "s3cret-Pass"), Self.basic("alice", ""),
                Self.basic("alice", "s3cret-Pass\u{0}x"), "Basic not-base64!", "Bearer abc",
                "Basic " + Data("alice".utf8).base64EncodedString(),
            ] {
                try await client.execute(uri: "/-/healthy", method: .get, headers: [.authorization: header]) {
                    response in
                    #expect(response.status == .unauthorized, "\(header)")
                    #expect(response.headers[.wwwAuthenticate] == "Basic realm=\"sas-exporter\"")
                }
            }
        }
    }

    @Test func rightPasswordsPassIncludingHtpasswdY() async throws {
        let app = Application(router: try Self.router(WebConfiguration(users: Self.users)))
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/-/healthy", method: .get, headers: [.authorization: Self.basic("alice", "s3cret-Pass")]
            ) { response in
                #expect(response.status == .ok, "the $2y$ hash from htpasswd -B is accepted")
                #expect(String(buffer: response.body) == "Healthy\n")
            }
            try await client.execute(
                uri: "/metrics", method: .get, headers: [.authorization: Self.basic("bob", "hunter2")]
            ) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func noUsersMeansOpenAndHeadersAreAdded() async throws {
        let config = WebConfiguration(headers: [.init(name: "X-Content-Type-Options", value: "nosniff")])
        let app = Application(router: try Self.router(config))
        try await app.test(.router) { client in
            try await client.execute(uri: "/-/healthy", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
            try await client.execute(uri: "/no-such-page", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(
                    response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff",
                    "error answers carry the headers too")
            }
        }
    }

    /// Counts bcrypt calls and the hashes they used.
    final class BcryptSpy: Sendable {
        let hashes = Mutex<[String]>([])
        func verify(_ password: String, _ hash: String) -> Bool {
            hashes.withLock { $0.append(hash) }
            return Bcrypt.verify(password, hash: hash)
        }
    }

    @Test func unknownUsersWaitAsLongAsABcryptWithoutRunningOne() async throws {
        let spy = BcryptSpy()
        let slept = Mutex<[Duration]>([])
        let verifier = BasicAuthVerifier(
            bcrypt: { spy.verify($0, $1) }, sleep: { duration in slept.withLock { $0.append(duration) } })
        let users = ["alice": try #require(BcryptHash(Self.htpasswdHash))]
        #expect(await verifier.check(user: "mallory", password: "s3cret-Pass", users: users) == .refused)
        #expect(
            spy.hashes.withLock { $0 } == [BcryptHash.decoy(cost: 5)?.verifiable],
            "one bcrypt to measure the machine, at the users' cost (5)")
        let before = slept.withLock { $0.count }
        #expect(await verifier.check(user: "mallory", password: "other", users: users) == .refused)
        #expect(spy.hashes.withLock { $0.count } == 1, "later unknown users cost no bcrypt at all")
        let expected = try #require(verifier.timing.estimate(cost: 5))
        let waits = slept.withLock { $0 }
        let last = try #require(waits.last)
        #expect(
            waits.count == before + 1 && last <= expected && last > expected - .milliseconds(50),
            "the answer waits as long as a bcrypt at the users' cost (5) takes")
        #expect(verifier.cache.count == 0)
    }

    @Test func decoyCostIsTheMostCommonCostNotTheHighest() throws {
        func hash(_ cost: Int) throws -> BcryptHash { try #require(BcryptHash.decoy(cost: cost)) }
        #expect(BasicAuthVerifier.decoyCost(for: ["a": try hash(10), "b": try hash(10), "c": try hash(18)]) == 10)
        #expect(
            BasicAuthVerifier.decoyCost(for: ["a": try hash(12), "b": try hash(18)]) == 12, "ties go to the lower cost")
        #expect(
            BasicAuthVerifier.decoyCost(for: ["bob": try hash(18)]) == 18, "a single user is matched whatever its cost")
    }

    @Test func successesAreCachedAndTheCacheIsBounded() async throws {
        let spy = BcryptSpy()
        let verifier = BasicAuthVerifier(cacheCapacity: 2, bcrypt: { spy.verify($0, $1) })
        var users: [String: BcryptHash] = [:]
        for name in ["u1", "u2", "u3"] { users[name] = BcryptHash(Bcrypt.hash("pw-\(name)", cost: 4)) }
        #expect(await verifier.verify(user: "u1", password: "pw-u1", users: users))
        #expect(await verifier.verify(user: "u1", password: "pw-u1", users: users))
        #expect(
            spy.hashes.withLock { $0.count } == 1, "the second check of the same credentials is served from the cache")
        #expect(
            await verifier.verify(user: "u1", password: "wrong", users: users) == false,
            "a cached user with another password still pays bcrypt")
        #expect(spy.hashes.withLock { $0.count } == 2)
        #expect(await verifier.verify(user: "u2", password: "pw-u2", users: users))
        #expect(await verifier.verify(user: "u3", password: "pw-u3", users: users))
        #expect(verifier.cache.count == 2, "bounded")
        #expect(await verifier.verify(user: "u1", password: "pw-u1", users: users))
        #expect(spy.hashes.withLock { $0.count } == 5, "the oldest entry (u1) was evicted, so u1 paid bcrypt again")
        // A changed hash for the same user does not match the cached entry.
        users["u3"] = BcryptHash(Bcrypt.hash("new", cost: 4))
        #expect(await verifier.verify(user: "u3", password: "pw-u3", users: users) == false)
    }

    @Test func brokenFileAfterStartFailsClosedAndRecovers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sas-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("web.yml").path
        try "basic_auth_users: {}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let settings = try WebServerSettings.load(path: path, logger: .init(label: "test"))
        var routes = ExporterRouter(store: RouterTests.store(), reload: { .reloaded })
        routes.web = settings
        let app = Application(router: routes.build())
        try await app.test(.router) { client in
            try await client.execute(uri: "/-/healthy", method: .get) { #expect($0.status == .ok) }
            try "basic_auth_users:\n  alice: not-a-hash\n".write(toFile: path, atomically: true, encoding: .utf8)
            try await client.execute(
                uri: "/-/healthy", method: .get, headers: [.authorization: Self.basic("alice", "x")]
            ) { response in
                #expect(response.status == .internalServerError, "a broken file refuses every request")
                #expect(!String(buffer: response.body).contains("not-a-hash"))
            }
            try FileManager.default.removeItem(atPath: path)
            try await client.execute(uri: "/-/healthy", method: .get) {
                #expect($0.status == .internalServerError, "a missing file too")
            }
            try "basic_auth_users:\n  alice: \(Self.htpasswdHash)\n".write(
                toFile: path, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/-/healthy", method: .get) {
                #expect($0.status == .unauthorized, "the fixed file applies at once")
            }
            try await client.execute(
                uri: "/-/healthy", method: .get, headers: [.authorization: Self.basic("alice", "s3cret-Pass")]
            ) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func credentialsHeaderParsing() {
        #expect(BasicCredentials(authorization: Self.basic("a", "b:c")) == BasicCredentials(user: "a", password: "b:c"))
        #expect(BasicCredentials(authorization: "basic " + Data("a:".utf8).base64EncodedString())?.password == "")
        #expect(BasicCredentials(authorization: nil) == nil)
    }
}
