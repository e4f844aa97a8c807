import AsyncHTTPClient
import Foundation
import SASSigning
import SASSimulator
import SASTestKit
import Synchronization
import Testing

@testable import SASAPI

@Suite("Refreshing temporary credentials: backoff and refused answers")
struct CredentialRefreshTests {
    static func provider(_ source: ScriptedSource, _ clocks: ManualClocks) -> RefreshingCredentialProvider {
        clocks.settings.provider(for: source)
    }

    @Test func aFailingSourceIsNotAskedAtTheCallRate() async throws {
        let clocks = ManualClocks()
        let source = ScriptedSource()
        source.results.withLock { $0 = Array(repeating: .failure(CredentialsError("sts down")), count: 10) }
        let provider = Self.provider(source, clocks)
        for _ in 0..<100 {
            await #expect(throws: CredentialsError.self) { try await provider.credentials() }
        }
        #expect(source.calls.withLock { $0 } == 1)
        do {
            _ = try await provider.credentials()
        } catch {
            #expect("\(error)".contains("sts down"))
            #expect("\(error)".contains("next attempt in 1 s"))
        }
        // With random 0.5 the waits are 0.75 s, 1.5 s, 3 s, ...
        clocks.advance(by: .milliseconds(750))
        _ = try? await provider.credentials()
        #expect(source.calls.withLock { $0 } == 2)
        clocks.advance(by: .milliseconds(1400))
        _ = try? await provider.credentials()
        #expect(source.calls.withLock { $0 } == 2)
        clocks.advance(by: .milliseconds(100))
        _ = try? await provider.credentials()
        #expect(source.calls.withLock { $0 } == 3)
    }

    @Test func backoffGrowsToItsCap() {
        let backoff = RefreshBackoff(random: { 1 })
        #expect(
            (1...8).map { backoff.delay(afterFailures: $0) }
                == [1, 2, 4, 8, 16, 32, 60, 60].map { Duration.seconds($0) })
        #expect(RefreshBackoff(random: { 0 }).delay(afterFailures: 1) == .milliseconds(500))
    }

    @Test func refreshesBeforeExpiryAndKeepsOldOnesUntilTheyExpire() async throws {
        let clocks = ManualClocks(epochSeconds: 1_000_000)
        let source = ScriptedSource()
        source.results.withLock {
            $0 =
                [.success(ScriptedSource.temporary("first", expiration: 1_000_000 + 3600))]
                + Array(repeating: .failure(CredentialsError("sts down")), count: 20)
        }
        let provider = Self.provider(source, clocks)
        #expect(try await provider.credentials().accessKeyId == "first")
        clocks.advance(by: .seconds(44 * 60 + 59))
        #expect(try await provider.credentials().accessKeyId == "first")
        #expect(source.calls.withLock { $0 } == 1)
        // Inside the margin: refresh fails, old ones served; not asked again during backoff.
        clocks.advance(by: .seconds(1))
        for _ in 0..<50 { #expect(try await provider.credentials().accessKeyId == "first") }
        #expect(source.calls.withLock { $0 } == 2)
        // Retried as the backoff allows while they are valid; an error once they expired.
        clocks.advance(by: .seconds(15 * 60 - 1))
        #expect(try await provider.credentials().accessKeyId == "first")
        let calls = source.calls.withLock { $0 }
        #expect((3...12).contains(calls))
        clocks.advance(by: .seconds(1))
        await #expect(throws: CredentialsError.self) { try await provider.credentials() }
    }

    @Test func shortLivedCredentialsAreRefreshedHalfwayNotAtEveryCall() async throws {
        let clocks = ManualClocks(epochSeconds: 1_000_000)
        let source = ScriptedSource()
        source.results.withLock {
            $0 = [
                .success(ScriptedSource.temporary("short", expiration: 1_000_000 + 600)),
                .success(ScriptedSource.temporary("next", expiration: 1_000_300 + 3600)),
            ]
        }
        let provider = Self.provider(source, clocks)
        for _ in 0..<10 { #expect(try await provider.credentials().accessKeyId == "short") }
        clocks.advance(by: .seconds(299))
        #expect(try await provider.credentials().accessKeyId == "short")
        #expect(source.calls.withLock { $0 } == 1)
        clocks.advance(by: .seconds(1))
        #expect(try await provider.credentials().accessKeyId == "next")
    }

    @Test func anAnswerThatAlreadyExpiredIsAFailure() async throws {
        let clocks = ManualClocks(epochSeconds: 1_000_000)
        let source = ScriptedSource()
        source.results.withLock { $0 = [.success(ScriptedSource.temporary("stale", expiration: 999_999))] }
        let provider = Self.provider(source, clocks)
        do {
            _ = try await provider.credentials()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("already expired"))
        }
    }

    /// An STS stand-in that answers `body` to every call.
    static func withSTS<T>(status: Int = 200, body: String, _ run: (FakeServer) async throws -> T) async throws -> T {
        try await FakeServer.with({ _ in .json(body, status: status) }, run)
    }

    @Test(arguments: [
        ("Expiration", #"{"AccessKeyId":"STS.a","AccessKeySecret":"TOPSECRET-a","SecurityToken":"STSTOKEN-a"}"#),
        (
            "SecurityToken",
            #"{"AccessKeyId":"STS.a","AccessKeySecret":"TOPSECRET-a","Expiration":"2099-01-01T00:00:00Z"}"#
        ),
        (
            "Expiration",
            #"{"AccessKeyId":"STS.a","AccessKeySecret":"TOPSECRET-a","SecurityToken":"STSTOKEN-a","Expiration":"tomorrow"}"#
        ),
    ])
    func stsAnswersWithoutExpirationOrTokenAreRefused(missing: String, credentials: String) async throws {
        try await Self.withSTS(body: #"{"RequestId":"r","Credentials":\#(credentials)}"#) { sts in
            try await CredentialSourceTests.withHTTP { http in
                let clocks = ManualClocks()
                let base = StaticCredentialProvider(
                    Credentials(accessKeyId: "LTAIbase", accessKeySecret: "TOPSECRET-base"))
                let source = AssumeRoleSource(
                    base: base, roleArn: "acs:ram::1:role/r", stsEndpoint: sts.endpointString, httpClient: http)
                let provider = clocks.settings.provider(for: source)
                for _ in 0..<20 {
                    do {
                        _ = try await provider.credentials()
                        Issue.record("expected an error")
                    } catch {
                        #expect("\(error)".contains(missing))
                        #expect(!"\(error)".contains("TOPSECRET"))
                        #expect(!"\(error)".contains("STSTOKEN"))
                    }
                }
                #expect(sts.requests.count == 1)
                // Never cached: asked again once the backoff is over.
                clocks.advance(by: .seconds(61))
                _ = try? await provider.credentials()
                #expect(sts.requests.count == 2)
            }
        }
    }
}
