import Core
import Extract
import ModuleErrors
import Testing

@Suite struct APIKeyTests {
    @Test func acceptsRestrictedAndSecretKeysOfTheRightMode() throws {
        #expect(try APIKey("rk_test_abcdefghijkl", pipelineMode: .test, source: "t").kind == .restricted)
        #expect(try APIKey("sk_live_abcdefghijkl\n", pipelineMode: .live, source: "t").kind == .secret)
    }

    @Test(arguments: ["pk_test_abcdefghijkl", "whatever", "", "rk_abcdefghijklmnop", "rk_test_abc def ghijk"])
    func rejectsMalformedKeysBeforeAnyRequest(_ raw: String) {
        #expect(throws: ExtractError.self) { try APIKey(raw, pipelineMode: .test, source: "t") }
    }

    @Test func modeMustAgree() {
        do {
            _ = try APIKey("rk_live_abcdefghijkl", pipelineMode: .test, source: "STRIPE_API_KEY")
            Issue.record("a live key was accepted for a test pipeline")
        } catch let error as ExtractError {
            #expect(error.code == .authentication)
            #expect(error.message.contains("live key"))
            #expect(!error.message.contains("abcdefghijkl"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func keyComesFromTheEnvironmentNotArguments() throws {
        let pipeline = PipelineDefinition(name: "p", path: "p.yaml", mode: .test)
        #expect(throws: ExtractError.self) { try APIKey.load(pipeline: pipeline, environment: [:]) }
        let key = try APIKey.load(pipeline: pipeline, environment: ["STRIPE_API_KEY": "rk_test_fromtheenvironment"])
        #expect(key.description == "rk_test_…")
        #expect(key.scrub("x rk_test_fromtheenvironment y sk_live_abc*****1234 z") == "x [key] y [key] z")
    }
}

/// Ids in a URL path are one percent-encoded segment: coupon and product ids are chosen by the
/// account, and a `/`, `?`, `#`, `%` or space in one must not change which resource is read.
struct PathSegmentTests {
    @Test func idsArePercentEncodedPathSegments() throws {
        #expect(StripeClient.encode("SUMMER sale/25%?#") == "SUMMER%20sale%2F25%25%3F%23")
        #expect(StripeClient.encode("in_1AbC-x.y~z") == "in_1AbC-x.y~z")
        let lines = try #require(StreamSpec.all.first { $0.name == "invoices" }?.child)
        #expect(lines.path(parentId: "in_a/b") == "/v1/invoices/in_a%2Fb/lines")
    }
}
