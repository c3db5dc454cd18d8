import Core
import Foundation
import JSON
import Logging
import ModuleErrors
import Zstd

/// The referenced pass: every customer, price and product that a fact names but no listing
/// returned (a customer deleted before the events window, an inline `price_data` price) is
/// retrieved by id and written after the listed objects of its stream, sorted by id, so every fact
/// row's customer and price has a row and the bytes do not depend on scheduling.
///
/// References are read where the transform reads them (schemas/*.json): `customer` of invoices,
/// subscriptions and credit notes; the price and product of every invoice line
/// (`pricing.price_details`, `price`, `plan`) and subscription item (`price`, `plan`); the
/// `product` of every price, those retrieved here included. A deleted customer's stub is its line;
/// a 404 (a deleted price or product, or an id that never existed) writes nothing: it is counted
/// and logged, and the facts keep the id.
struct ReferencedObjects {
    /// The streams the pass completes, in order: a price retrieved by id names a product.
    static let dimensionStreams = ["customers", "prices", "products"]
    /// The streams whose objects name them.
    static let factStreams = ["invoices", "subscriptions", "credit_notes", "prices"]

    /// What a base run already knows (an incremental run asks only for newly missing ids): its
    /// referenced lines by id, and the ids it was answered 404 for.
    struct Known {
        var lines: [String: [UInt8]] = [:]
        var notFound: Set<String> = []
    }

    /// What the pass added to one stream.
    struct Added {
        var referenced: RawManifest.Referenced
        var requests: Int
        var uncompressedBytes: Int
    }

    let retriever: ObjectRetriever
    let paths: RunPaths
    let logger: Logger

    /// Completes the stream files of `runId` (which hold the listed objects only) and returns, per
    /// dimension stream enabled, what was appended.
    func run(runId: String, specs: [StreamSpec], known: [String: Known]) throws -> [String: Added] {
        let enabled = Set(specs.map(\.name))
        let dimensions = Self.dimensionStreams.filter { enabled.contains($0) }
        guard !dimensions.isEmpty else { return [:] }
        var listed: [String: Set<String>] = [:]
        for stream in dimensions { listed[stream] = try Self.ids(in: paths.rawFile(runId, stream: stream)) }
        var references: [String: Set<String>] = [:]
        for stream in Self.factStreams where enabled.contains(stream) {
            let reader = try Self.reader(paths.rawFile(runId, stream: stream))
            while let line = try reader.nextLine() {
                if !line.isEmpty { Self.collectReferences(stream: stream, line: line, into: &references) }
            }
        }

        var lines: [String: [String: [UInt8]]] = [:]
        var notFound: [String: Set<String>] = [:]
        var fetched: [String: Int] = [:]
        var requests: [String: Int] = [:]
        /// Resolves the missing ids of `streams`: from the base run where it knows them, else by id.
        func resolve(_ streams: [String]) throws {
            var toFetch: [(stream: String, id: String)] = []
            for stream in streams where enabled.contains(stream) {
                let missing = (references[stream] ?? []).subtracting(listed[stream] ?? [])
                for id in missing.sorted() {
                    if let line = known[stream]?.lines[id] {
                        lines[stream, default: [:]][id] = line
                    } else if known[stream]?.notFound.contains(id) == true {
                        notFound[stream, default: []].insert(id)
                    } else {
                        toFetch.append((stream, id))
                    }
                }
            }
            for retrieved in try retriever.retrieve(toFetch, specs: specs) {
                requests[retrieved.stream, default: 0] += retrieved.requests
                switch retrieved.outcome {
                case .object(let line):
                    lines[retrieved.stream, default: [:]][retrieved.id] = line
                    fetched[retrieved.stream, default: 0] += 1
                case .deleted(let line) where retrieved.stream == "customers":
                    lines[retrieved.stream, default: [:]][retrieved.id] = line
                    fetched[retrieved.stream, default: 0] += 1
                case .deleted, .notFound:
                    // Stripe answers a deleted price or product with 404; a server that sends a
                    // stub instead gets the same treatment (a stub is no price row: it has no
                    // product, currency or type, and would only be rejected).
                    notFound[retrieved.stream, default: []].insert(retrieved.id)
                }
            }
        }
        try resolve(["customers", "prices"])
        // Prices retrieved or carried over name products too.
        for line in (lines["prices"] ?? [:]).values {
            line.withUnsafeBytes { Self.collectReferences(stream: "prices", line: $0, into: &references) }
        }
        try resolve(["products"])

        var added: [String: Added] = [:]
        for stream in dimensions {
            let sorted = (lines[stream] ?? [:]).sorted { $0.key < $1.key }.map(\.value)
            let bytes = try Self.append(sorted, to: paths.rawFile(runId, stream: stream))
            let missing = (notFound[stream] ?? []).sorted()
            added[stream] = Added(
                referenced: RawManifest.Referenced(objects: sorted.count, fetched: fetched[stream] ?? 0, notFound: missing),
                requests: requests[stream] ?? 0, uncompressedBytes: bytes)
            if !sorted.isEmpty {
                logger.info(
                    "referenced objects added",
                    metadata: [
                        "stream.name": .string(stream), "objects": .stringConvertible(sorted.count),
                        "fetched": .stringConvertible(fetched[stream] ?? 0)
                    ])
            }
            if !missing.isEmpty {
                logger.warning(
                    "referenced objects not found (404): the facts keep their ids, with no row to join",
                    metadata: [
                        "stream.name": .string(stream), "objects": .stringConvertible(missing.count),
                        "ids": .string(missing.prefix(5).joined(separator: ",") + (missing.count > 5 ? ",..." : ""))
                    ])
            }
        }
        return added
    }

