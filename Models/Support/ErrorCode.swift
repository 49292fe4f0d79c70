/// An errno value by its symbolic name ("EAGAIN"), as models and traces speak of errors.
///
/// Models are pure and cannot import Glibc; the syscall layer maps these names to numbers.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }
    public var description: String { rawValue }
    public static func < (lhs: ErrorCode, rhs: ErrorCode) -> Bool { lhs.rawValue < rhs.rawValue }

    public static let EAGAIN = ErrorCode("EAGAIN")
    public static let EBADF = ErrorCode("EBADF")
    public static let EINTR = ErrorCode("EINTR")
    public static let EINVAL = ErrorCode("EINVAL")
    public static let EPIPE = ErrorCode("EPIPE")
    public static let EMSGSIZE = ErrorCode("EMSGSIZE")
    public static let ENOMEM = ErrorCode("ENOMEM")
    public static let ENOSPC = ErrorCode("ENOSPC")
    public static let EPERM = ErrorCode("EPERM")
    public static let ECONNRESET = ErrorCode("ECONNRESET")
    public static let ECONNREFUSED = ErrorCode("ECONNREFUSED")
    public static let ENOTCONN = ErrorCode("ENOTCONN")
    public static let EISCONN = ErrorCode("EISCONN")
    public static let ENXIO = ErrorCode("ENXIO")
    public static let ESRCH = ErrorCode("ESRCH")
    public static let EACCES = ErrorCode("EACCES")
    /// Not an errno: a memory access the kernel refused with a signal, as the worker reports it.
    public static let SIGSEGV = ErrorCode("SIGSEGV")
    public static let SIGBUS = ErrorCode("SIGBUS")
}
