import SASSigning
import SASTestKit
import Testing

@testable import SASAPI

@Suite("Request models flatten like the SDK")
struct QueryTests {
    @Test func processDetailQueryOmitsAbsentValues() {
        #expect(ProcessDetailQuery().parameters(page: nil).isEmpty)
        let names = ProcessDetailQuery(taskIds: ["x"], lang: "zh").parameters(page: 2).map(\.name)
        #expect(names == ["CurrentPage", "Lang", "TaskIds.1"])
    }

    @Test func processDetailQueryOrderAndArrays() {
        let query = ProcessDetailQuery(
            taskIds: (1...11).map { "t\($0)" }, statusCodes: [0, 4], startTime: -5, endTime: 1_731_555_850_000,
            pageSize: 100, lang: "en"
        )
        let rendered = query.parameters(page: 3).map { "\($0.name)=\($0.value)" }
        #expect(
            Array(rendered.prefix(7)) == [
                "CurrentPage=3", "EndTime=1731555850000", "Lang=en", "PageSize=100", "StartTime=-5",
                "StatusCodes.1=0", "StatusCodes.2=4",
            ])
        #expect(rendered[7] == "TaskIds.1=t1")
        #expect(rendered.last == "TaskIds.11=t11")
        #expect(rendered.count == 18)
    }

    @Test func processQueryFlattensEveryArray() {
        let query = ProcessQuery(
            taskIds: ["a"], statusCodes: [2], taskSources: ["CONSOLE"], taskTypes: ["CHECK_ALL", "CHECK_ITEM"],
            startTime: 1, endTime: 2, pageSize: 50
        )
        let rendered = query.parameters(page: 1).map { "\($0.name)=\($0.value)" }
        #expect(
            rendered == [
                "CurrentPage=1", "EndTime=2", "PageSize=50", "StartTime=1", "StatusCodes.1=2", "TaskIds.1=a",
                "TaskSources.1=CONSOLE", "TaskTypes.1=CHECK_ALL", "TaskTypes.2=CHECK_ITEM",
            ])
    }
}

@Suite("Endpoints")
struct EndpointTests {
    @Test func regionMapMatchesTheSDK() throws {
        let map = try #require(SignatureVectors.all?.endpointsByRegion)
        var checked = 0
        for (region, host) in map where !region.hasPrefix("override") {
            #expect(Endpoint.forRegion(region) == Endpoint(host: host), "\(region)")
            checked += 1
        }
        #expect(checked >= 9)
        #expect(Endpoint.forRegion("cn-shanghai-finance-1").host == "tds.cn-shanghai.aliyuncs.com")
        #expect(Endpoint.forRegion("cn-north-2-gov-1").host == "tds.cn-shanghai.aliyuncs.com")
    }

    @Test func explicitEndpointOverride() throws {
        let sdk = try Endpoint(parsing: "127.0.0.1:8443")
        #expect(sdk == Endpoint(scheme: "https", host: "127.0.0.1", port: 8443))
        #expect(sdk.hostHeader == "127.0.0.1:8443")
        let plain = try Endpoint(parsing: "http://127.0.0.1:18080")
        #expect(plain == Endpoint(scheme: "http", host: "127.0.0.1", port: 18080))
        #expect(plain.baseURL == "http://127.0.0.1:18080")
        let named = try Endpoint(parsing: "https://tds.cn-shanghai.aliyuncs.com/")
        #expect(named.port == 443)
        #expect(named.hostHeader == "tds.cn-shanghai.aliyuncs.com")
        #expect(try Endpoint(parsing: "http://example.com").port == 80)
        #expect(try Endpoint(parsing: "[::1]:9000") == Endpoint(scheme: "https", host: "::1", port: 9000))
        #expect(try Endpoint(parsing: "[::1]:9000").hostHeader == "[::1]:9000")
    }

    @Test(arguments: ["", "ftp://host", "host:0", "host:99999", "host:abc", "http://host/path", "user@host", "[::1"])
    func invalidEndpoints(_ text: String) {
        #expect(throws: EndpointError.self) { try Endpoint(parsing: text) }
    }
}

@Suite("Proxy selection from the environment")
struct ProxySelectionTests {
    static let https = Endpoint(host: "tds.cn-shanghai.aliyuncs.com")
    static let local = Endpoint(scheme: "http", host: "127.0.0.1", port: 18080)

