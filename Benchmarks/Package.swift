// swift-tools-version:6.1
import PackageDescription

/// Micro-benchmarks of the product's libraries (ordo-one/benchmark), kept out of the product as
/// swift-nio keeps its own Benchmarks/Package.swift. Whole-process figures (wall, peak RSS from
/// wait4) come from `stripe-bench` in the root package.
///
///     swift package --package-path Benchmarks benchmark --filter 'JSON.*'
/// The root package's settings: Swift 6 language mode, internal imports, members visible only where
/// their module is imported.
let swift6Settings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault")
]

let package = Package(
    name: "benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "stripe-warehouse", path: ".."),
        // The trait list turns off the Linux ARC runtime interposer (a package not available offline here).
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"])
    ],
    targets: [
        .executableTarget(
            name: "JSONBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JSON", package: "stripe-warehouse")
            ],
            path: "Benchmarks/JSONBenchmarks",
            swiftSettings: swift6Settings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ParquetBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Core", package: "stripe-warehouse"),
                .product(name: "Load", package: "stripe-warehouse"),
                .product(name: "Parquet", package: "stripe-warehouse"),
                .product(name: "StripeSimulator", package: "stripe-warehouse"),
                .product(name: "Zstd", package: "stripe-warehouse")
            ],
            path: "Benchmarks/ParquetBenchmarks",
            swiftSettings: swift6Settings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RatesBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Core", package: "stripe-warehouse"),
                .product(name: "Rates", package: "stripe-warehouse")
            ],
            path: "Benchmarks/RatesBenchmarks",
            swiftSettings: swift6Settings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TransformBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Core", package: "stripe-warehouse"),
                .product(name: "Rates", package: "stripe-warehouse"),
                .product(name: "StripeSimulator", package: "stripe-warehouse"),
                .product(name: "Transform", package: "stripe-warehouse")
            ],
            path: "Benchmarks/TransformBenchmarks",
            swiftSettings: swift6Settings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
