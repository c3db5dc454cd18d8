import ArgumentParser
import Commands

/// `stripe-transform`: argument parsing lives in the Commands library so `stripe-etl` can offer every stage too.
@main
enum StripeTransformCommand {
    static func main() {
        TransformCommand.main()
    }
}
