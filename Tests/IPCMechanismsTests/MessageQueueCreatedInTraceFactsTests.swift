import Foundation
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// A message queue made by the calls a trace records (`"exists": false` in the posix-mq and sysv-msg models): what a
/// name or key that never named a queue gives, what the first create makes, and two creators racing (LTP `msgget01`,
/// `msgget02`, `mq_open01`, `msgctl01`; Open POSIX `mq_open` 1-1, 2-1, 16-1). The racers are two threads of this
/// process: the kernel serialises the two `mq_open`s on the mqueue root's lock and the two `msgget`s on the namespace's
/// `rwsem`, as it would two processes'.
@Suite struct MessageQueueCreatedInTraceFactsTests {
    static func name(_ tag: String) -> String { "/ipch-test-\(getpid())-\(tag)-\(UInt32.random(in: 0...UInt32.max))" }

    /// Runs `body` on two OS threads of their own (``TestThread``; not the pool, which may run both on one thread) at
    /// once, as nearly together as a barrier makes them; returns both results.
    static func race<T: Sendable>(_ body: @escaping @Sendable (Int) -> T) -> [T] {
        let results = Locked<[T]>([])
        let arrived = Locked(0)
        let threads = (0..<2).map { index in
            TestThread {
                arrived.change { $0 += 1 }
                while arrived.change({ $0 }) < 2 {}
                let result = body(index)
                results.change { $0.append(result) }
            }
        }
        for thread in threads { thread.join() }
        return results.change { $0 }
    }

    /// What `body` returned, or its errno negated.
    static func result(_ body: () throws(Errno) -> Int32) -> Int32 {
        do { return try body() } catch { return -error.rawValue }
    }

