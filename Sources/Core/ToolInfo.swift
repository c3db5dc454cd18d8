/// Facts about this build that manifests record.
public enum ToolInfo {
    public static let name = "stripe-warehouse"
    public static let version = "0.1.0"
    /// The Stripe API version requests pin unless the pipeline names another.
    public static let defaultStripeVersion = "2025-03-31.basil"
    /// Written into Parquet footers and manifests; no timestamps so output stays byte-identical.
    public static var createdBy: String { "\(name) \(version)" }
}
