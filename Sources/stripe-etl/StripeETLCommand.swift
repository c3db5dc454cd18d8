import ArgumentParser
import Commands

/// `stripe-etl`: argument parsing lives in the Commands library so `stripe-etl` can offer every stage too.
@main
enum StripeETLCommand {
    static func main() {
        ETLCommand.main()
    }
}
