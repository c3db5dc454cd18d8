// swift-tools-version:6.0
import PackageDescription

/// Every target is in the Swift 6 language mode: the compiler checks their concurrency. Imports are
/// internal unless written `public import` (only where a public API shows the other module's types),
/// and a member is visible only in files that import its module.
let swift6Settings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault")
]

/// Every target's dependencies are exactly the modules its files import (MemberImportVisibility and
/// InternalImportsByDefault make the compiler reject a use without an import).
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "stripe-warehouse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "stripe-extract", targets: ["stripe-extract"]),
        .executable(name: "stripe-transform", targets: ["stripe-transform"]),
        .executable(name: "stripe-load", targets: ["stripe-load"]),
        .executable(name: "stripe-etl", targets: ["stripe-etl"]),
        .executable(name: "stripe-bench", targets: ["stripe-bench"]),
        // The libraries the micro-benchmarks in Benchmarks/ (a package of their own) measure.
        .library(name: "Core", targets: ["Core"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "Load", targets: ["Load"]),
        .library(name: "Parquet", targets: ["Parquet"]),
        .library(name: "Rates", targets: ["Rates"]),
        .library(name: "StripeSimulator", targets: ["StripeSimulator"]),
        .library(name: "Transform", targets: ["Transform"]),
        .library(name: "Zstd", targets: ["Zstd"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // Test-only: TestSupport runs child processes with it; no shipped product links it.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2")
    ],
    targets: [
        // C libraries, kept at the edge: only Curl imports CCurl, only Zstd imports CZstd.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // OpenSSL's libcrypto (libcurl4-openssl-dev already pulls in libssl-dev): only Digest imports it.
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "Digest", dependencies: ["CCrypto"], swiftSettings: swift6Settings),
        // zlib (zlib1g-dev, also pulled in by libcurl): raw inflate and CRC-32 for zipped rates files.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Zlib", dependencies: ["CZlib", "ModuleErrors"], swiftSettings: swift6Settings),
        .target(name: "Curl", dependencies: ["CCurl", "Digest", "ModuleErrors"], swiftSettings: swift6Settings),
        .target(
            name: "Zstd", dependencies: ["CZstd", "ModuleErrors", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: swift6Settings),

        // Pure Swift building blocks that know nothing about Stripe.
        // The one error shape (code, message, cause) every module's error type is an instance of.
        .target(name: "ModuleErrors", swiftSettings: swift6Settings),
        // `JSONDocument` is `~Escapable` (a view cannot outlive its bytes) and hands out `Span`s bound
        // to them; declaring what its initializers and views depend on (`@_lifetime`) needs the
        // experimental Lifetimes feature in Swift 6.3. Modules that only use documents and their views
        // do not need it (they never return a view from a function).
        .target(name: "JSON", dependencies: ["ModuleErrors"], swiftSettings: swift6Settings + [.enableExperimentalFeature("Lifetimes")]),
        .target(
            name: "Parquet", dependencies: ["ModuleErrors", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: swift6Settings),

        // Schemas, pipelines, manifests, atomic files, paths.
        .target(
            name: "Core",
            dependencies: ["Digest", "ModuleErrors", .product(name: "SystemPackage", package: "swift-system"), "Yams"],
            swiftSettings: swift6Settings
        ),
        // ECB exchange rates: parsing, the store, conversion. No HTTP client: `rates update` and
        // `fx.refresh` bring the transport (Pipeline's RatesRefresh, libcurl).
        .target(
            name: "Rates", dependencies: ["Core", "Digest", "ModuleErrors", "Zlib", "Zstd"], resources: [.copy("Resources")],
            swiftSettings: swift6Settings),

        // One library per stage.
        .target(name: "Extract", dependencies: ["Core", "Curl", "JSON", logging, "ModuleErrors", "Zstd"], swiftSettings: swift6Settings),
        .target(
            name: "Transform", dependencies: ["Core", "Digest", "JSON", "ModuleErrors", "Rates", "Zstd"], swiftSettings: swift6Settings),
        .target(
            name: "Load",
            dependencies: [
                "Core", "Digest", "JSON", "ModuleErrors", "Parquet", .product(name: "SystemPackage", package: "swift-system"), "Zstd"
            ],
            swiftSettings: swift6Settings),
        .target(
            name: "Pipeline",
            dependencies: [
                "Core", "Curl", "Extract", "JSON", "Load", logging, "ModuleErrors", "Parquet", "Rates", "StripeSimulator", "Transform",
                "Zlib", "Zstd"
            ], swiftSettings: swift6Settings),

        // The demo's Stripe: a deterministic generated account served by a loopback Stripe-compatible
        // server (also the tests' and the benchmarks' Stripe). Product code: the demo ships in stripe-etl.
        .target(
            name: "StripeSimulator",
            dependencies: ["Core", "ModuleErrors", .product(name: "SystemPackage", package: "swift-system"), "Zstd"],
            swiftSettings: swift6Settings),

        // Test-only helpers (temporary directories, child processes, built-product locator, a loopback
        // HTTP client): no shipped executable links it (ShippedBinariesTests checks the binaries).
        .target(
            name: "TestSupport",
            dependencies: [
                "StripeSimulator", .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system")
            ], swiftSettings: swift6Settings),

        // The commands' argument parsing, shared by the executables (stripe-etl has them all).
        .target(
            name: "Commands",
            dependencies: [argumentParser, "Core", "Extract", "Load", logging, "ModuleErrors", "Pipeline", "Rates", "Transform", "Zstd"],
            swiftSettings: swift6Settings),

        // Executables: argument parsing only.
        .executableTarget(name: "stripe-extract", dependencies: [argumentParser, "Commands"], swiftSettings: swift6Settings),
        .executableTarget(name: "stripe-transform", dependencies: [argumentParser, "Commands"], swiftSettings: swift6Settings),
        .executableTarget(name: "stripe-load", dependencies: [argumentParser, "Commands"], swiftSettings: swift6Settings),
        .executableTarget(name: "stripe-etl", dependencies: [argumentParser, "Commands"], swiftSettings: swift6Settings),
        .executableTarget(
            name: "stripe-bench", dependencies: [argumentParser, "Core", "Extract", "JSON", "StripeSimulator", "Zstd"],
            swiftSettings: swift6Settings),

        .testTarget(name: "ZstdTests", dependencies: ["ModuleErrors", "TestSupport", "Zstd"], swiftSettings: swift6Settings),
        .testTarget(name: "CurlTests", dependencies: ["Curl", "ModuleErrors", "TestSupport"], swiftSettings: swift6Settings),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "ModuleErrors", "TestSupport"], swiftSettings: swift6Settings),
        .testTarget(name: "ParquetTests", dependencies: ["Parquet", "TestSupport"], swiftSettings: swift6Settings),
        .testTarget(
            name: "CoreTests", dependencies: ["Core", "Digest", "ModuleErrors", "StripeSimulator", "TestSupport", "Zstd"],
            swiftSettings: swift6Settings),
        .testTarget(
            name: "RatesTests", dependencies: ["Core", "Curl", "Digest", "ModuleErrors", "Rates", "StripeSimulator", "TestSupport", "Zlib"],
            resources: [.copy("Fixtures")], swiftSettings: swift6Settings),
        .testTarget(
            name: "ExtractTests",
            dependencies: ["Core", "Extract", logging, "ModuleErrors", "Pipeline", "StripeSimulator", "TestSupport", "Zstd"],
            resources: [.copy("Fixtures")], swiftSettings: swift6Settings),
        .testTarget(
            name: "TransformTests", dependencies: ["Core", "ModuleErrors", "Rates", "StripeSimulator", "TestSupport", "Transform", "Zstd"],
            resources: [.copy("Fixtures")], swiftSettings: swift6Settings),
        .testTarget(
            name: "LoadTests",
            dependencies: ["Core", "Digest", "Load", "ModuleErrors", "Parquet", "StripeSimulator", "TestSupport", "Zstd"],
            exclude: ["Golden"], swiftSettings: swift6Settings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Core", "Curl", "Digest", "Extract", "JSON", "Load", logging, "ModuleErrors", "Parquet", "Pipeline", "Rates",
                "StripeSimulator", "TestSupport", "Transform", "Zlib", "Zstd"
            ], swiftSettings: swift6Settings)
    ]
)
