/// The names the client and the simulator share: the API version and its actions.
public enum SecurityCenterAPI {
    /// Security Center's API version.
    public static let version = "2018-12-03"

    /// The actions the exporter calls.
    public enum Action: String, Sendable, CaseIterable {
        /// Subtasks of operation tasks.
        case listOperationProcessDetail = "ListOperationProcessDetail"
        /// Parent operation tasks.
        case listOperationProcess = "ListOperationProcess"
    }
}
