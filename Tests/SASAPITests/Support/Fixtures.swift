import Foundation

/// Test fixtures copied from /work/shared/reference.
enum Fixtures {
    static func data(_ name: String, _ ext: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: ext) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Data(contentsOf: url)
    }
}

/// The official SDK's signed requests (`Fixtures/signature-vectors.json`).
struct SignatureVectors: Decodable {
    struct Params: Decodable {
        let task_ids: [String]
        let status_codes: [Int]
        let start_time: Int64?
        let end_time: Int64?
        let current_page: Int?
        let page_size: Int?
        let lang: String?
    }

    struct Inputs: Decodable {
        let access_key_id: String
        let access_key_secret: String
        let security_token: String?
        let date: String
        let nonce: String
        let params: Params
        enum CodingKeys: String, CodingKey {
            case access_key_id, access_key_secret, security_token, params
            case date = "x-acs-date", nonce = "x-acs-signature-nonce"
            case Timestamp, SignatureNonce
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            access_key_id = try c.decode(String.self, forKey: .access_key_id)
            access_key_secret = try c.decode(String.self, forKey: .access_key_secret)
            security_token = try c.decodeIfPresent(String.self, forKey: .security_token)
            params = try c.decode(Params.self, forKey: .params)
            date = try c.decodeIfPresent(String.self, forKey: .date) ?? c.decode(String.self, forKey: .Timestamp)
            nonce = try c.decodeIfPresent(String.self, forKey: .nonce) ?? c.decode(String.self, forKey: .SignatureNonce)
        }
    }

    struct HTTP: Decodable {
        let method: String
        let url: String
        let headers: [String: String]
    }

    struct Vector: Decodable {
        let name: String
        let inputs: Inputs
        let http: HTTP
        let authorization: String?
    }

    let v3: [Vector]
    let rpc_v2: [Vector]
    let endpoints_by_region: [String: String]
    let pinned: [String: String]

    static let all: SignatureVectors? = try? JSONDecoder().decode(
        SignatureVectors.self, from: Fixtures.data("signature-vectors", "json")
    )
}

extension String {
    /// The query part of a URL, without `?`.
    var queryPart: String {
        guard let mark = firstIndex(of: "?") else { return "" }
        return String(self[index(after: mark)...])
    }
}