    final class Locked<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Value
        init(_ value: Value) { self.value = value }
        func change<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
    }

    /// A name that never named a queue: `mq_open` without `O_CREAT` and `mq_unlink` fail `ENOENT`. `O_CREAT` with
    /// `attr` `NULL` makes a queue of the defaults (`msg_default` 10 × `msgsize_default` 8192), empty; one with
    /// attributes has exactly those. `O_EXCL` on the existing name fails `EEXIST` even with invalid attributes (the
    /// kernel looks at them only when it creates).
    @Test func aNewNameIsMissingUntilCreatedWithTheAttributesAsked() throws {
        let name = Self.name("new")
        defer { try? Syscall.mqUnlink(name) }
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.mqOpen(name, flags: O_RDWR | O_CLOEXEC) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try Syscall.mqUnlink(name) }
        let queue = try Syscall.mqCreate(name, flags: O_RDWR | O_EXCL | O_CLOEXEC, mode: 0o600)
        defer { try? Syscall.close(queue) }
        let defaults = try Syscall.mqAttributes(queue)
        #expect((defaults.maximumMessages, defaults.messageSize, defaults.currentMessages) == (10, 8192, 0))
        #expect(throws: Errno.fileExists) {
            _ = try Syscall.mqCreate(name, flags: O_RDWR | O_EXCL | O_CLOEXEC, mode: 0o600, maximumMessages: 0, messageSize: 0)
        }
        try Syscall.mqUnlink(name)
        let asked = try Syscall.mqCreate(name, flags: O_RDWR | O_EXCL | O_CLOEXEC, mode: 0o600, maximumMessages: 3, messageSize: 100)
        defer { try? Syscall.close(asked) }
        let attributes = try Syscall.mqAttributes(asked)
        #expect((attributes.maximumMessages, attributes.messageSize, attributes.currentMessages) == (3, 100, 0))
    }

    /// LTP `mq_open01`: on a name that does not exist, attributes of 0, negative, or above `msg_max` 10 and
    /// `msgsize_max` 8192 fail `EINVAL` and make nothing (the name is still missing).
    @Test func invalidAttributesFailEINVALAndMakeNothing() throws {
        let name = Self.name("invalid")
        defer { try? Syscall.mqUnlink(name) }
        for (messages, size) in [(0, 8), (-1, 8), (11, 8), (2, 0), (2, -5), (2, 8193)] {
            #expect(throws: Errno.invalidArgument, "\(messages) × \(size)") {
                _ = try Syscall.mqCreate(name, flags: O_RDWR | O_CLOEXEC, mode: 0o600, maximumMessages: messages, messageSize: size)
            }
            #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.mqOpen(name, flags: O_RDWR | O_CLOEXEC) }
        }
    }

    /// Open POSIX `mq_open/16-1`: two creators racing `O_CREAT | O_EXCL` for a new name — exactly one makes the queue,
    /// the other fails `EEXIST`; without `O_EXCL` both succeed and hold the same queue, whose attributes are one
    /// creator's (each asked for its own).
    @Test func racingCreatorsMakeOneQueue() throws {
        for round in 0..<20 {
            let name = Self.name("race\(round)")
            defer { try? Syscall.mqUnlink(name) }
            let exclusive = Self.race { (_: Int) -> Int32 in
                Self.result { () throws(Errno) in try Syscall.mqCreate(name, flags: O_RDWR | O_EXCL | O_CLOEXEC, mode: 0o600).rawValue }
            }
            #expect(exclusive.filter { $0 >= 0 }.count == 1 && exclusive.contains(-Errno.fileExists.rawValue), "round \(round): \(exclusive)")
            for descriptor in exclusive where descriptor >= 0 { try Syscall.close(FileDescriptor(rawValue: descriptor)) }
            try Syscall.mqUnlink(name)
            let both = Self.race { (index: Int) -> Int32 in
                let size = (index + 1) * 16
                return Self.result { () throws(Errno) in
                    try Syscall.mqCreate(name, flags: O_RDWR | O_CLOEXEC, mode: 0o600, maximumMessages: 2, messageSize: size).rawValue
                }
            }
            #expect(both.allSatisfy { $0 >= 0 }, "round \(round): \(both)")
            let queues = both.filter { $0 >= 0 }.map { FileDescriptor(rawValue: $0) }
            defer { for queue in queues { try? Syscall.close(queue) } }
            guard queues.count == 2 else { continue }
            #expect(try Syscall.inode(of: queues[0]) == Syscall.inode(of: queues[1]))
            let sizes = try queues.map { try Syscall.mqAttributes($0).messageSize }
            #expect(sizes[0] == sizes[1] && [16, 32].contains(sizes[0]))
        }
    }

    /// LTP `msgget02`, `msgget01`, `msgctl01`: a key that never named a queue fails a lookup `ENOENT`; `IPC_CREAT`
    /// makes a queue of `msg_qbytes` `msgmnb` (16384), empty, its mode the bits asked (`01777` gives `0777`), owned and
    /// created by the caller's effective user and group, `msg_stime`/`msg_rtime` 0, `msg_lspid`/`msg_lrpid` 0 and
    /// `msg_ctime` the creation's; `IPC_EXCL` then fails `EEXIST`, a lookup or a create without it finds it.
    @Test func aNewKeyIsMissingUntilCreatedWithTheKernelsDefaults() throws {
        let key = SystemVKeyFactsTests.key()
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.msgget(key, flags: 0) }
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.msgget(key, flags: 0o600) }
        let before = time(nil)
        let queue = try Syscall.msgget(key, flags: IPC_CREAT | IPC_EXCL | 0o640)
        defer { try? Syscall.msgRemove(queue) }
        let status = try Syscall.msgStatus(queue)
        #expect(status.msg_qbytes == 16384 && status.msg_qnum == 0 && status.__msg_cbytes == 0)
        #expect(status.msg_perm.mode & 0o777 == 0o640)
        #expect(status.msg_perm.uid == geteuid() && status.msg_perm.cuid == geteuid())
        #expect(status.msg_perm.gid == getegid() && status.msg_perm.cgid == getegid())
        #expect(status.msg_stime == 0 && status.msg_rtime == 0 && status.msg_ctime >= before)
        #expect(status.msg_lspid == 0 && status.msg_lrpid == 0)
        #expect(throws: Errno.fileExists) { _ = try Syscall.msgget(key, flags: IPC_CREAT | IPC_EXCL | 0o600) }
        #expect(try Syscall.msgget(key, flags: IPC_CREAT | 0o600) == queue)
        #expect(try Syscall.msgget(key, flags: 0) == queue)
        let other = SystemVKeyFactsTests.key()
        let wide = try Syscall.msgget(other, flags: IPC_CREAT | IPC_EXCL | 0o1777)
        defer { try? Syscall.msgRemove(wide) }
        #expect(try Syscall.msgStatus(wide).msg_perm.mode == 0o777)
    }

    /// Two creators racing `IPC_CREAT | IPC_EXCL` for a new key: one makes the queue, the other fails `EEXIST`;
    /// without `IPC_EXCL` both get the one queue.
    @Test func racingMsggetCreatorsMakeOneQueue() throws {
        for round in 0..<20 {
            let key = SystemVKeyFactsTests.key()
            let exclusive = Self.race { (_: Int) -> Int32 in
                Self.result { () throws(Errno) in try Syscall.msgget(key, flags: IPC_CREAT | IPC_EXCL | 0o600).id }
            }
            for id in exclusive where id >= 0 { try? Syscall.msgRemove(SystemVMessageQueue(id: id)) }
            #expect(exclusive.filter { $0 >= 0 }.count == 1 && exclusive.contains(-Errno.fileExists.rawValue), "round \(round): \(exclusive)")
            let both = Self.race { (_: Int) -> Int32 in
                Self.result { () throws(Errno) in try Syscall.msgget(key, flags: IPC_CREAT | 0o600).id }
            }
            for id in Set(both) where id >= 0 { try? Syscall.msgRemove(SystemVMessageQueue(id: id)) }
            #expect(both.count == 2 && both[0] >= 0 && both[0] == both[1], "round \(round): \(both)")
        }
    }
}
