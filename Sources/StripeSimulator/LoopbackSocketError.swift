/// A loopback socket could not be created, bound or named (the message carries the system's reason).
public struct LoopbackSocketError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}
