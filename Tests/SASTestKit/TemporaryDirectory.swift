import Foundation

/// A fresh folder under the system's temporary directory, removed with `remove()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    /// Creates `sas-<prefix>-<uuid>`.
    public init(_ prefix: String = "test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sas-\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The folder's path.
    public var path: String { url.path }

    /// The path of `name` in the folder.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Removes the folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
