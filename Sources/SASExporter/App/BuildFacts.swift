import SASBuildFacts

/// Version facts of this build, fixed at build time (Package.swift: `SAS_VERSION` and
/// `SAS_REVISION` from the environment, else "unknown").
public enum BuildFacts {
    public static let version = String(cString: sas_build_version())
    public static let revision = String(cString: sas_build_revision())
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
