import Foundation

@testable import SASSimulator

#if canImport(Glibc)
    import Glibc
#endif

/// Sends one HTTP/1.1 request over a plain socket and reads until the server closes
/// (or 5 s pass), to observe what a normal client library would hide.
func rawExchange(port: Int, call: TestCall, host: String) async throws -> Data {
    var request = "\(call.method.rawValue) \(call.uri) HTTP/1.1\r\nHost: \(host)\r\n"
    for field in call.headers { request += "\(field.name.rawName): \(field.value)\r\n" }
    request += "Content-Length: 0\r\nConnection: close\r\n\r\n"
    let bytes = Array(request.utf8)
    // Blocking socket calls run on a GCD thread, never on the cooperative pool that
    // the in-process server needs.
    return try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try exchange(port: port, bytes: bytes) })
        }
    }
}

private func exchange(port: Int, bytes: [UInt8]) throws -> Data {
    do {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPError.socket }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw RawHTTPError.connect }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return received
    }
}

enum RawHTTPError: Error {
    case socket, connect
}
