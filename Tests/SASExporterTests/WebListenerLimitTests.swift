import AsyncHTTPClient
import Foundation
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

@testable import SASExporter

/// Slow, idle, numerous and oversized clients against the listener: scrapes still answer.
@Suite("Listener limits", .serialized)
struct WebListenerLimitTests {
    /// Times a scrape of /metrics on a fresh connection.
    static func scrape(_ port: Int) async throws -> (status: Int, took: Duration) {
        let started = ContinuousClock.now
        let answer = try await TestRequest(path: "/metrics").send(to: port)
        return (answer.status, ContinuousClock.now - started)
    }

    @Test func scrapesAnswerUnderSlowlorisAnd512IdleConnections() async throws {
        try await ListenerHarness.run(web: nil) { port in
            var idle: [RawConnection] = []
            for _ in 0..<512 { idle.append(try await RawConnection.open(port: port)) }
            let slow = try await (0..<32).asyncMap { _ in try await RawConnection.open(port: port) }
            let opened = ContinuousClock.now
            // Slowloris: one header byte a second on each slow connection.
            let trickle = Task {
                let head =
                    Array("GET /metrics HTTP/1.1\r\nHost: sas\r\nX-Slow: ".utf8)
                    + Array(repeating: UInt8(ascii: "a"), count: 100)
                for byte in head {
                    for connection in slow where connection.isOpen {
                        try? await connection.send(String(decoding: [byte], as: UTF8.self))
                    }
                    try await Task.sleep(for: .seconds(1))
                    if slow.allSatisfy({ !$0.isOpen }) { return }
                }
            }
            var scrapes: [Duration] = []
            while ContinuousClock.now - opened < .seconds(6) {
                let result = try await Self.scrape(port)
                #expect(result.status == 200)
                scrapes.append(result.took)
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(scrapes.allSatisfy { $0 < .seconds(1) }, "every scrape within 1 s: \(scrapes)")
            // The slow connections are cut at the request-head timeout (10 s), the idle ones
            // (which never sent a byte) at the same timeout from their start.
            var cut: [Duration] = []
            for connection in slow {
                _ = try await connection.untilClosed()
                cut.append(ContinuousClock.now - opened)
            }
            trickle.cancel()
            #expect(
                cut.allSatisfy { $0 > .seconds(8) && $0 < .seconds(16) },
                "slow senders closed after about 10 s: \(cut.max() ?? .zero)")
            for connection in idle { _ = try await connection.untilClosed() }
            let sorted = scrapes.sorted()
            print(
                """
                listener under 512 idle + 32 slowloris connections: \(scrapes.count) scrapes, \
                median \(sorted[sorted.count / 2]), max \(sorted.last ?? .zero); \
                slow senders closed after \(cut.min() ?? .zero) to \(cut.max() ?? .zero)
                """)
        }
    }

    @Test func an80KBHeaderGets431() async throws {
        try await ListenerHarness.run(web: nil) { port in
            let connection = try await RawConnection.open(port: port)
            let big = String(repeating: "a", count: 80 * 1024)
            try await connection.send("GET /metrics HTTP/1.1\r\nHost: sas\r\nX-Big: \(big)\r\n\r\n")
            let answer = try await connection.untilClosed()
            #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "\(answer.prefix(200))")
            #expect(answer.lowercased().contains("connection: close\r\n"))
            let many = (0..<200).map { "X-Header-\($0): v\r\n" }.joined()
            let second = try await RawConnection.open(port: port)
            try await second.send("GET /metrics HTTP/1.1\r\nHost: sas\r\n\(many)\r\n")
            #expect(try await second.untilClosed().hasPrefix("HTTP/1.1 431 "), "200 header lines (over 100) too")
            #expect(try await Self.scrape(port).status == 200, "and the listener goes on")
        }
    }

