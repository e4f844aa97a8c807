import HTTPTypes
import Hummingbird

/// Applies the web configuration to every request, in exporter-toolkit's order: the rate
/// limit (429), the extra `http_server_config.headers`, then basic auth when
/// `basic_auth_users` is set. Register it before the routes (a Hummingbird middleware wraps
/// only routes registered after it). Every route is protected, `/-/healthy` included, as
/// exporter-toolkit does.
public struct WebAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The realm sent in `WWW-Authenticate`.
    public static var realm: String { "sas-exporter" }

    public let source: WebConfigSource
    public let verifier: BasicAuthVerifier
    let limiter: RateLimiter

    public init(source: WebConfigSource, verifier: BasicAuthVerifier = BasicAuthVerifier()) {
        self.init(source: source, verifier: verifier, limiter: RateLimiter())
    }

    init(source: WebConfigSource, verifier: BasicAuthVerifier, limiter: RateLimiter) {
        self.source = source
        self.verifier = verifier
        self.limiter = limiter
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard case .success(let config) = source.current() else {
            // Fail closed: the reason is in the log, not in the answer.
            return Self.text(.internalServerError, "Internal Server Error: the web configuration is invalid\n")
        }
        guard limiter.allow(config.rateLimit) else { return Self.text(.tooManyRequests, "Too Many Requests\n") }
        var response: Response
        if config.users.isEmpty {
            response = try await respond(request, context: context, next: next)
        } else {
            var outcome = BasicAuthVerifier.Outcome.refused
            if let credentials = BasicCredentials(authorization: request.headers[.authorization]) {
                outcome = await verifier.check(
                    user: credentials.user, password: credentials.password, users: config.users)
            }
            switch outcome {
            case .accepted:
                response = try await respond(request, context: context, next: next)
            case .refused:
                response = Self.text(.unauthorized, "Unauthorized\n")
                response.headers[.wwwAuthenticate] = "Basic realm=\"\(Self.realm)\""
            case .busy:
                response = Self.text(
                    .tooManyRequests, "Too Many Requests: too many password checks at once, try again\n")
                response.headers[.retryAfter] = "1"
            }
        }
        for header in config.headers {
            if let name = HTTPField.Name(header.name) { response.headers[name] = header.value }
        }
        return response
    }

    /// Runs the route, turning its HTTP errors into responses so they get the headers too.
    private func respond(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
