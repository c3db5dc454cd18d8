import Core
import Rates

extension TransformStage {
    /// What mapping every table of a run shares: the raw run, the lookups, the rates, the rejects file.
    struct MappingContext {
        let raw: RawManifest
        let rawDirectory: String
        let rawManifestPath: String
        let catalog: TransformCatalog
        let settings: MappingSettings
        let rates: RatesTable
        let rejects: RejectsFile

        /// The raw file of `stream`, if the run has one.
        func rawPath(_ stream: String) -> String? {
            raw.streams[stream].map { rawDirectory + "/" + $0.file.file }
        }
    }

    /// Reads the lookup streams (products, coupons, price tiers, invoice discounts, deleted customers)
    /// into the catalog before any table is mapped. Returns their quality entries and how many lines
    /// they rejected; adds their uncompressed bytes to `inputBytes`.
    func loadLookups(_ context: MappingContext, inputBytes: inout Int) throws -> (quality: [String: String], rejects: Int) {
        var quality: [String: String] = [:]
        let catalog = context.catalog
        // Lookup streams feed no table: their unusable lines are rejects too (table null).
        var lookupRejects: [String: Int] = [:]
        func rejectLookup(_ stream: String) -> (Int, String?, RowReject) throws -> Void {
            { line, objectId, reject in
                lookupRejects["rejects.lookup.\(stream).\(reject.code.rawValue)", default: 0] += 1
                try context.rejects.add(
                    table: nil, stream: stream, objectId: objectId, itemId: nil, line: line, code: reject.code.rawValue,
                    reason: reject.message)
            }
        }
        var lookupObjects: [String: Int] = [:]
        if let path = context.rawPath("products") {
            let counts = try CatalogLoader.loadProducts(path: path, into: catalog, bytes: &inputBytes, reject: rejectLookup("products"))
            if counts.malformed > 0 { quality["lookup.products.unusable"] = String(counts.malformed) }
            lookupObjects["products"] = counts.objects
        }
        if let path = context.rawPath("coupons") {
            let counts = try CatalogLoader.loadCoupons(path: path, into: catalog, bytes: &inputBytes, reject: rejectLookup("coupons"))
            if counts.malformed > 0 { quality["lookup.coupons.unusable"] = String(counts.malformed) }
            lookupObjects["coupons"] = counts.objects
        }
        if let path = context.rawPath("prices") { try CatalogLoader.loadPriceTiers(path: path, into: catalog) }
        if let path = context.rawPath("invoices") { try CatalogLoader.loadInvoiceDiscounts(path: path, into: catalog) }
        if let path = context.rawPath("events") {
            let counts = try CatalogLoader.loadDeletedCustomers(
                path: path, into: catalog, bytes: &inputBytes, reject: rejectLookup("events"))
            if counts.malformed > 0 { quality["lookup.events.unusable"] = String(counts.malformed) }
            lookupObjects["events"] = counts.objects
        }
        for (key, n) in lookupRejects { quality[key] = String(n) }
        for (stream, read) in lookupObjects {
            if let entry = context.raw.streams[stream], read != entry.objects {
                throw Self.incompleteStream(
                    stream, entry, read: read, rawDirectory: context.rawDirectory, manifest: context.rawManifestPath)
            }
        }
        return (quality, lookupRejects.values.reduce(0, +))
    }
}
