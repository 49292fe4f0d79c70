import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `fcntl(F_GETFL)` and `fcntl(F_SETFL)` on a POSIX shared memory object's descriptor, as this kernel answers them (a
/// C probe first; fcntl(2), open(2)), each sequence judged call for call by the posix-shm model
/// (``PosixSharedMemoryModel+StatusFlags``).
///
/// The kernel's surprises: `F_GETFL` reports `O_NOFOLLOW` (glibc's `shm_open` opens with it) and the kernel's
/// `O_LARGEFILE` (0o100000, which glibc's headers call 0 on x86-64); `F_SETFL` of `O_ASYNC` succeeds and is dropped;
/// tmpfs takes `O_DIRECT`.
@Suite struct SharedMemoryStatusFlagsFactsTests {
    typealias Flags = PosixSharedMemoryModel.StatusFlags
    typealias Input = PosixSharedMemoryModel.Input

    /// One object of a page that exists, no one holding it: process 1 opens it as the kernel sequence does.
    static let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", .init(words: 512, mapped: []))]), object: "s0")
    /// What every read-write `shm_open` descriptor reports.
    static let opened: Flags = [.readWrite, .largeFile, .noFollow]

    static func flags(_ descriptor: CInt) -> Flags { Flags(rawValue: Int(fcntl(descriptor, F_GETFL))) }
    static func getFlags(_ flags: Flags, process: Int = 1) -> (input: Input, output: PosixSharedMemoryModel.Output) {
        (.statusFlags(process: process, set: nil), .statusFlags(flags))
    }

