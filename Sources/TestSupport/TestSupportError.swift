/// The one error type of the test-support library: child processes, built products.
public struct TestSupportError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}