    struct Case: Sendable, CustomTestStringConvertible {
        let environment: [String: String]
        let endpoint: Endpoint
        let expected: String?
        var testDescription: String { "\(environment) \(endpoint) -> \(expected ?? "direct")" }
    }

    static let cases: [Case] = [
        Case(environment: [:], endpoint: https, expected: nil),
        Case(environment: ["HTTPS_PROXY": "http://proxy:3128"], endpoint: https, expected: "proxy:3128"),
        Case(environment: ["https_proxy": "proxy2:8080"], endpoint: https, expected: "proxy2:8080"),
        Case(
            environment: ["HTTPS_PROXY": "http://up:1", "https_proxy": "http://low:2"], endpoint: https,
            expected: "up:1"),
        Case(environment: ["HTTP_PROXY": "http://proxy:3128"], endpoint: https, expected: nil),
        Case(environment: ["HTTP_PROXY": "http://proxy:3128"], endpoint: local, expected: "proxy:3128"),
        Case(environment: ["http_proxy": "proxy"], endpoint: local, expected: "proxy:80"),
        Case(environment: ["HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"], endpoint: https, expected: nil),
        Case(environment: ["HTTPS_PROXY": "http://p:1", "NO_PROXY": "aliyuncs.com"], endpoint: https, expected: nil),
        Case(environment: ["HTTPS_PROXY": "http://p:1", "no_proxy": ".aliyuncs.com"], endpoint: https, expected: nil),
        Case(environment: ["HTTPS_PROXY": "http://p:1", "NO_PROXY": "*.aliyuncs.com"], endpoint: https, expected: nil),
        Case(environment: ["HTTPS_PROXY": "http://p:1", "NO_PROXY": "yuncs.com"], endpoint: https, expected: "p:1"),
        Case(
            environment: ["HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com, tds.cn-shanghai.aliyuncs.com"],
            endpoint: https, expected: nil),
        Case(environment: ["HTTP_PROXY": "http://p:1", "NO_PROXY": "127.0.0.1:18080"], endpoint: local, expected: nil),
        Case(
            environment: ["HTTP_PROXY": "http://p:1", "NO_PROXY": "127.0.0.1:9999"], endpoint: local, expected: "p:1"),
        Case(
            environment: ["HTTP_PROXY": "http://p:1", "NO_PROXY": "localhost,127.0.0.1"], endpoint: local, expected: nil
        ),
        Case(environment: ["HTTPS_PROXY": "socks5://p:1080"], endpoint: https, expected: nil),
        Case(environment: ["HTTPS_PROXY": ""], endpoint: https, expected: nil),
    ]

    @Test(arguments: cases)
    func selects(_ c: Case) {
        let proxy = ProxySelection.proxy(for: c.endpoint, environment: c.environment)
        #expect(proxy.map { "\($0.host):\($0.port)" } == c.expected)
    }

    @Test func proxyCredentialsBecomeBasicAuthorization() throws {
        let proxy = try #require(
            ProxySelection.proxy(for: Self.https, environment: ["HTTPS_PROXY": "http://user:pa%ss@proxy:3128/"]))
        #expect(proxy.host == "proxy")
        #expect(proxy.port == 3128)
        #expect(proxy.authorization != nil)
    }

    @Test func factoryAppliesTimeoutsAndProxy() {
        let factory = SASHTTPClientFactory(
            environment: ["HTTPS_PROXY": "http://proxy:3128"], connectTimeout: .seconds(2),
            readTimeout: .milliseconds(1500)
        )
        let configuration = factory.configuration(for: Self.https)
        #expect(configuration.timeout.connect == .seconds(2))
        #expect(configuration.timeout.read == .milliseconds(1500))
        #expect(configuration.proxy?.host == "proxy")
        #expect(factory.configuration(for: Self.local).proxy == nil)
    }
}

@Suite("Request nonces")
struct NonceTests {
    @Test func aNonceIs32LowerCaseHexDigitsAndNeverRepeats() {
        let nonces = (0..<1_000).map { _ in SASClientEnvironment.randomNonce() }
        #expect(nonces.allSatisfy { $0.utf8.count == 32 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        #expect(Set(nonces).count == nonces.count)
    }
}
