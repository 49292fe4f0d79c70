import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The kernel mechanisms that can carry a reference implementation's copy channels in real mode (the
/// simulation's channels are simulated copy channels). Each kind creates a channel, gives each process its own
/// end, and wraps an end in its ``CopyChannel`` adapter; adding a kind (a socket pair, a message queue) is one
/// case in each of these and one adapter in IPCMechanisms.
enum CopyChannelKind: String, Sendable {
    case pipe

    /// One channel: the descriptors the receiving and sending ends are opened from (the driver's copies).
    func create() throws(Errno) -> (receive: FileDescriptor, send: FileDescriptor) {
        switch self {
        case .pipe:
            let pipe = try KernelPipe.create()
            return (pipe.read, pipe.write)
        }
    }

    /// A process's own end, opened from the driver's copy `end`.
    func openEnd(_ end: FileDescriptor, forSending: Bool) throws(Errno) -> FileDescriptor {
        switch self {
        case .pipe: try KernelPipe.openEnd(end, forWriting: forSending)
        }
    }

    /// The adapter over a process's ends (either may be missing).
    func adapter(receiveEnd: FileDescriptor?, sendEnd: FileDescriptor?) -> any CopyChannel {
        switch self {
        case .pipe: PipeCopyChannel(readEnd: receiveEnd, writeEnd: sendEnd)
        }
    }

    /// The kind an object's parameters (or a worker's setup) name; pipes when none.
    static func named(_ value: JSONValue?) throws(HarnessError) -> CopyChannelKind {
        guard case .string(let name)? = value else { return .pipe }
        guard let kind = CopyChannelKind(rawValue: name) else { throw HarnessError("unknown copy channel kind '\(name)'") }
        return kind
    }
}
