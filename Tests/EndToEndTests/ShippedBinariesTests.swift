import Foundation
import TestSupport
import Testing

/// The shipped executables do not link the test-only module, nor swift-subprocess (which only it
/// uses): Swift's mangled symbol names carry each module's name with its length ("11TestSupport"),
/// so a binary that links TestSupport holds that string in its symbol table and type metadata.
struct ShippedBinariesTests {
    /// `name`'s bytes contain `module`'s mangled name.
    static func links(_ name: String, _ module: String) throws -> Bool {
        let data = try Data(contentsOf: URL(fileURLWithPath: try BuiltProducts.path(name)), options: .alwaysMapped)
        return data.range(of: Data("\(module.utf8.count)\(module)".utf8)) != nil
    }

    @Test(arguments: ["stripe-extract", "stripe-transform", "stripe-load", "stripe-etl", "stripe-bench"])
    func doesNotLinkTestSupport(executable: String) throws {
        #expect(try !Self.links(executable, "TestSupport"), "\(executable) links the test-only module TestSupport")
        #expect(try !Self.links(executable, "Subprocess"), "\(executable) links swift-subprocess, which only the tests use")
    }

    /// The check above can see a linked module: the demo's Stripe simulator is in stripe-etl.
    @Test func seesTheSimulatorTheDemoLinks() throws {
        #expect(try Self.links("stripe-etl", "StripeSimulator"))
        #expect(try Self.links("stripe-etl", "Pipeline"))
    }
}
