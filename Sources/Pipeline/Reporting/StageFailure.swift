/// A failure the pipeline runner classified itself (e.g. reject ratio over the threshold).
public struct StageFailure: Error, CustomStringConvertible, Sendable {
    public let status: ExitStatus
    public let message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}
