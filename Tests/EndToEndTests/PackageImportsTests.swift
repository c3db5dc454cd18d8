import Foundation
import Testing

/// Package.swift's dependency list of every target equals the package modules its files import.
/// The compiler keeps imports honest (MemberImportVisibility, InternalImportsByDefault: no use without
/// an import in that file), but SwiftPM lets a target import a module it only gets transitively and
/// keeps dependencies nothing imports; this test closes both gaps.
struct PackageImportsTests {
    /// `.target(name: "X", dependencies: [...])` entries (no list: no dependencies) of Package.swift, with `logging`,
    /// `argumentParser` and `.product(name: "Y", ...)` resolved to the modules they name.
    static func declaredDependencies(_ manifest: String) throws -> [String: (kind: String, modules: Set<String>)] {
        let aliases = try Regex(#"let (\w+): Target\.Dependency = \.product\(name: "(\w+)""#)
        var alias: [String: String] = [:]
        for match in manifest.matches(of: aliases) {
            alias[String(match.output[1].substring!)] = String(match.output[2].substring!)
        }
        let target = try Regex(#"\.(target|executableTarget|testTarget)\(\s*name: "([\w-]+)"(?:,\s*dependencies: \[([^\]]*)\])?"#)
        let product = try Regex(#"\.product\(name: "(\w+)"[^)]*\)"#)
        var result: [String: (kind: String, modules: Set<String>)] = [:]
        for match in manifest.matches(of: target) {
            var list = String(match.output[3].substring ?? "")
            var modules = Set<String>()
            for productMatch in list.matches(of: product) { modules.insert(String(productMatch.output[1].substring!)) }
            list = list.replacing(product, with: "")
            for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where !item.isEmpty {
                modules.insert(item.hasPrefix("\"") ? String(item.dropFirst().dropLast()) : alias[item] ?? item)
            }
            result[String(match.output[2].substring!)] = (String(match.output[1].substring!), modules)
        }
        return result
    }

    /// The modules imported by the Swift files under `directory`, among `known`.
    static func imports(under directory: URL, known: Set<String>) throws -> Set<String> {
        let line = try Regex(#"^(?:@testable |public |internal |package )?import (\w+)$"#)
        var modules = Set<String>()
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            for text in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                if let match = String(text).wholeMatch(of: line) {
                    let module = String(match.output[1].substring!)
                    if known.contains(module) { modules.insert(module) }
                }
            }
        }
        return modules
    }

    @Test func dependenciesEqualImports() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let declared = try Self.declaredDependencies(manifest)
        #expect(declared.count > 20, "found \(declared.count) targets with dependency lists in Package.swift")
        let systemLibraries = try Regex(#"\.systemLibrary\(name: "(\w+)""#)
        var known = Set(declared.keys).union(declared.values.flatMap(\.modules))
        for match in manifest.matches(of: systemLibraries) { known.insert(String(match.output[1].substring!)) }
        for (name, target) in declared {
            let directory = root.appendingPathComponent(target.kind == "testTarget" ? "Tests" : "Sources").appendingPathComponent(name)
            let imported = try Self.imports(under: directory, known: known)
            #expect(
                imported == target.modules,
                "\(name): imported but not declared \(imported.subtracting(target.modules).sorted()), declared but not imported \(target.modules.subtracting(imported).sorted())"
            )
        }
    }
}
