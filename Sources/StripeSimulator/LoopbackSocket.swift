import ModuleErrors
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// TCP sockets on 127.0.0.1 with a port the kernel picks, for loopback servers and for tests that
/// need a port where nothing listens.
public enum LoopbackSocket {
    /// A socket bound to 127.0.0.1 on an ephemeral port, listening when `backlog` is given.
    public static func bind(listening backlog: Int32?, reuseAddress: Bool = false) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackSocketError(.socket, "socket: \(String(cString: strerror(errno)))") }
        if reuseAddress {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, backlog.map({ listen(fd, $0) == 0 }) ?? true else {
            let message = String(cString: strerror(errno))
            try? FileDescriptor(rawValue: fd).close()
            throw LoopbackSocketError(.bind, "cannot bind 127.0.0.1: \(message)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let message = String(cString: strerror(errno))
            try? FileDescriptor(rawValue: fd).close()
            throw LoopbackSocketError(.name, "getsockname: \(message)")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A port on 127.0.0.1 that was free a moment ago and has nothing listening on it.
    public static func unusedPort() throws -> UInt16 {
        let (fd, port) = try bind(listening: nil)
        try? FileDescriptor(rawValue: fd).close()
        return port
    }
}
