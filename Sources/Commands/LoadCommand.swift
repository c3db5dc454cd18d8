import ArgumentParser

/// Placeholder until the load stage lands.
public struct LoadCommand: ParsableCommand {
    public init() {}
    public func run() throws { throw ExitCode(1) }
}
