public import ModuleErrors

/// What can fail when the simulator opens its loopback socket.
public enum LoopbackSocketErrorCode: String, ModuleErrorCode {
    /// socket(2) failed (e.g. the process is out of descriptors).
    case socket
    /// bind(2) on 127.0.0.1 failed.
    case bind
    /// getsockname(2) failed.
    case name
}

/// A loopback socket could not be created, bound or named (the message carries the system's reason).
public typealias LoopbackSocketError = ModuleError<LoopbackSocketErrorCode>
