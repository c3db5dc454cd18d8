import ArgumentParser

/// Placeholder until the transform stage lands.
public struct TransformCommand: ParsableCommand {
    public init() {}
    public func run() throws { throw ExitCode(1) }
}
