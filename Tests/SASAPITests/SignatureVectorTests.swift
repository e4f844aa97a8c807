import SASModels
import SASSigning
import SASTestKit
import Testing

@testable import SASAPI

/// Every SDK vector through the client's own path: query model → flattening → signing.
@Suite("Client requests reproduce the official SDK's signed requests")
struct SignatureVectorTests {
    static let v3 = SignatureVectors.all?.v3 ?? []
    static let rpc = SignatureVectors.all?.rpc ?? []

    @Test func vectorsArePresent() {
        #expect(Self.v3.count == 4)
        #expect(Self.rpc.count == 4)
    }

    static func prepared(_ vector: SignatureVectors.Vector, signature: SignatureVersion) throws -> PreparedRequest {
        let params = vector.inputs.params
        let query = ProcessDetailQuery(
            taskIds: params.taskIds, statusCodes: params.statusCodes, startTime: params.startTime,
            endTime: params.endTime, pageSize: params.pageSize, lang: params.lang
        )
        let host = try #require(vector.http.headers["host"])
        let configuration = SASClientConfiguration(
            endpoint: try Endpoint(parsing: host),
            signature: signature,
            userAgent: try #require(vector.http.headers["user-agent"]),
            credentialsProviderHeader: vector.http.headers["x-acs-credentials-provider"]
        )
        return RequestBuilder.build(
            action: SecurityCenterAPI.Action.listOperationProcessDetail.rawValue,
            parameters: query.parameters(page: params.currentPage),
            configuration: configuration,
            credentials: Credentials(
                accessKeyId: vector.inputs.accessKeyId,
                accessKeySecret: vector.inputs.accessKeySecret,
                securityToken: vector.inputs.securityToken
            ),
            epochSeconds: try #require(ACSTimestamp.parse(vector.inputs.date)),
            nonce: vector.inputs.nonce
        )
    }

    @Test(arguments: v3.map(\.name))
    func v3Vector(_ name: String) throws {
        let vector = try #require(Self.v3.first { $0.name == name })
        let request = try Self.prepared(vector, signature: .v3)
        #expect(request.url == vector.http.url)
        #expect(request.wireQuery == vector.http.query)
        var sent: [String: String] = [:]
        for header in request.headers { sent[header.name] = header.value }
        #expect(sent["Authorization"] == vector.authorization)
        #expect(sent == vector.http.headers)
    }

    @Test(arguments: rpc.map(\.name))
    func rpcVector(_ name: String) throws {
        let vector = try #require(Self.rpc.first { $0.name == name })
        let request = try Self.prepared(vector, signature: .rpc)
        #expect(request.url == vector.http.url)
        #expect(request.wireQuery == vector.http.query)
        var sent: [String: String] = [:]
        for header in request.headers where header.name != "accept" { sent[header.name] = header.value }
        #expect(sent == vector.http.headers)
    }

    @Test func withoutProviderHeaderTheV3SignatureStillCoversEveryHeaderSent() throws {
        let vector = try #require(Self.v3.first)
        let request = RequestBuilder.build(
            action: "ListOperationProcessDetail", parameters: ProcessDetailQuery(taskIds: ["a"]).parameters(page: 1),
            configuration: SASClientConfiguration(endpoint: Endpoint(host: "h")),
            credentials: Credentials(accessKeyId: "id", accessKeySecret: "s"),
            epochSeconds: 0, nonce: vector.inputs.nonce
        )
        let authorization = try #require(request.headers.last { $0.name == "Authorization" }?.value)
        let parsed = try #require(ACS3Signer.parseAuthorization(authorization))
        #expect(
            parsed.signedHeaders == [
                "accept", "host", "user-agent", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
                "x-acs-signature-nonce", "x-acs-version",
            ])
        #expect(request.headers.contains(HTTPHeader("x-acs-date", "1970-01-01T00:00:00Z")))
    }

    @Test func descriptionRedactsTokenAndSignature() throws {
        for signature in SignatureVersion.allCases {
            let request = RequestBuilder.build(
                action: "ListOperationProcessDetail", parameters: [QueryParameter("TaskIds.1", "t")],
                configuration: SASClientConfiguration(endpoint: Endpoint(host: "h"), signature: signature),
                credentials: Credentials(
                    accessKeyId: "id", accessKeySecret: "TOPSECRET-1", securityToken: "STSTOKEN-1"),
                epochSeconds: 0, nonce: "n"
            )
            #expect(!request.description.contains("STSTOKEN"))
            #expect(!request.description.contains("TOPSECRET"))
            #expect(request.description.contains("TaskIds.1=t"))
            #expect(request.url.contains("STSTOKEN-1") || request.headers.contains { $0.value == "STSTOKEN-1" })
        }
    }
}
