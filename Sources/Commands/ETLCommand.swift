import ArgumentParser

/// `stripe-etl`: the whole pipeline, and every stage, in one tool.
public struct ETLCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "stripe-etl",
        abstract: "Stripe billing data to warehouse-ready files: extract, transform, load.",
        subcommands: [ExtractCommand.self]
    )

    public init() {}
}
