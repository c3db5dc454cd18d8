import Digest

/// Facts about this build that manifests record.
public enum ToolInfo {
    public static let name = "stripe-warehouse"
    public static let version = "0.1.0"
    /// The Stripe API version requests pin unless the pipeline names another.
    public static let defaultStripeVersion = "2025-03-31.basil"
    /// SHA-256 of this process's executable (nil where `/proc/self/exe` cannot be read). The load
    /// carries a partition file over from an earlier run only when that run's executable was this
    /// one: a fix to an encoder then rewrites every file once, even if `version` was not bumped.
    public static let executableSha256: String? = try? SHA256.hexOfFile(atPath: "/proc/self/exe")
    /// Written into Parquet footers and manifests; no timestamps so output stays byte-identical.
    public static var createdBy: String { "\(name) \(version)" }
}