    // MARK: Reading

    private static func reader(_ path: String) throws -> ZstdLineReader {
        do { return try ZstdLineReader(path: path) } catch let error as ZstdError {
            throw ExtractError(.io, "cannot read \(path): \(error.message)")
        }
    }

    /// The `id` of every line of a stream file.
    static func ids(in path: String) throws -> Set<String> {
        var ids = Set<String>()
        let reader = try reader(path)
        while let line = try reader.nextLine() {
            guard !line.isEmpty else { continue }
            let document = JSONDocument(line)
            if let root = try? document.root(validating: false), root.kind == .object,
                let id = Self.id(document, try? document.member(root, "id"))
            {
                ids.insert(id)
            }
        }
        return ids
    }

    /// The id a field holds: the string itself, or an expanded object's `id`.
    private static func id(_ document: JSONDocument, _ value: JSONValue?) -> String? {
        guard let value else { return nil }
        switch value.kind {
        case .string: return (try? document.string(value)) ?? nil
        case .object:
            return (try? document.member(value, "id")).flatMap { $0 }.flatMap {
                $0.kind == .string ? (try? document.string($0)) ?? nil : nil
            }
        default: return nil
        }
    }

    /// Adds the customer, price and product ids one object of `stream` names. A line that is not
    /// valid JSON names nothing here (the transform rejects it with its reason).
    static func collectReferences(stream: String, line: UnsafeRawBufferPointer, into references: inout [String: Set<String>]) {
        let document = JSONDocument(line)
        guard let root = try? document.root(validating: false), root.kind == .object else { return }
        func member(_ object: JSONValue?, _ key: StaticString) -> JSONValue? {
            guard let object, object.kind == .object else { return nil }
            return (try? document.member(object, key)) ?? nil
        }
        func add(_ target: String, _ value: JSONValue?) {
            if let id = id(document, value), !id.isEmpty { references[target, default: []].insert(id) }
        }
        /// A price or plan, embedded or named: its id, and its product when embedded.
        func addPrice(_ value: JSONValue?) {
            add("prices", value)
            if let value, value.kind == .object { add("products", member(value, "product")) }
        }
        func forEachChild(_ listMember: StaticString, _ body: (JSONValue) -> Void) {
            guard let data = member(member(root, listMember), "data"), data.kind == .array else { return }
            try? document.forEachElement(data) { body($0) }
        }
        switch stream {
        case "invoices":
            add("customers", member(root, "customer"))
            forEachChild("lines") { line in
                let details = member(member(line, "pricing"), "price_details")
                addPrice(member(details, "price"))
                add("products", member(details, "product"))
                addPrice(member(line, "price"))
                addPrice(member(line, "plan"))
            }
        case "subscriptions":
            add("customers", member(root, "customer"))
            forEachChild("items") { item in
                addPrice(member(item, "price"))
                addPrice(member(item, "plan"))
            }
        case "credit_notes":
            add("customers", member(root, "customer"))
        case "prices":
            add("products", member(root, "product"))
        default:
            break
        }
    }

    // MARK: Writing

    /// Appends `lines` to a zstd NDJSON file as one more frame (frames concatenate), through a
    /// temporary file renamed into place; returns the uncompressed bytes appended.
    static func append(_ lines: [[UInt8]], to path: String) throws -> Int {
        guard !lines.isEmpty else { return 0 }
        let frame = AtomicFile.temporaryPath(for: path + ".referenced")
        let temporary = AtomicFile.temporaryPath(for: path)
        defer {
            try? FileManager.default.removeItem(atPath: frame)
            try? FileManager.default.removeItem(atPath: temporary)
        }
        var bytes = 0
        do {
            let writer = try ZstdFileWriter(path: frame)
            for line in lines {
                try writer.write(line + [10])
                bytes += line.count + 1
            }
            try writer.close()
        } catch let error as ZstdError {
            throw ExtractError(.io, "cannot write \(frame): \(error.message)")
        }
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let out = FileHandle(forWritingAtPath: temporary) else {
            throw ExtractError(.io, "cannot create \(temporary)")
        }
        do {
            for part in [path, frame] {
                guard let input = FileHandle(forReadingAtPath: part) else { throw ExtractError(.io, "cannot read \(part)") }
                while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try out.write(contentsOf: chunk) }
                try input.close()
            }
            try out.synchronize()
            try out.close()
        } catch let error as ExtractError { throw error } catch {
            throw ExtractError(.io, "cannot append the referenced objects to \(path): \(error)")
        }
        do { try AtomicFile.publish(temporary, as: path) } catch let error as CoreError { throw ExtractError(.io, error.message) }
        return bytes
    }

    /// The base run's referenced lines of `stream` (its last `count` lines) by id.
    static func tail(of path: String, listed: Int, count: Int) throws -> [String: [UInt8]] {
        guard count > 0 else { return [:] }
        var lines: [String: [UInt8]] = [:]
        let reader = try reader(path)
        var index = 0
        while let line = try reader.nextLine() {
            guard !line.isEmpty else { continue }
            defer { index += 1 }
            guard index >= listed else { continue }
            let document = JSONDocument(line)
            if let root = try? document.root(validating: false), let id = id(document, try? document.member(root, "id")) {
                lines[id] = Array(line)
            }
        }
        return lines
    }
}
