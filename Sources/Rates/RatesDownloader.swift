public import Curl

/// Where `RatesStore.update` gets its bytes: `HTTPClient` in production (see the conformance below).
public protocol RatesDownloader {
    /// One GET: the HTTP status and the whole body. Transport failures throw.
    func download(url: String) throws -> (status: Int, body: [UInt8])
}

extension HTTPClient: RatesDownloader {
    public func download(url: String) throws -> (status: Int, body: [UInt8]) {
        let response = try get(url: url)
        return (response.status, response.body)
    }
}