    /// The access mode (`O_RDWR`, or `O_RDONLY` which is 0), `O_LARGEFILE` and `O_NOFOLLOW`; not `O_TRUNC`.
    @Test func shmOpenReportsTheAccessModeLargeFileAndNoFollow() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("getfl", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let readOnly = shm_open(name, O_RDONLY, 0)
        let truncating = shm_open(name, O_RDWR | O_TRUNC, 0)
        defer { close(readOnly); close(truncating) }
        try #require(readOnly >= 0 && truncating >= 0)
        #expect(Self.flags(descriptor.rawValue) == Self.opened)
        #expect(Self.flags(readOnly) == [.largeFile, .noFollow])
        #expect(Self.flags(truncating) == Self.opened)
        #expect(Self.history.firstRefusal([
            (.open(process: 1), .done), Self.getFlags(Self.flags(descriptor.rawValue)),
            (.open(process: 1, .init(readOnly: true)), .done), Self.getFlags(Self.flags(readOnly)),
            (.open(process: 1, .init(truncate: true)), .done), Self.getFlags(Self.flags(truncating)),
        ]) == nil)
    }

    /// Each `F_SETFL` argument, and the flags after it: only `O_APPEND`, `O_NONBLOCK`, `O_DIRECT` and `O_NOATIME`
    /// change (as root, the owner); `O_ASYNC` is dropped; the access mode, `O_TRUNC`, `O_SYNC`, `O_NOFOLLOW`,
    /// `O_LARGEFILE` are ignored. With `O_APPEND` and `O_NONBLOCK` set, `mmap`, a store and `ftruncate` work as before.
    static let arguments: [(argument: Flags, after: Flags)] = [
        (.nonblocking, [.nonblocking]), (.append, [.append]), (.direct, [.direct]), (.noAccessTime, [.noAccessTime]),
        (.async, []), ([.async, .nonblocking], [.nonblocking]), ([], []), (Flags(rawValue: Int(O_WRONLY)), []),
        (Flags(rawValue: Int(O_TRUNC | O_CREAT | O_EXCL)), []), (Flags(rawValue: Int(O_SYNC)), []), (.noFollow, []), (.largeFile, []),
        ([.append, .nonblocking, .direct, .noAccessTime], [.append, .nonblocking, .direct, .noAccessTime]), ([], []),
        ([.append, .nonblocking], [.append, .nonblocking]),
    ]

    @Test func setStatusFlagsChangesOnlyAppendNonblockingDirectAndNoAccessTime() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("setfl", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        var calls: [(input: Input, output: PosixSharedMemoryModel.Output)] = [(.open(process: 1), .done)]
        for (argument, after) in Self.arguments {
            #expect(fcntl(fd, F_SETFL, CInt(argument.rawValue)) == 0)
            let flags = Self.flags(fd)
            #expect(flags == Self.opened.union(after), "F_SETFL \(argument.rawValue)")
            calls += [(.statusFlags(process: 1, set: argument), .done), Self.getFlags(flags)]
        }
        // O_APPEND and O_NONBLOCK are set now: nothing the mapping or ftruncate does changes.
        let words = try PosixSharedMemory.map(descriptor, size: 4096)
        defer { munmap(words.base, 4096) }
        words.base.storeBytes(of: 7, as: Int64.self)
        #expect(ftruncate(fd, 8192) == 0)
        calls += [(.access(process: 1, .store(index: 0, value: 7)), .accessed(.stored)), (.truncate(process: 1, size: 8192), .done)]
        #expect(Self.history.firstRefusal(calls) == nil)
    }

    /// The flags are the open file description's: a forked child's `F_SETFL` shows in its parent's `F_GETFL`, while
    /// another `shm_open` of the object has its own.
    @Test func aForkedChildSharesTheFlagsAnotherOpenHasItsOwn() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("setfl-fork", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        let child = try #require(ForkedChildren.run(count: 1, slots: 1) { _, slots in slots[0] = Int(fcntl(fd, F_SETFL, O_APPEND)) })
        #expect(child == [[0]])
        let parent = Self.flags(fd)
        let other = shm_open(name, O_RDWR, 0)
        defer { close(other) }
        try #require(other >= 0)
        #expect(parent == Self.opened.union(.append))
        #expect(Self.flags(other) == Self.opened)
        #expect(Self.history.firstRefusal([
            (.open(process: 1), .done), (.fork(process: 1, child: 2), .done), (.statusFlags(process: 2, set: .append), .done),
            Self.getFlags(parent), (.open(process: 1), .done), Self.getFlags(Self.flags(other)),
        ]) == nil)
        // A model whose flags were the descriptor's own (not shared through fork) refuses the parent's F_GETFL.
        #expect(Self.history.firstRefusal([
            (.open(process: 1), .done), (.fork(process: 1, child: 2), .done), (.statusFlags(process: 2, set: .append), .done),
            Self.getFlags(Self.opened),
        ]) != nil)
    }

    /// Setting `O_NOATIME` needs the object's owner (or `CAP_FOWNER`): the user nobody, holding a root-owned object's
    /// descriptor, fails `EPERM` with nothing changed, may set the other flags, and keeps an `O_NOATIME` already set.
    @Test(.enabled(if: geteuid() == 0)) func noAccessTimeNeedsTheOwner() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("setfl-noatime", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        let noAccessTime = CInt(Flags.noAccessTime.rawValue)
        let slots = try #require(ForkedChildren.run(count: 1, slots: 5) { _, slots in
            guard setgid(65534) == 0, setuid(65534) == 0 else { return }
            slots[0] = fcntl(fd, F_SETFL, noAccessTime | O_NONBLOCK) == 0 ? 0 : Int(errno)
            slots[1] = Int(fcntl(fd, F_GETFL))
            slots[2] = fcntl(fd, F_SETFL, O_NONBLOCK) == 0 ? 0 : Int(errno)
            slots[3] = Int(fcntl(fd, F_GETFL))
        }).first
        #expect(slots == [Int(EPERM), Self.opened.rawValue, 0, Self.opened.union(.nonblocking).rawValue, -1])
        // The model: the owner is root; process 2 is nobody. A forked child has its parent's credentials and the trace
        // has no setuid, so nobody holds a description of its own here (mode 0666 lets it open the object).
        var setup = PosixSharedMemoryModel.Setup(words: 512, mapped: [])
        setup.permissions.mode = 0o666
        setup.permissions.users = [2: .init(uid: 65534, gid: 65534)]
        let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", setup)]), object: "s0")
        #expect(history.firstRefusal([
            (.open(process: 2), .done),
            (.statusFlags(process: 2, set: [.noAccessTime, .nonblocking]), .failed(.EPERM)), Self.getFlags(Self.opened, process: 2),
            (.statusFlags(process: 2, set: .nonblocking), .done), Self.getFlags(Self.opened.union(.nonblocking), process: 2),
        ]) == nil)
    }
}
