import CCrypto

/// libcrypto, initialised once without its exit-time cleanup.
///
/// By default libcrypto frees its locks and tables in an `atexit` handler. A process that exits
/// while another thread still hashes (an error exit while a worker hashes a file) then crashes in
/// that thread (seen: SIGSEGV in `pthread_rwlock_rdlock` instead of the documented exit code). The
/// operating system reclaims the memory at exit anyway. It must come before any other use of
/// libcrypto in the process, libcurl's included (`Curl` calls it before `curl_global_init`).
public enum Libcrypto {
    public static let initialised: Bool = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil) == 1
}

/// SHA-256 (FIPS 180-4), streaming, computed by OpenSSL's libcrypto (SHA extensions where the CPU has them).
///
/// Owns a libcrypto digest context: not copyable, freed when the hasher goes away.
public struct SHA256: ~Copyable {
    private let context: OpaquePointer

    public init() {
        // Allocation and initialisation fail only when the process is out of memory or libcrypto is broken:
        // neither is an input error a caller could handle.
        guard Libcrypto.initialised else { fatalError("libcrypto: initialisation failed") }
        guard let context = EVP_MD_CTX_new() else { fatalError("libcrypto: cannot allocate a digest context") }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { fatalError("libcrypto: cannot initialise SHA-256") }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard EVP_DigestUpdate(context, base, bytes.count) == 1 else { fatalError("libcrypto: SHA-256 update failed") }
    }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ string: String) {
        var string = string
        string.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The 32-byte digest; the hasher is consumed.
    public consuming func finalize() -> [UInt8] {
        var length: UInt32 = 0
        let digest = [UInt8](unsafeUninitializedCapacity: 32) { buffer, initialized in
            guard EVP_DigestFinal_ex(context, buffer.baseAddress, &length) == 1, length == 32 else {
                fatalError("libcrypto: SHA-256 finalisation failed")
            }
            initialized = 32
        }
        return digest
    }

    /// The digest as 64 lowercase hex digits; the hasher is consumed.
    public consuming func hexDigest() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in finalize() {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func hex(_ string: String) -> String {
        var hasher = SHA256()
        hasher.update(string)
        return hasher.hexDigest()
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update($0) }
        return hasher.hexDigest()
    }
}