    @Test func bodiesAreRefusedExceptOnReload() async throws {
        try await ListenerHarness.run(web: nil) { port in
            let post = try await RawConnection.open(port: port)
            try await post.send("POST /metrics HTTP/1.1\r\nHost: sas\r\nContent-Length: 5\r\n\r\nhello")
            #expect(try await post.untilClosed().hasPrefix("HTTP/1.1 413 "))
            let chunked = try await RawConnection.open(port: port)
            try await chunked.send(
                "GET /metrics HTTP/1.1\r\nHost: sas\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            #expect(try await chunked.untilClosed().hasPrefix("HTTP/1.1 413 "))
            let reload = try await RawConnection.open(port: port)
            try await reload.send(
                "POST /-/reload HTTP/1.1\r\nHost: sas\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            #expect(try await reload.untilClosed().hasPrefix("HTTP/1.1 200 "), "a small body on /-/reload is fine")
            let bigReload = try await RawConnection.open(port: port)
            try await bigReload.send(
                "POST /-/reload HTTP/1.1\r\nHost: sas\r\nContent-Length: 4096\r\n\r\n"
                    + String(repeating: "x", count: 4096))
            #expect(try await bigReload.untilClosed().hasPrefix("HTTP/1.1 413 "), "over 1 KiB is not")
        }
    }

    @Test func idleConnectionsCloseAndTheCapEvictsTheOldestIdleOne() async throws {
        var limits = ListenerLimits()
        limits.maxConnections = 8
        limits.idleTimeout = .seconds(1)
        try await ListenerHarness.run(web: nil, limits: limits) { port in
            // A keep-alive connection that got its answer is closed after the idle timeout.
            let keptAlive = try await RawConnection.open(port: port)
            try await keptAlive.send("GET /-/healthy HTTP/1.1\r\nHost: sas\r\n\r\n")
            let started = ContinuousClock.now
            let answered = try await keptAlive.untilClosed()
            #expect(answered.hasPrefix("HTTP/1.1 200 "))
            #expect(ContinuousClock.now - started > .milliseconds(800), "kept open while fresh")

            // Eight connections that send nothing fill the cap; a scrape still gets in,
            // closing the oldest of them.
            var idle: [RawConnection] = []
            for _ in 0..<8 {
                idle.append(try await RawConnection.open(port: port))
                try await Task.sleep(for: .milliseconds(20))
            }
            let scrape = try await Self.scrape(port)
            #expect(scrape.status == 200 && scrape.took < .seconds(1), "\(scrape)")
            _ = try await idle[0].untilClosed()
            #expect(idle[1...].contains { $0.isOpen }, "only the oldest made room")
            for connection in idle { await connection.close() }
        }
    }

    @Test func theTLSListenerAppliesTheSameLimits() async throws {
        let certs = try TestCertificates.make()
        defer { certs.remove() }
        var limits = ListenerLimits()
        limits.requestHeadTimeout = .seconds(1)
        let settings = try ListenerHarness.settings(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n", in: certs.directory)
        try await ListenerHarness.run(web: settings, limits: limits) { port in
            let silent = try await RawConnection.open(port: port)
            let started = ContinuousClock.now
            _ = try await silent.untilClosed()
            let took = ContinuousClock.now - started
            #expect(
                took > .milliseconds(800) && took < .seconds(5),
                "no TLS handshake: closed at the head timeout (\(took))")

            let trust = TestRequest.TLSOptions(trust: certs.path("server.crt"))
            let h2 = try await TestRequest(path: "/metrics", tls: trust).send(to: port)
            #expect(h2.status == 200 && h2.version == "HTTP/2.0")
            var http1 = trust
            http1.http1Only = true
            let big = try await TestRequest(
                path: "/metrics", tls: http1, headers: [("X-Big", String(repeating: "a", count: 80 * 1024))]
            ).send(to: port)
            #expect(big.status == 431, "over TLS too")
            let posted = try await TestRequest(path: "/metrics", tls: http1, method: "POST", body: "hello").send(
                to: port)
            #expect(posted.status == 413, "HTTP/1.1 over TLS")
            let postedH2 = try await TestRequest(path: "/metrics", tls: trust, method: "POST", body: "hello").send(
                to: port)
            #expect(postedH2.status == 413, "HTTP/2")
            let reloadH2 = try await TestRequest(path: "/-/reload", tls: trust, method: "POST", body: "{}").send(
                to: port)
            #expect(reloadH2.status == 200, "HTTP/2, a small body on /-/reload")
            do {
                let bigH2 = try await TestRequest(
                    path: "/metrics", tls: trust, headers: [("X-Big", String(repeating: "a", count: 80 * 1024))]
                ).send(to: port)
                print("HTTP/2 request with an 80 KB header: \(bigH2.status)")
            } catch {
                print("HTTP/2 request with an 80 KB header: \(error)")
            }
            #expect(
                try await TestRequest(path: "/metrics", tls: trust).send(to: port).status == 200,
                "and the listener goes on")
        }
    }

    @Test func theRegistryRefusesWhenEveryConnectionIsBusy() throws {
        let registry = ConnectionRegistry(limit: 2)
        let channels = try (0..<4).map { _ in
            let channel = EmbeddedChannel()
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
            return channel
        }
        let start = ContinuousClock.now
        #expect(registry.admit(channels[0], now: start))
        #expect(registry.admit(channels[1], now: start + .seconds(1)))
        registry.update(channels[0], busy: true, now: start + .seconds(2))
        #expect(registry.admit(channels[2], now: start + .seconds(3)), "channel 1 is idle: it makes room")
        #expect(!channels[1].isActive && channels[0].isActive)
        registry.update(channels[2], busy: true)
        #expect(!registry.admit(channels[3], now: start + .seconds(4)), "all busy: the newcomer is refused")
        #expect(registry.evictions == (evicted: 1, refused: 1))
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var values: [T] = []
        for element in self { values.append(try await transform(element)) }
        return values
    }
}
