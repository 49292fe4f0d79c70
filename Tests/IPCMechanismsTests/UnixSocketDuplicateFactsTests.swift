import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `dup`, `dup2`, `dup3` and `fstat` on Unix sockets, measured on this kernel (6.18; a C probe first), on every type —
/// what `UnixSocketModel+Duplicate` models: a copy is the same open file, so the socket stays open while any copy does
/// (the peer reads no end of file, its sends go on) and closes with the last; a `shutdown` or `O_NONBLOCK` through
/// one copy is the socket's; `dup3` of flags other than `O_CLOEXEC`, or onto its own number, `EINVAL` where `dup2`
/// onto its own number returns it; `fstat` says `S_IFSOCK`, mode 0777, `st_size` 0 whatever is queued.
///
/// Every copy a test makes is a number it owns, closed once (a second close of the same number could close what
/// another test opened since: see ``OwnedSocketPair``); a `dup3`'s target is such a copy, never a guessed number.
@Suite struct UnixSocketDuplicateFactsTests {
    typealias Answer = UnixSocketReadWriteFactsTests.Answer

    static func read(_ socket: FileDescriptor) -> Answer { UnixSocketReadWriteFactsTests.read(socket, 64) }
    static func write(_ socket: FileDescriptor, _ text: String) -> Answer { UnixSocketReadWriteFactsTests.write(socket, text) }

    @Test(arguments: UnixSocketType.allCases)
    func aCopyKeepsTheSocketOpenUntilTheLastCloses(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        try Syscall.setNonblocking(pair.b, true)
        let copy = try Syscall.duplicate(pair.a, closeOnExec: true)
        try pair.closeA()
        // One copy closed: no end of file, the peer's sends still go, and the copy sends.
        #expect(Self.read(pair.b) == .error("EAGAIN"))
        #expect(Self.write(pair.b, "to-copy") == .count(7))
        #expect(UnixSocketReadWriteFactsTests.read(copy, 64) == .bytes("to-copy"))
        #expect(Self.write(copy, "from-copy") == .count(9))
        #expect(Self.read(pair.b) == .bytes("from-copy"))
        try Syscall.close(copy)
        // The last copy closed: end of file (none for a datagram pair), the peer's sends fail.
        #expect(Self.read(pair.b) == (type == .dgram ? .error("EAGAIN") : .bytes("")))
        #expect(Self.write(pair.b, "x") == .error(type == .dgram ? "ECONNREFUSED" : "EPIPE"))
    }

    @Test(arguments: UnixSocketType.allCases)
    func aShutdownOrFlagThroughOneCopyIsTheSockets(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        try Syscall.setNonblocking(pair.b, true)
        let copy = try Syscall.duplicate(pair.a, closeOnExec: true)
        defer { try? Syscall.close(copy) }
        try Syscall.setNonblocking(copy, true)
        #expect(try Syscall.statusFlags(pair.a) & O_NONBLOCK != 0)
        try Syscall.shutdown(copy, how: 1)  // SHUT_WR
        #expect(Self.write(pair.a, "x") == .error("EPIPE"))
        #expect(Self.read(pair.b) == (type == .dgram ? .error("EAGAIN") : .bytes("")))
    }

    @Test(arguments: UnixSocketType.allCases)
    func dup3RefusesOtherFlagsAndItsOwnNumber(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        let spare = try Syscall.duplicate(pair.a, closeOnExec: false)
        defer { try? Syscall.close(spare) }
        #expect(errorName { try Syscall.duplicate(pair.a, onto: pair.a.rawValue, flags: 0) } == "EINVAL")
        #expect(errorName { try Syscall.duplicate(pair.a, onto: spare.rawValue, flags: O_NONBLOCK) } == "EINVAL")
        #expect(errorName { try Syscall.duplicate(pair.a, onto: spare.rawValue, flags: 1) } == "EINVAL")
        #expect(try Syscall.duplicate(pair.a, onto: pair.a.rawValue, flags: nil) == pair.a)
        #expect(try Syscall.duplicate(pair.a, onto: spare.rawValue, flags: O_CLOEXEC) == spare)
        #expect(try Syscall.closesOnExec(spare))
        #expect(Self.write(spare, "dup3") == .count(4))
        #expect(UnixSocketReadWriteFactsTests.read(pair.b, 64) == .bytes("dup3"))
    }

    @Test(arguments: UnixSocketType.allCases)
    func fstatSaysASocketWithNoSize(type: UnixSocketType) throws {
        let pair = try OwnedSocketPair(type)
        #expect(Self.write(pair.a, "queued") == .count(6))
        for socket in [pair.a, pair.b] {
            let status = try Syscall.descriptorStatus(socket)
            #expect(status.type == S_IFSOCK && status.permissions == 0o777 && status.size == 0)
        }
        let bound = try KernelUnixSocket.bound(type, to: uniqueAbstractAddress("fstat"))
        defer { try? Syscall.close(bound) }
        let status = try Syscall.descriptorStatus(bound)
        #expect(status.type == S_IFSOCK && status.permissions == 0o777 && status.size == 0)
    }
}
