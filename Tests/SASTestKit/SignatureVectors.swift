import Foundation

/// Requests the official Alibaba Cloud Python SDK signed, with every intermediate string
/// (`/work/shared/reference/signature-vectors.json`, kept once in this kit's resources):
/// a correct signer reproduces them byte for byte.
public struct SignatureVectors: Decodable, Sendable {
    /// The business parameters of a vector's request.
    public struct Params: Decodable, Sendable {
        public let taskIds: [String]
        public let statusCodes: [Int]
        public let startTime: Int64?
        public let endTime: Int64?
        public let currentPage: Int?
        public let pageSize: Int?
        public let lang: String?

        enum CodingKeys: String, CodingKey {
            case taskIds = "task_ids"
            case statusCodes = "status_codes"
            case startTime = "start_time"
            case endTime = "end_time"
            case currentPage = "current_page"
            case pageSize = "page_size"
            case lang
        }
    }

    /// What the SDK signed with: keys, the date and nonce (V3 headers or RPC parameters).
    public struct Inputs: Decodable, Sendable {
        public let accessKeyId: String
        public let accessKeySecret: String
        public let securityToken: String?
        /// `x-acs-date` (V3) or `Timestamp` (RPC).
        public let date: String
        /// `x-acs-signature-nonce` (V3) or `SignatureNonce` (RPC).
        public let nonce: String
        public let params: Params

        enum CodingKeys: String, CodingKey {
            case accessKeyId = "access_key_id"
            case accessKeySecret = "access_key_secret"
            case securityToken = "security_token"
            case params
            case date = "x-acs-date"
            case nonce = "x-acs-signature-nonce"
            case timestamp = "Timestamp"
            case signatureNonce = "SignatureNonce"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            accessKeyId = try c.decode(String.self, forKey: .accessKeyId)
            accessKeySecret = try c.decode(String.self, forKey: .accessKeySecret)
            securityToken = try c.decodeIfPresent(String.self, forKey: .securityToken)
            params = try c.decode(Params.self, forKey: .params)
            date = try c.decodeIfPresent(String.self, forKey: .date) ?? c.decode(String.self, forKey: .timestamp)
            nonce = try c.decodeIfPresent(String.self, forKey: .nonce) ?? c.decode(String.self, forKey: .signatureNonce)
        }
    }

    /// The request as it went on the wire.
    public struct HTTP: Decodable, Sendable {
        public let method: String
        public let url: String
        public let headers: [String: String]

        /// The query part of the URL, without `?`.
        public var query: String {
            guard let mark = url.firstIndex(of: "?") else { return "" }
            return String(url[url.index(after: mark)...])
        }
    }

    /// One signed request.
    public struct Vector: Decodable, Sendable {
        public let name: String
        public let inputs: Inputs
        public let http: HTTP
        /// V3 only.
        public let canonicalRequest: String?
        public let stringToSign: String
        /// V3: the `Authorization` header.
        public let authorization: String?
        /// RPC: the `Signature` parameter.
        public let signature: String?

        enum CodingKeys: String, CodingKey {
            case name, inputs, http
            case canonicalRequest = "canonical_request"
            case stringToSign = "string_to_sign"
            case authorization, signature
        }
    }

    public let v3: [Vector]
    public let rpc: [Vector]
    /// Region id → the endpoint the SDK chose.
    public let endpointsByRegion: [String: String]
    public let pinned: [String: String]

    enum CodingKeys: String, CodingKey {
        case v3
        case rpc = "rpc_v2"
        case endpointsByRegion = "endpoints_by_region"
        case pinned
    }

    /// The vectors, decoded once; nil when the resource is missing or broken (the tests that
    /// count them then fail).
    public static let all: SignatureVectors? = {
        guard let url = Bundle.module.url(forResource: "signature-vectors", withExtension: "json") else { return nil }
        return try? JSONDecoder().decode(SignatureVectors.self, from: Data(contentsOf: url))
    }()

    /// The vectors' raw file (for tests that replay them elsewhere).
    public static var fileURL: URL? { Bundle.module.url(forResource: "signature-vectors", withExtension: "json") }
}
