public import Foundation

/// Finds this package's built executables (stripe-extract, stripe-load, ...) for tests that run
/// them as child processes: `swift build --build-tests` and `swift test` put them next to the test
/// bundle.
public enum BuiltProducts {
    /// Directories that may hold this build's products, most likely first.
    public static var directories: [URL] {
        var candidates: [URL] = []
        let argument0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "").standardizedFileURL
        candidates.append(argument0.deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        // macOS: .../debug/<Package>PackageTests.xctest/Contents/MacOS/<binary>.
        for url in [argument0, Bundle.main.bundleURL] {
            var directory = url.deletingLastPathComponent()
            for _ in 0..<4 {
                if directory.lastPathComponent.hasSuffix(".xctest") { candidates.append(directory.deletingLastPathComponent()) }
                directory = directory.deletingLastPathComponent()
            }
        }
        var seen = Set<String>()
        return candidates.filter { seen.insert($0.path).inserted }
    }

    /// The path of the built executable `name`, or an error saying how to build it.
    public static func path(_ name: String) throws -> String {
        for directory in directories {
            let path = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestSupportError(
            message:
                "the executable '\(name)' was not found next to the test bundle (looked in \(directories.map(\.path).joined(separator: ", "))); build it with `swift build --build-tests` (plain `swift test` builds it too)"
        )
    }
}
