import NIOCore
import SASGzip
import SASMetrics
import Synchronization

/// The last `/metrics` response per format, plain and gzipped, reused while the store has
/// not published anything new and for at most `maxAge` (the `process_*` figures in it are
/// read when it is built). Scrapes then cost a lookup, not a `/proc` read or a gzip run.
final class ScrapeCache: Sendable {
    private struct Entry {
        var generation: UInt64
        var builtAt: ContinuousClock.Instant
        var plain: ByteBuffer
        var gzipped: ByteBuffer?
    }

    private let entries = Mutex<[ExpositionFormat: Entry]>([:])
    let maxAge: Duration

    init(maxAge: Duration = .seconds(1)) {
        self.maxAge = maxAge
    }

    /// The body for `format`, rebuilt with `build` when the cached one is stale.
    /// With `gzip`, the compressed body (nil if compression failed).
    func body(
        format: ExpositionFormat, gzip: Bool, generation: UInt64, build: () -> [UInt8]
    ) -> (body: ByteBuffer, gzipped: Bool) {
        let now = ContinuousClock.now
        let cached = entries.withLock { entries -> Entry? in
            guard let entry = entries[format], entry.generation == generation, now - entry.builtAt < maxAge else {
                return nil
            }
            return entry
        }
        var entry =
            cached ?? Entry(generation: generation, builtAt: now, plain: ByteBuffer(bytes: build()), gzipped: nil)
        var compressedNow = false
        if gzip, entry.gzipped == nil {
            entry.gzipped = Gzip.compress(Array(entry.plain.readableBytesView))
            compressedNow = true
        }
        if cached == nil || compressedNow {
            let updated = entry
            entries.withLock { $0[format] = updated }
        }
        if gzip, let compressed = entry.gzipped { return (compressed, true) }
        return (entry.plain, false)
    }
}
