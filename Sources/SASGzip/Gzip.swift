import CompressNIO
import NIOCore

/// Gzip for response bodies (the exporter's `/metrics`; a target of its own so the
/// benchmark package can measure it without building the exporter).
public enum Gzip {
    /// Compresses `bytes`; nil if zlib fails (the caller then sends the body as it is).
    public static func compress(_ bytes: [UInt8]) -> ByteBuffer? {
        var input = ByteBuffer(bytes: bytes)
        let compressor = CompressionAlgorithm.gzip().compressor
        do {
            try compressor.startStream()
            var output = ByteBufferAllocator().buffer(capacity: compressor.maxSize(from: input))
            try compressor.streamDeflate(from: &input, to: &output, flush: .finish)
            try compressor.finishStream()
            return output
        } catch {
            return nil
        }
    }

    /// Whether an `Accept-Encoding` header allows gzip (`gzip`, `x-gzip` or `*` with a
    /// `q` above 0).
    public static func accepted(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
            guard let coding = fields.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let q = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }
}
