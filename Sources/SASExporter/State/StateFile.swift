import Foundation
import SASMetrics

#if canImport(Glibc)
    import Glibc
#endif

/// The state file: each account's counters and de-duplication state, as one JSON object
/// `{"accounts":{NAME:ENTRY,...},"savedAtMs":MS,"version":2}` (version 1, written by the
/// first release, is read too).
///
/// Written to a temporary file beside it (a name no other process can pick), fsynced,
/// renamed over the old one, and the folder fsynced: a crash leaves either the old or the
/// new file, never half of one.
public struct StateFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    static let currentVersion = 2

    /// What `load` found.
    enum LoadResult {
        case missing
        /// The accounts that could be read, and those whose entry could not (each starts
        /// fresh).
        case loaded(accounts: [String: AccountAggregator], unreadable: [String])
        /// The file could not be used; it was moved to `movedTo` (nil if that failed too).
        case corrupt(reason: String, movedTo: String?)
    }

    private struct Contents: Decodable {
        var version: Int
        var savedAtMs: Int64
        var accounts: [String: Entry]
    }

    /// One account's entry, or the reason it could not be read.
    private struct Entry: Decodable {
        var aggregator: AccountAggregator?

        init(from decoder: any Decoder) throws {
            aggregator = try? AccountAggregator(from: decoder)
        }
    }

    func load(nowMs: Int64) -> LoadResult {
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        let reason: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let contents = try JSONDecoder().decode(Contents.self, from: data)
            guard contents.version == 1 || contents.version == Self.currentVersion else {
                throw StateFileError("unsupported state file version \(contents.version)")
            }
            var accounts: [String: AccountAggregator] = [:]
            var unreadable: [String] = []
            for (name, entry) in contents.accounts {
                guard var aggregator = entry.aggregator else {
                    unreadable.append(name)
                    continue
                }
                if contents.version == 1 { aggregator.adoptFirstVersionSave(savedAtMs: contents.savedAtMs) }
                accounts[name] = aggregator
            }
            return .loaded(accounts: accounts, unreadable: unreadable.sorted())
        } catch let error as StateFileError {
            reason = error.message
        } catch is DecodingError {
            reason = "not a state file of this exporter (undecodable JSON)"
        } catch {
            reason = "unreadable (\(YAMLDocument.reason(error)))"
        }
        let aside = "\(path).corrupt-\(nowMs)"
        let moved = (try? FileManager.default.moveItem(atPath: path, toPath: aside)) != nil
        return .corrupt(reason: reason, movedTo: moved ? aside : nil)
    }

    /// One account's entry as JSON.
    static func encode(_ aggregator: AccountAggregator) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(aggregator))
    }

    /// The file's bytes from encoded entries, accounts in name order.
    static func contents(entries: [String: [UInt8]], savedAtMs: Int64) throws -> [UInt8] {
        var out = Array(#"{"accounts":{"#.utf8)
        let encoder = JSONEncoder()
        for (index, name) in entries.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(try encoder.encode(name))
            out.append(UInt8(ascii: ":"))
            out += entries[name] ?? []
        }
        out += Array(#"},"savedAtMs":\#(savedAtMs),"version":\#(currentVersion)}"#.utf8)
        return out
    }

    /// Writes `bytes` atomically (temporary file, fsync, rename, fsync of the folder).
    func write(_ bytes: [UInt8]) throws {
        var random = SystemRandomNumberGenerator()
        let temporary = "\(path).tmp-\(getpid())-\(String(random.next(), radix: 16))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw StateFileError("cannot create \(temporary): \(Self.errnoText())") }
        var ok = bytes.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
        var failure = ok ? "" : Self.errnoText()
        if ok, fsync(fd) != 0 {
            ok = false
            failure = Self.errnoText()
        }
        close(fd)
        if ok, rename(temporary, path) != 0 {
            ok = false
            failure = Self.errnoText()
        }
        guard ok else {
            unlink(temporary)
            throw StateFileError("cannot write \(path): \(failure)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        let dirFd = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dirFd >= 0 {
            fsync(dirFd)
            close(dirFd)
        }
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

struct StateFileError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
