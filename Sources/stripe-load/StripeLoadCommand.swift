import ArgumentParser
import Commands

/// `stripe-load`: argument parsing lives in the Commands library so `stripe-etl` can offer every stage too.
@main
enum StripeLoadCommand {
    static func main() {
        LoadCommand.main()
    }
}
