/// Version facts of this build.
public enum BuildFacts {
    public static let version = "0.1.0"
    /// SwiftPM has no portable way to embed the git revision, so builds report "unknown".
    public static let revision = "unknown"
    public static var swiftVersion: String {
        #if swift(>=6.4)
        "6.4"
        #elseif swift(>=6.3)
        "6.3"
        #elseif swift(>=6.2)
        "6.2"
        #else
        "6"
        #endif
    }
}
