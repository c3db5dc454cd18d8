import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Finding and running other programs from the integration tests: the package's own executables
/// (built next to the test bundle) and test peers on PATH such as localstripe.
enum ExecutableLocator {
    /// The built executable `name` of this package, or an error saying how to build it.
    static func builtProduct(_ name: String) throws -> String { try BuiltProducts.path(name) }

    /// `name` resolved through PATH, or nil.
    static func onPath(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = String(directory) + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

struct LocatorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
