import Foundation
import SASMetrics
#if canImport(Glibc)
import Glibc
#endif

/// The saved counters and de-duplication state of every account.
struct StateFileContents: Codable, Sendable {
    static let currentVersion = 1
    var version = Self.currentVersion
    var savedAtMs: Int64
    var accounts: [String: AccountAggregator]
}

/// Reads and writes the state file: written to a temporary file beside it, fsynced and
/// renamed, so a crash leaves either the old or the new file, never half of one.
public struct StateFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// What `load` found.
    enum LoadResult {
        case missing
        case loaded(StateFileContents)
        /// The file could not be used; it was moved to `movedTo` (nil if that failed too).
        case corrupt(reason: String, movedTo: String?)
    }

    func load(nowMs: Int64) -> LoadResult {
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        let reason: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let contents = try JSONDecoder().decode(StateFileContents.self, from: data)
            guard contents.version == StateFileContents.currentVersion else {
                throw StateFileError("unsupported state file version \(contents.version)")
            }
            return .loaded(contents)
        } catch let error as StateFileError {
            reason = error.message
        } catch is DecodingError {
            reason = "not a state file of this exporter (undecodable JSON)"
        } catch {
            reason = "unreadable (\(ConfigLoader.reason(error)))"
        }
        let aside = "\(path).corrupt-\(nowMs)"
        let moved = (try? FileManager.default.moveItem(atPath: path, toPath: aside)) != nil
        return .corrupt(reason: reason, movedTo: moved ? aside : nil)
    }

    func save(_ contents: StateFileContents) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(contents)
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw StateFileError("cannot create \(temporary): \(Self.errnoText())") }
        var ok = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let text = Self.errnoText()
            unlink(temporary)
            throw StateFileError("cannot write \(path): \(text)")
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
