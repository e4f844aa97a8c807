import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The standard `process_*` figures, read from `/proc` at scrape time (cheap: a few
/// small files). Fields are nil where the platform does not provide them.
public struct ProcessStats: Sendable, Equatable {
    public var cpuSeconds: Double?
    public var residentMemoryBytes: Double?
    public var virtualMemoryBytes: Double?
    public var startTimeSeconds: Double?
    public var openFileDescriptors: Double?
    public var maxFileDescriptors: Double?

    /// Reads the current process's figures.
    public static func current() -> ProcessStats {
        var stats = ProcessStats()
        #if os(Linux)
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
            if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
                let fields = parseStat(stat), ticks > 0
            {
                stats.cpuSeconds = (fields.utime + fields.stime) / ticks
                stats.virtualMemoryBytes = fields.vsize
                stats.residentMemoryBytes = fields.rss * pageSize
                if let boot = bootTime() { stats.startTimeSeconds = boot + fields.starttime / ticks }
            }
            if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
                stats.openFileDescriptors = Double(entries.count)
            }
            var limit = rlimit()
            if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
                stats.maxFileDescriptors = Double(limit.rlim_cur)
            }
        #endif
        return stats
    }

    struct StatFields: Equatable {
        var utime: Double
        var stime: Double
        var starttime: Double
        var vsize: Double
        var rss: Double
    }

    /// Parses `/proc/self/stat`; the command name may contain spaces and parentheses,
    /// so fields are counted from the last `)`.
    static func parseStat(_ text: String) -> StatFields? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ")
        // rest[0] is field 3 (state); utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
        func field(_ number: Int) -> Double? {
            let index = number - 3
            return index < rest.count ? Double(rest[index]) : nil
        }
        guard let utime = field(14), let stime = field(15), let start = field(22),
            let vsize = field(23), let rss = field(24)
        else { return nil }
        return StatFields(utime: utime, stime: stime, starttime: start, vsize: vsize, rss: rss)
    }

    static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
