public import Core
public import Foundation
import ModuleErrors

/// A Stripe API key, held only in memory. It never appears in descriptions, logs or files.
public struct APIKey: Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case restricted, secret }

    let secret: String
    public let kind: Kind
    public let livemode: Bool

    public var description: String { "\(kind == .restricted ? "rk" : "sk")_\(livemode ? "live" : "test")_…" }

    /// Checks the shape and the mode before any request is made.
    public init(_ raw: String, pipelineMode: PipelineDefinition.Mode, source: String) throws {
        let key = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let kind: Kind
        if key.hasPrefix("rk_") {
            kind = .restricted
        } else if key.hasPrefix("sk_") {
            kind = .secret
        } else {
            throw ExtractError(
                .authentication,
                "the key from \(source) is not a Stripe secret or restricted key (it must start with rk_live_, rk_test_, sk_live_ or sk_test_); publishable keys (pk_) cannot read billing data"
            )
        }
        let rest = key.dropFirst(3)
        let live: Bool
        if rest.hasPrefix("live_") {
            live = true
        } else if rest.hasPrefix("test_") {
            live = false
        } else {
            throw ExtractError(
                .authentication,
                "the key from \(source) has no live_ or test_ part after its prefix; copy the whole key from the Stripe dashboard")
        }
        guard key.count > 12, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw ExtractError(
                .authentication,
                "the key from \(source) contains characters a Stripe key never has (spaces, quotes or line breaks inside it?)")
        }
        let wantLive = pipelineMode == .live
        guard live == wantLive else {
            throw ExtractError(
                .authentication,
                "the pipeline reads \(pipelineMode.rawValue) data but the key from \(source) is a \(live ? "live" : "test") key; use a \(wantLive ? "live" : "test") key or set mode: \(live ? "live" : "test") in the pipeline (test and live data never mix)"
            )
        }
        secret = key
        self.kind = kind
        livemode = live
    }

    /// Reads the key from the pipeline's key file, else from STRIPE_API_KEY. Never from arguments.
    public static func load(pipeline: PipelineDefinition, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> APIKey
    {
        if let file = pipeline.stripe.keyFile {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ExtractError(.authentication, "cannot read the key file \(file) named by stripe.key_file in \(pipeline.path)")
            }
            return try APIKey(text, pipelineMode: pipeline.mode, source: "key file \(file)")
        }
        guard let value = environment["STRIPE_API_KEY"], !value.isEmpty else {
            throw ExtractError(
                .authentication,
                "no Stripe key: set STRIPE_API_KEY (a restricted read-only key, rk_\(pipeline.mode.rawValue)_...) or name a key file in the pipeline's stripe.key_file"
            )
        }
        return try APIKey(value, pipelineMode: pipeline.mode, source: "STRIPE_API_KEY")
    }

    /// Removes this key, and anything shaped like a Stripe key, from text bound for a message.
    public func scrub(_ text: String) -> String {
        var result = text.replacingOccurrences(of: secret, with: "[key]")
        for prefix in ["sk_live_", "sk_test_", "rk_live_", "rk_test_"] {
            while let range = result.range(of: prefix) {
                var end = range.upperBound
                while end < result.endIndex, result[end].isLetter || result[end].isNumber || result[end] == "*" || result[end] == "_" {
                    end = result.index(after: end)
                }
                result.replaceSubrange(range.lowerBound..<end, with: "[key]")
            }
        }
        return result
    }
}
