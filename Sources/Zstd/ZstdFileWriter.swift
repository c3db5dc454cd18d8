import CZstd
import ModuleErrors
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Streams bytes into a zstd-compressed file. `close()` ends the frame and flushes it; a writer
/// dropped without `close()` leaves a file that readers report as truncated.
public final class ZstdFileWriter {
    private let stream: OpaquePointer
    private let fd: FileDescriptor
    private var outBuffer: [UInt8]
    private var pending: [UInt8] = []
    private let pendingLimit = 1 << 17
    private var closed = false
    public let path: String
    /// Uncompressed bytes accepted so far.
    public private(set) var bytesIn: Int = 0
    /// Compressed bytes written to the file so far.
    public private(set) var bytesOut: Int = 0

    public init(path: String, level: Int32 = 3, workers: Int32 = 0) throws {
        guard let stream = ZSTD_createCStream() else { throw ZstdError(.library, "cannot allocate a compression stream") }
        self.stream = stream
        self.path = path
        do {
            fd = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .truncate, .closeOnExec],
                permissions: FilePermissions(rawValue: 0o644))
        } catch {
            ZSTD_freeCStream(stream)
            throw ZstdError(.io, "cannot create \(path): \(error)")
        }
        outBuffer = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        try check(ZSTD_CCtx_setParameter(stream, ZSTD_c_compressionLevel, level), "set level")
        if workers > 0 { _ = ZSTD_CCtx_setParameter(stream, ZSTD_c_nbWorkers, workers) }
        pending.reserveCapacity(pendingLimit)
    }

    deinit {
        if !closed { try? fd.close() }
        ZSTD_freeCStream(stream)
    }

    private func check(_ code: Int, _ what: String) throws {
        if ZSTD_isError(code) != 0 {
            throw ZstdError(.library, "\(what) for \(path): \(String(cString: ZSTD_getErrorName(code)))")
        }
    }

    /// Appends uncompressed bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!closed, "write after close")
        bytesIn += bytes.count
        if pending.count + bytes.count > pendingLimit {
            try flushPending()
            if bytes.count >= pendingLimit {
                try compress(bytes, mode: ZSTD_e_continue)
                return
            }
        }
        pending.append(contentsOf: bytes)
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    public func write(_ string: String) throws {
        var string = string
        try string.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    private func flushPending() throws {
        guard !pending.isEmpty else { return }
        try pending.withUnsafeBytes { try compress($0, mode: ZSTD_e_continue) }
        pending.removeAll(keepingCapacity: true)
    }

    private func compress(_ bytes: UnsafeRawBufferPointer, mode: ZSTD_EndDirective) throws {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while true {
            let remaining = try outBuffer.withUnsafeMutableBytes { out -> Int in
                var output = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                let remaining = ZSTD_compressStream2(stream, &output, &input, mode)
                try check(remaining, "compress")
                try writeAll(UnsafeRawBufferPointer(rebasing: out[0..<output.pos]))
                return remaining
            }
            let done = mode == ZSTD_e_end ? remaining == 0 : input.pos == input.size
            if done { return }
        }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        do { try fd.writeAll(bytes) } catch { throw ZstdError(.io, "cannot write \(path): \(error)") }
        bytesOut += bytes.count
    }

    /// Ends the frame, flushes it and fsyncs the file. Idempotent.
    public func close() throws {
        guard !closed else { return }
        try flushPending()
        try compress(UnsafeRawBufferPointer(start: nil, count: 0), mode: ZSTD_e_end)
        closed = true
        // swift-system has no fsync: the one direct call.
        if fsync(fd.rawValue) != 0 {
            let reason = Errno(rawValue: errno)
            try? fd.close()
            throw ZstdError(.io, "cannot fsync \(path): \(reason)")
        }
        do { try fd.close() } catch { throw ZstdError(.io, "cannot close \(path): \(error)") }
    }
}
