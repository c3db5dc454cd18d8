import ArgumentParser
import Commands

/// `stripe-extract`: argument parsing lives in the Commands library so `stripe-etl` can offer every stage too.
@main
enum StripeExtractCommand {
    static func main() {
        ExtractCommand.main()
    }
}
