import Foundation

/// The official SDK's signed requests from `Fixtures/signature-vectors.json`.
struct SignatureVectors: Decodable {
    struct V3: Decodable {
        struct Inputs: Decodable {
            let access_key_id: String
            let access_key_secret: String
            let security_token: String?
            let date: String
            let nonce: String
            enum CodingKeys: String, CodingKey {
                case access_key_id, access_key_secret, security_token
                case date = "x-acs-date", nonce = "x-acs-signature-nonce"
            }
        }
        struct HTTP: Decodable {
            let method: String
            let url: String
            let headers: [String: String]
        }
        let name: String
        let inputs: Inputs
        let http: HTTP
        let canonical_request: String
        let string_to_sign: String
        let authorization: String
    }

    struct RPC: Decodable {
        struct Inputs: Decodable {
            let access_key_id: String
            let access_key_secret: String
            let security_token: String?
            let Timestamp: String
            let SignatureNonce: String
        }
        struct HTTP: Decodable {
            let method: String
            let url: String
        }
        let name: String
        let inputs: Inputs
        let http: HTTP
        let string_to_sign: String
        let signature: String
    }

    let v3: [V3]
    let rpc_v2: [RPC]

    static func load() throws -> SignatureVectors {
        guard let url = Bundle.module.url(forResource: "Fixtures/signature-vectors", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(SignatureVectors.self, from: Data(contentsOf: url))
    }

    /// Loaded once; a missing or broken fixture yields no vectors and the count test fails.
    static let all: SignatureVectors? = try? load()
}


extension String {
    /// The query part of a URL, without `?`.
    var queryPart: Substring {
        guard let mark = firstIndex(of: "?") else { return "" }
        return self[index(after: mark)...]
    }
}
