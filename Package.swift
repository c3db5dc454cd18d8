// swift-tools-version:6.0
import PackageDescription

/// Every target is in the Swift 6 language mode: the compiler checks their concurrency.
let swift6Settings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

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
        .library(name: "Zstd", targets: ["Zstd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Tests only (TestSupport): running child processes.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
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
        .target(name: "Zlib", dependencies: ["ModuleErrors", "CZlib"], swiftSettings: swift6Settings),
        .target(name: "Curl", dependencies: ["ModuleErrors", "CCurl"], swiftSettings: swift6Settings),
        .target(name: "Zstd", dependencies: ["ModuleErrors", "CZstd"], swiftSettings: swift6Settings),

        // Pure Swift building blocks that know nothing about Stripe.
        // The one error shape (code, message, cause) every module's error type is an instance of.
        .target(name: "ModuleErrors", swiftSettings: swift6Settings),
        .target(name: "JSON", dependencies: ["ModuleErrors"], swiftSettings: swift6Settings),
        .target(name: "Parquet", dependencies: ["ModuleErrors"], swiftSettings: swift6Settings),

        // Schemas, pipelines, manifests, atomic files, paths.
        .target(
            name: "Core",
            dependencies: ["ModuleErrors", "Digest", "Zstd", "JSON", .product(name: "Logging", package: "swift-log"), "Yams"],
            swiftSettings: swift6Settings
        ),
        .target(name: "Rates", dependencies: ["ModuleErrors", "Core", "Digest", "Curl", "Zlib", "Zstd"], resources: [.copy("Resources")], swiftSettings: swift6Settings),

        // One library per stage.
        .target(name: "Extract", dependencies: ["ModuleErrors", "Core", "Curl", "Zstd", "JSON"], swiftSettings: swift6Settings),
        .target(name: "Transform", dependencies: ["ModuleErrors", "Core", "Digest", "Rates", "Zstd", "JSON"], swiftSettings: swift6Settings),
        .target(name: "Load", dependencies: ["ModuleErrors", "Core", "Digest", "Parquet", "Zstd", "JSON"], swiftSettings: swift6Settings),
        .target(name: "Pipeline", dependencies: ["Core", "Extract", "Transform", "Load", "Rates", "StripeSimulator"], swiftSettings: swift6Settings),

        // The demo's Stripe: a deterministic generated account served by a loopback Stripe-compatible
        // server (also the tests' and the benchmarks' Stripe). Product code: the demo ships in stripe-etl.
        .target(name: "StripeSimulator", dependencies: ["Core", "Zstd"], swiftSettings: swift6Settings),

        // Test-only helpers (temporary directories, child processes, built-product locator, a loopback
        // HTTP client): no shipped executable links it (ShippedBinariesTests checks the binaries).
        .target(name: "TestSupport", dependencies: [
            "StripeSimulator",
            .product(name: "Subprocess", package: "swift-subprocess"), .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: swift6Settings),

        // The commands' argument parsing, shared by the executables (stripe-etl has them all).
        .target(name: "Commands", dependencies: ["Pipeline", "Rates", "Transform", "Curl", .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: swift6Settings),

        // Executables: argument parsing only.
        .executableTarget(name: "stripe-extract", dependencies: ["Commands"], swiftSettings: swift6Settings),
        .executableTarget(name: "stripe-transform", dependencies: ["Commands"], swiftSettings: swift6Settings),
        .executableTarget(name: "stripe-load", dependencies: ["Commands"], swiftSettings: swift6Settings),
        .executableTarget(name: "stripe-etl", dependencies: ["Commands"], swiftSettings: swift6Settings),
        .executableTarget(name: "stripe-bench", dependencies: ["Core", "Extract", "JSON", "Zstd", "StripeSimulator", .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: swift6Settings),

        .testTarget(name: "ZstdTests", dependencies: ["Zstd", "TestSupport"], swiftSettings: swift6Settings),
        .testTarget(name: "CurlTests", dependencies: ["Curl", "TestSupport"], swiftSettings: swift6Settings),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: swift6Settings),
        .testTarget(name: "ParquetTests", dependencies: ["Parquet", "TestSupport"], swiftSettings: swift6Settings),
        .testTarget(name: "CoreTests", dependencies: ["Core", "Digest", "StripeSimulator", "TestSupport"], swiftSettings: swift6Settings),
        .testTarget(name: "RatesTests", dependencies: ["Rates", "Digest", "Zlib", "StripeSimulator", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: swift6Settings),
        .testTarget(name: "ExtractTests", dependencies: ["Extract", "Pipeline", "StripeSimulator", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: swift6Settings),
        .testTarget(name: "TransformTests", dependencies: ["Transform", "StripeSimulator", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: swift6Settings),
        .testTarget(name: "LoadTests", dependencies: ["Load", "Core", "Digest", "Parquet", "Zstd", "StripeSimulator", "TestSupport"], exclude: ["Golden"], swiftSettings: swift6Settings),
        .testTarget(name: "EndToEndTests", dependencies: ["Pipeline", "Commands", "StripeSimulator", "TestSupport"], swiftSettings: swift6Settings),
    ]
)
