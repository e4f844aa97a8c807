import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SASModels
import SASSigning

extension SASClient {
    /// One HTTP attempt: credentials, rate limit, concurrency slot, signed request, response.
    func attempt<Response: Sendable>(
        action: String, parameters: [QueryParameter], page: Int, attempt: Int,
        deadline: ContinuousClock.Instant?, decode: (UnsafeRawBufferPointer) throws(ResponseDecodingError) -> Response
    ) async throws(SASAPIError) -> Response {
        guard !Task.isCancelled else { throw SASAPIError(.cancelled, action: action) }
        let credentials: Credentials
        do {
            credentials = try await credentialProvider.credentials()
        } catch {
            throw reported(SASAPIError(.credentials, action: action, detail: String(describing: error)))
        }
        let wait = await limiter.reserveToken(now: environment.now())
        if wait > .zero {
            if let deadline, environment.now() + wait >= deadline {
                throw reported(
                    SASAPIError(
                        .deadline, action: action, detail: "the request rate limit leaves no time before the deadline"))
            }
            do { try await environment.sleep(wait) } catch { throw SASAPIError(.cancelled, action: action) }
        }
        do { try await limiter.acquireSlot() } catch { throw SASAPIError(.cancelled, action: action) }
        let result: Result<Response, SASAPIError> = await send(
            action: action, parameters: parameters, page: page, attempt: attempt,
            credentials: credentials, deadline: deadline, decode: decode
        )
        await limiter.releaseSlot()
        return try result.get()
    }

    /// Reports a failure that never reached the wire (no latency observed) and returns it.
    private func reported(_ error: SASAPIError) -> SASAPIError {
        observer?.apiCallFinished(action: error.action ?? "unknown", code: error.metricCode, seconds: nil)
        return error
    }

    private func send<Response: Sendable>(
        action: String, parameters: [QueryParameter], page: Int, attempt: Int,
        credentials: Credentials, deadline: ContinuousClock.Instant?,
        decode: (UnsafeRawBufferPointer) throws(ResponseDecodingError) -> Response
    ) async -> Result<Response, SASAPIError> {
        let start = environment.now()
        var attemptDeadline = start + configuration.attemptTimeout
        if let deadline, deadline < attemptDeadline { attemptDeadline = deadline }
        let remaining = attemptDeadline - start
        guard remaining > .zero else {
            return .failure(
                reported(
                    SASAPIError(.deadline, action: action, detail: "the deadline passed before the request was sent")))
        }
        var prepared = RequestBuilder.build(
            action: action, parameters: parameters, configuration: configuration, credentials: credentials,
            epochSeconds: environment.epochSeconds(), nonce: environment.nonce()
        )
        var status: Int?
        var requestId: String?
        let outcome: Result<Response, SASAPIError>
        do {
            let response: ExchangeResponse
            do {
                response = try await exchange(prepared, remaining: remaining, action: action)
            } catch DirectHTTPError.staleConnection {
                // A kept connection failed before answering (the server closed it while
                // idle): once more on a new connection, signed anew, since the first
                // copy's nonce may have reached the server.
                prepared = RequestBuilder.build(
                    action: action, parameters: parameters, configuration: configuration, credentials: credentials,
                    epochSeconds: environment.epochSeconds(), nonce: environment.nonce()
                )
                let left = attemptDeadline - environment.now()
                guard left > .zero else { throw DirectHTTPError.deadlineExceeded }
                response = try await exchange(prepared, remaining: left, action: action, reuse: false)
            }
            status = response.status
            requestId = response.headers.first(name: "x-acs-request-id")
            outcome = .success(
                try interpret(
                    action: action, status: response.status,
                    retryAfterHeader: response.headers.first(name: "x-acs-retry-after"),
                    body: response.body, requestId: &requestId, decode: decode
                ))
        } catch let error as SASAPIError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(Self.classify(error, action: action))
        }
        let seconds = (environment.now() - start).seconds
        let code: String
        switch outcome {
        case .success: code = "OK"
        case .failure(let error): code = error.metricCode
        }
        observer?.apiCallFinished(action: action, code: code, seconds: seconds)
        // The debug lines cost a dictionary and a formatted number per call: built only
        // when they are written.
        guard logger.logLevel <= .debug else { return outcome }
        var metadata: Logger.Metadata = [
            "action": "\(action)", "page": "\(page)", "attempt": "\(attempt)", "code": "\(code)",
            "duration_seconds": "\(String(format: "%.3f", seconds))",
        ]
        if let status { metadata["status"] = "\(status)" }
        if let requestId { metadata["request_id"] = "\(requestId)" }
        logger.debug("API request", metadata: metadata)
        if case .failure(let error) = outcome {
            metadata["error"] = "\(error.description)"
            metadata["request"] = "\(prepared.description)"
            logger.debug("API request failed", metadata: metadata)
        }
        return outcome
    }

    /// Turns a complete response into the decoded page or an API error.
    private func interpret<Response: Sendable>(
        action: String, status: Int, retryAfterHeader: String?, body: ByteBuffer, requestId: inout String?,
        decode: (UnsafeRawBufferPointer) throws(ResponseDecodingError) -> Response
    ) throws(SASAPIError) -> Response {
        let retryAfter =
            retryAfterHeader
            .flatMap { Int64($0.trimming([" "])) }
            .map { Duration.milliseconds(max(0, $0)) }
        guard (200...299).contains(status) else {
            let errorBody = try? ResponseDecoder.decode(APIErrorBody.self, from: Data(body.readableBytesView))
            requestId = errorBody?.requestId ?? requestId
            throw SASAPIError(
                .api(code: errorBody?.code, message: errorBody?.message, requestId: requestId, httpStatus: status),
                action: action,
                detail: errorBody == nil ? "error body is not JSON (\(body.readableBytes) bytes)" : "",
                retryAfter: retryAfter
            )
        }
        let decoded: Result<Response, ResponseDecodingError> = body.withUnsafeReadableBytes { bytes in
            do throws(ResponseDecodingError) { return .success(try decode(bytes)) } catch { return .failure(error) }
        }
        switch decoded {
        case .success(let page): return page
        case .failure(let error): throw SASAPIError(.decode(path: error.path), action: action, detail: error.reason)
        }
    }

    /// Maps transport-level errors to `timeout`, `cancelled` or `transport`.
    static func classify(_ error: any Error, action: String) -> SASAPIError {
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .connectTimeout, .deadlineExceeded, .writeTimeout:
                return SASAPIError(.timeout, action: action, detail: "\(error)")
            case .cancelled:
                return Task.isCancelled
                    ? SASAPIError(.cancelled, action: action)
                    : SASAPIError(.transport, action: action, detail: "\(error)")
            default:
                return SASAPIError(.transport, action: action, detail: "\(error)")
            }
        }
        if let error = error as? DirectHTTPError {
            switch error {
            case .connectTimeout, .readTimeout, .deadlineExceeded:
                return SASAPIError(.timeout, action: action, detail: "\(error)")
            case .bodyTooLarge(let limit):
                return SASAPIError(.bodyTooLarge(limit: limit), action: action)
            case .cancelled:
                return SASAPIError(.cancelled, action: action)
            case .connectionClosed, .staleConnection:
                return Task.isCancelled
                    ? SASAPIError(.cancelled, action: action)
                    : SASAPIError(.transport, action: action, detail: "\(error)")
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return SASAPIError(.timeout, action: action, detail: "connect timeout")
        }
        if error is CancellationError {
            return SASAPIError(.cancelled, action: action)
        }
        return SASAPIError(.transport, action: action, detail: String(describing: error))
    }
}
