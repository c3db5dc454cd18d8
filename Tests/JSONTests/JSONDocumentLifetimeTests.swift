import Foundation
import TestSupport
import Testing

/// A `JSONDocument` cannot outlive the bytes it views, nor can the byte views it hands out
/// (`span`, `bytes`, `stringBytes`: `Span<UInt8>`), and a `JSONParser`'s index cannot be
/// overwritten while a document uses it: the compiler rejects code that tries. Each case is
/// compiled against this build's JSON module; the first must compile (so a failure of the others
/// is the compiler's verdict, not a broken set-up), the others must fail with the diagnostic named.
@Suite struct JSONDocumentLifetimeTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let source: String
        /// nil: must compile; otherwise a fragment of the expected error.
        let error: String?
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "used inside its bytes' scope",
            source: """
                func idOf(_ line: [UInt8]) throws -> String? {
                    var parser = JSONParser()
                    let viaParser = try line.withUnsafeBytes { bytes in
                        try parser.parse(bytes) { document, root in try document.member(root, "id").flatMap { try document.string($0) } }
                    }
                    return try line.withUnsafeBytes { bytes in
                        let document = JSONDocument(bytes)
                        let root = try document.root()
                        return try document.member(root, "id").flatMap { try document.string($0) } ?? viaParser
                    }
                }
                func idLength(_ line: [UInt8]) throws -> Int {
                    var parser = JSONParser()
                    return try line.withUnsafeBytes { bytes in
                        try parser.parse(bytes) { document, root in
                            guard let id = try document.member(root, "id") else { return 0 }
                            let view = document.stringBytes(id)
                            return view.count + document.bytes(root).count - document.span.count
                        }
                    }
                }
                """, error: nil),
        // What RowEvaluator did: keep the document in a property after the line's scope ended.
        Case(
            name: "stored in a property",
            source: """
                final class Evaluator {
                    var document: JSONDocument?
                    func map(line: UnsafeRawBufferPointer) { document = JSONDocument(line) }
                }
                """, error: "cannot return a ~Escapable result"),
        Case(
            name: "returned from withUnsafeBytes",
            source: """
                func keep(_ line: [UInt8]) -> Int {
                    let document: JSONDocument = line.withUnsafeBytes { bytes in return JSONDocument(bytes) }
                    return document.span.count
                }
                """, error: "requires that 'JSONDocument' conform to 'Escapable'"),
        Case(
            name: "captured by an escaping closure",
            source: """
                func later(_ line: UnsafeRawBufferPointer) -> () -> Int {
                    let document = JSONDocument(line)
                    return { document.span.count }
                }
                """, error: "escapes its scope"),
        Case(
            name: "kept past the parser's closure",
            source: """
                func outlive(_ line: UnsafeRawBufferPointer) throws -> Int {
                    var parser = JSONParser()
                    var kept: JSONDocument? = nil
                    try parser.parse(line) { document, _ in kept = document }
                    return kept?.span.count ?? 0
                }
                """, error: "escapes its scope"),
        // The byte views: what ChildListCompleter did (a list of raw element bytes), and the escapes
        // the document itself cannot make.
        Case(
            name: "byte view returned from withUnsafeBytes",
            source: """
                func idBytes(_ line: [UInt8]) throws -> Int {
                    let id = try line.withUnsafeBytes { bytes in
                        let document = JSONDocument(bytes)
                        return document.bytes(try document.root())
                    }
                    return id.count
                }
                """, error: "requires that 'Span<UInt8>' conform to 'Escapable'"),
        Case(
            name: "byte views collected in an array",
            source: """
                func collect(_ line: UnsafeRawBufferPointer) throws -> Int {
                    var elements: [Span<UInt8>] = []
                    let document = JSONDocument(line)
                    try document.forEachElement(try document.root()) { elements.append(document.bytes($0)) }
                    return elements.count
                }
                """, error: "does not conform to protocol 'Escapable'"),
        Case(
            name: "byte view captured by an escaping closure",
            source: """
                func later(_ line: UnsafeRawBufferPointer) -> () -> Int {
                    let text = JSONDocument(line).span
                    return { text.count }
                }
                """, error: "escapes its scope"),
        Case(
            name: "byte view kept past the parser's closure",
            source: """
                func outlive(_ line: UnsafeRawBufferPointer) throws -> Int {
                    var parser = JSONParser()
                    var kept: Span<UInt8>? = nil
                    try parser.parse(line) { document, root in kept = document.stringBytes(root) }
                    return kept?.count ?? 0
                }
                """, error: "escapes its scope"),
        Case(
            name: "byte view kept past the bytes' scope",
            source: """
                func outlive(_ lines: [[UInt8]]) -> Int {
                    var kept: Span<UInt8>? = nil
                    for line in lines {
                        line.withUnsafeBytes { bytes in
                            let document = JSONDocument(bytes)
                            if let root = try? document.root() { kept = document.bytes(root) }
                        }
                    }
                    return kept?.count ?? 0
                }
                """, error: "escapes its scope"),
        Case(
            name: "parsing again while a document uses the index",
            source: """
                func nested(_ line: UnsafeRawBufferPointer) throws {
                    var parser = JSONParser()
                    try parser.parse(line) { _, _ in try parser.parse(line) { _, _ in } }
                }
                """, error: "overlapping accesses to 'parser'")
    ]

    @Test(arguments: cases)
    func compilerEnforcesTheScope(_ c: Case) async throws {
        let modules = try #require(
            BuiltProducts.directories.map { $0.appendingPathComponent("Modules") }.first {
                FileManager.default.fileExists(atPath: $0.appendingPathComponent("JSON.swiftmodule").path)
            },
            "this build's JSON.swiftmodule was not found under \(BuiltProducts.directories.map(\.path)); build with `swift build --build-tests`"
        )
        let directory = try TemporaryDirectory()
        let file = directory.path + "/snippet.swift"
        try ("import JSON\n\n" + c.source + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(
            "/usr/bin/env", ["swiftc", "-swift-version", "6", "-emit-sil", "-o", "/dev/null", "-I", modules.path, file], timeout: 300)
        if let error = c.error {
            #expect(result.status != 0, "\(c.name): compiled, but the compiler must reject it")
            #expect(result.stderr.contains(error), "\(c.name): expected '\(error)'; \(result)")
        } else {
            #expect(result.status == 0, "\(c.name): must compile; \(result)")
        }
    }
}
