/// Families rendered once in both formats and kept split by family, so that the chunks of
/// several owners (one per account, one for the exporter) merge into one exposition by
/// concatenation, without rendering again.
///
/// Merging keeps the renderer's order: families sorted by name, and within a family the
/// chunks' samples in the order the chunks are given. When every series of a family
/// starts with the `account` label and the chunks are given in account-name order, the
/// result is byte for byte what `ExpositionRenderer.render` gives for all the families
/// at once.
public struct RenderedFamilies: Sendable, Equatable {
    /// One family's bytes in one format.
    public struct Part: Sendable, Equatable {
        public var header: [UInt8]
        public var samples: [UInt8]
    }

    /// One family's bytes in both formats.
    public struct Family: Sendable, Equatable {
        /// The (sanitised) family name: the merge key.
        public let name: String
        let nameBytes: [UInt8]
        public let text: Part
        public let openMetrics: Part

        func part(_ format: ExpositionFormat) -> Part {
            format == .openMetrics ? openMetrics : text
        }
    }

    /// Sorted by name; families without samples are left out.
    public let families: [Family]

    /// No families.
    public static let empty = RenderedFamilies(families: [])

    private init(families: [Family]) {
        self.families = families
    }

    /// Renders `families` (merged and sanitised as `ExpositionRenderer.render` does).
    public init(_ families: [MetricFamily]) {
        self.families = ExpositionRenderer.merged(families).filter { !$0.samples.isEmpty }.map { family in
            func part(_ format: ExpositionFormat) -> Part {
                var header: [UInt8] = []
                ExpositionRenderer.appendHeader(family, format: format, to: &header)
                var samples: [UInt8] = []
                samples.reserveCapacity(family.samples.count * 100)
                ExpositionRenderer.appendSamples(family, format: format, to: &samples)
                return Part(header: header, samples: samples)
            }
            return Family(
                name: family.name, nameBytes: Array(family.name.utf8), text: part(.prometheusText),
                openMetrics: part(.openMetrics))
        }
    }

    /// The exposition of `chunks` merged, without the OpenMetrics terminator.
    public static func assemble(_ chunks: [RenderedFamilies], format: ExpositionFormat) -> [UInt8] {
        var entries: [(family: Family, chunk: Int)] = []
        var size = 0
        for (index, chunk) in chunks.enumerated() {
            for family in chunk.families {
                entries.append((family, index))
                let part = family.part(format)
                size += part.header.count + part.samples.count
            }
        }
        entries.sort { lhs, rhs in
            lhs.family.nameBytes == rhs.family.nameBytes
                ? lhs.chunk < rhs.chunk
                : lhs.family.nameBytes.lexicographicallyPrecedes(rhs.family.nameBytes)
        }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        var previous: [UInt8]?
        for (family, _) in entries {
            let part = family.part(format)
            if family.nameBytes != previous { out.append(contentsOf: part.header) }
            previous = family.nameBytes
            out.append(contentsOf: part.samples)
        }
        return out
    }
}
