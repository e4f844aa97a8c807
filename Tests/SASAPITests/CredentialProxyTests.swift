import AsyncHTTPClient
import Foundation
import SASSigning
import SASSimulator
import SASTestKit
import Testing

@testable import SASAPI

@Suite("Credential calls: STS endpoint and proxies")
struct CredentialProxyTests {
    /// A fake HTTP proxy on 127.0.0.1 that records what reaches it (async-http-client asks
    /// for a `CONNECT` tunnel, for `http` URLs too) and refuses with 502.
    static func withProxy<T>(_ body: (FakeServer) async throws -> T) async throws -> T {
        try await FakeServer.with({ _ in FakeResponse(status: 502) }, body)
    }

    /// The RRSA chain of `environment` with clients chosen per URL; the credentials or the error.
    static func resolve(_ environment: [String: String]) async -> Result<Credentials, any Error> {
        let pool = HTTPClientPool(factory: SASHTTPClientFactory(environment: environment, connectTimeout: .seconds(2)))
        let chain = DefaultCredentialChain(environment: environment, clients: .perURL(pool), files: .none)
        let result: Result<Credentials, any Error>
        do {
            result = .success(try await chain.credentials())
        } catch {
            result = .failure(error)
        }
        await pool.shutdown()
        return result
    }

    @Test func oidcUsesALIBABA_CLOUD_STS_ENDPOINTAndNoProxyKeepsItOffTheProxy() async throws {
        let token = try OIDCTokenFile()
        defer { token.remove() }
        let simulator = Simulator(configuration: SimulatorConfiguration())
        let running = try await startSimulator(simulator)
        try await Self.withProxy { proxy in
            let proxied = token.environment(sts: running.baseURL).merging(["HTTP_PROXY": proxy.endpointString]) { $1 }

            // NO_PROXY names the STS host: the call goes straight to STS.
            let direct = await Self.resolve(proxied.merging(["NO_PROXY": "localhost,127.0.0.1"]) { $1 })
            let directKey = try direct.get().accessKeyId
            #expect(directKey.hasPrefix("STS."))
            #expect(proxy.requests.isEmpty)
            #expect(simulator.stats.count(action: "AssumeRoleWithOIDC", code: "OK") == 1)

            // Without NO_PROXY the same call asks the proxy for a tunnel to STS (refused).
            let viaProxy = await Self.resolve(proxied)
            #expect(throws: CredentialsError.self) { try viaProxy.get() }
            #expect(!proxy.requests.isEmpty)
            #expect(proxy.requests.allSatisfy { $0.method == "CONNECT" && $0.uri == running.endpoint })
            #expect(simulator.stats.count(action: "AssumeRoleWithOIDC") == 1)
        }
        await running.stop()
    }

    @Test func theMetadataServiceDoesNotTakeTheAPIClientsProxy() async throws {
        let simulator = Simulator(configuration: SimulatorConfiguration())
        let running = try await startSimulator(simulator)
        try await Self.withProxy { proxy in
            // The API (https) goes through HTTPS_PROXY; nothing names a proxy for http URLs.
            let environment = ["HTTPS_PROXY": proxy.endpointString, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"]
            let pool = HTTPClientPool(
                factory: SASHTTPClientFactory(environment: environment, connectTimeout: .seconds(2)))
            let api = SASHTTPClientFactory(environment: environment).configuration(
                for: Endpoint(host: "tds.cn-shanghai.aliyuncs.com"))
            #expect(api.proxy?.port == proxy.port)
            let chain = DefaultCredentialChain(
                environment: environment, clients: .perURL(pool), ecsMetadataBaseURL: running.baseURL, files: .none
            )
            let credentials = try await chain.credentials()
            #expect(credentials.accessKeyId.hasPrefix("STS."))
            #expect(simulator.stats.count(action: "MetadataCredentials", code: "OK") == 1)
            #expect(proxy.requests.isEmpty)

            // What reusing the API client did: the metadata call went to the API's proxy.
            let reused = DefaultCredentialChain(
                environment: environment,
                clients: .fixed(pool.client(for: Endpoint(host: "tds.cn-shanghai.aliyuncs.com"))),
                ecsMetadataBaseURL: running.baseURL, files: .none
            )
            await #expect(throws: CredentialsError.self) { try await reused.credentials() }
            #expect(!proxy.requests.isEmpty)
            #expect(proxy.requests.allSatisfy { $0.method == "CONNECT" && $0.uri == running.endpoint })
            await pool.shutdown()
        }
        await running.stop()
    }

    @Test func eachCredentialURLTakesItsOwnProxyRoute() {
        let environment = [
            "HTTPS_PROXY": "http://proxy.corp:3128", "HTTP_PROXY": "http://proxy.corp:3128",
            "NO_PROXY": "100.100.100.200,.vpc-proxy-exempt.aliyuncs.com",
        ]
        let factory = SASHTTPClientFactory(environment: environment)
        func proxied(_ url: String) -> Bool? {
            CredentialHTTPClients.endpoint(of: url).map { factory.configuration(for: $0).proxy != nil }
        }
        #expect(proxied("http://100.100.100.200/latest/api/token") == false)
        #expect(proxied("https://sts.cn-hangzhou.aliyuncs.com/?Action=AssumeRole") == true)
        #expect(proxied("https://sts.vpc-proxy-exempt.aliyuncs.com/?Action=AssumeRole") == false)
        #expect(proxied("http://127.0.0.1:8080/creds?x=1") == true)
        #expect(proxied("ftp://example.com/x") == nil)
        #expect(proxied("https://") == nil)
    }

    @Test func stsEndpointOrder() {
        let vpc = ["ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED": "true"]
        #expect(STSEndpoint.resolve(environment: [:]) == "https://sts.aliyuncs.com")
        #expect(
            STSEndpoint.resolve(accountRegion: "cn-hangzhou", environment: [:])
                == "https://sts.cn-hangzhou.aliyuncs.com")
        #expect(
            STSEndpoint.resolve(accountRegion: "cn-hangzhou", environment: vpc)
                == "https://sts-vpc.cn-hangzhou.aliyuncs.com")
        #expect(STSEndpoint.resolve(accountRegion: nil, environment: vpc) == "https://sts.aliyuncs.com")
        let region = vpc.merging(["ALIBABA_CLOUD_STS_REGION": "cn-beijing"]) { $1 }
        #expect(
            STSEndpoint.resolve(accountRegion: "cn-hangzhou", environment: region)
                == "https://sts-vpc.cn-beijing.aliyuncs.com")
        #expect(
            STSEndpoint.resolve(profileRegion: "cn-shanghai", profileVPC: false, environment: region)
                == "https://sts.cn-shanghai.aliyuncs.com")
        let endpoint = region.merging(["ALIBABA_CLOUD_STS_ENDPOINT": "sts-vpc.cn-shenzhen.aliyuncs.com"]) { $1 }
        #expect(
            STSEndpoint.resolve(profileRegion: "cn-shanghai", accountRegion: "cn-hangzhou", environment: endpoint)
                == "https://sts-vpc.cn-shenzhen.aliyuncs.com")
        #expect(
            STSEndpoint.resolve(explicit: "http://127.0.0.1:9000/", environment: endpoint) == "http://127.0.0.1:9000")
        #expect(
            STSEndpoint.resolve(explicit: "", accountRegion: "eu-central-1", environment: [:])
                == "https://sts.eu-central-1.aliyuncs.com")
    }
}
