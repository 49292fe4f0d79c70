import Foundation
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `mq_open` with `O_CREAT` on this kernel, as the test runs (root without `CAP_SYS_RESOURCE` here: the limits are
/// `/proc/sys/fs/mqueue`'s `msg_max` 10 and `msgsize_max` 8192, which a C probe under `setpriv --reuid=65534` found
/// the same for an unprivileged user). While the name exists, `O_EXCL` fails `EEXIST` and without it the call opens
/// the existing queue, ignoring the attributes asked for, even invalid ones; once it is unlinked, attributes outside
/// the limits fail `EINVAL` and valid ones make a new queue.
@Suite struct MessageQueueCreationFactsTests {
    @Test func oCreatOpensTheExistingQueueOrFailsAndChecksTheAttributesOnlyWhenItCreates() throws {
        let name = "/ipch-test-\(getpid())-create-\(UInt32.random(in: 0...UInt32.max))"
        let queue = try PosixMessageQueue.create(name, maximumMessages: 2, messageSize: 8)
        defer { try? Syscall.close(queue); try? Syscall.mqUnlink(name) }
        let inode = try Syscall.inode(of: queue)
        #expect(throws: Errno.fileExists) {
            _ = try Syscall.mqCreate(name, flags: O_RDWR | O_EXCL | O_CLOEXEC, mode: 0o600, maximumMessages: 2, messageSize: 8)
        }
        // Invalid attributes, ignored: the existing queue, its own attributes.
        let same = try Syscall.mqCreate(name, flags: O_RDWR | O_CLOEXEC, mode: 0o600, maximumMessages: 11, messageSize: 9000)
        #expect(try Syscall.inode(of: same) == inode)
        #expect(try Syscall.mqAttributes(same).maximumMessages == 2)
        try Syscall.close(same)
        try Syscall.mqUnlink(name)
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try PosixMessageQueue.open(name) }
        for (messages, size) in [(11, 8), (2, 8193), (0, 8), (2, 0)] {
            #expect(throws: Errno.invalidArgument, "\(messages) × \(size)") {
                _ = try Syscall.mqCreate(name, flags: O_RDWR | O_EXCL | O_CLOEXEC, mode: 0o600, maximumMessages: messages, messageSize: size)
            }
        }
        let fresh = try Syscall.mqCreate(name, flags: O_RDWR | O_EXCL | O_CLOEXEC, mode: 0o600, maximumMessages: 10, messageSize: 8192)
        defer { try? Syscall.close(fresh) }
        #expect(try Syscall.inode(of: fresh) != inode)
        #expect(try Syscall.mqAttributes(fresh).maximumMessages == 10)
    }

    /// An access mode of `O_ACCMODE` (`O_RDWR | O_WRONLY`): an existing name fails `EINVAL` — with `O_CREAT` too, after
    /// `O_EXCL`'s `EEXIST` (and before the permissions' `EACCES`: a C probe as user 65534 on a root-owned 0600 queue got
    /// `EINVAL`, and `EACCES` for `O_RDONLY`) — a missing one without `O_CREAT` `ENOENT`, and with it a new queue is made,
    /// opened for neither `mq_send` nor `mq_receive` (`EBADF` both), while `mq_getattr` works.
    @Test func theAccessModeOAccmodeFailsEINVALOnAnExistingQueue() throws {
        let name = "/ipch-test-\(getpid())-accmode-\(UInt32.random(in: 0...UInt32.max))"
        let queue = try PosixMessageQueue.create(name, maximumMessages: 2, messageSize: 8)
        defer { try? Syscall.close(queue); try? Syscall.mqUnlink(name) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.mqOpen(name, flags: O_ACCMODE | O_CLOEXEC) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.mqOpen(name, flags: O_ACCMODE | O_NONBLOCK | O_CLOEXEC) }
        #expect(throws: Errno.invalidArgument) {
            _ = try Syscall.mqCreate(name, flags: O_ACCMODE | O_CLOEXEC, mode: 0o600, maximumMessages: 2, messageSize: 8)
        }
        #expect(throws: Errno.fileExists) {
            _ = try Syscall.mqCreate(name, flags: O_ACCMODE | O_EXCL | O_CLOEXEC, mode: 0o600, maximumMessages: 2, messageSize: 8)
        }
        try Syscall.mqUnlink(name)
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try Syscall.mqOpen(name, flags: O_ACCMODE | O_CLOEXEC) }
        #expect(throws: Errno.invalidArgument) {
            _ = try Syscall.mqCreate(name, flags: O_ACCMODE | O_CLOEXEC, mode: 0o600, maximumMessages: 0, messageSize: 8)
        }
        let made = try Syscall.mqCreate(name, flags: O_ACCMODE | O_CLOEXEC, mode: 0o600, maximumMessages: 2, messageSize: 8)
        defer { try? Syscall.close(made) }
        #expect(try Syscall.inode(of: made) != Syscall.inode(of: queue))
        #expect(throws: Errno.badFileDescriptor) {
            try [UInt8](repeating: 1, count: 1).withUnsafeBufferPointer { (raw) throws(Errno) in
                try Syscall.mqSend(made, UnsafeRawBufferPointer(raw), priority: 0)
            }
        }
        #expect(throws: Errno.badFileDescriptor) {
            var buffer = [UInt8](repeating: 0, count: 8)
            _ = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) in try Syscall.mqReceive(made, into: UnsafeMutableRawBufferPointer(raw)) }
        }
        #expect(try Syscall.mqAttributes(made).maximumMessages == 2)
    }

    /// `RLIMIT_MSGQUEUE` (819200 bytes here) is counted against the creating *user*: a thread that takes a user of
    /// its own (no queue yet, whatever root's other tests hold; the process's limit unchanged) makes nine 10 × 8192
    /// queues — each charged its messages plus the kernel's bookkeeping, a little over 81920 bytes — and the tenth
    /// fails `EMFILE`; closing one does not give its bytes back, unlinking it (the queue then goes) does. Root's
    /// queues are charged to root, so the thread's user was at 0 whatever the rest of the test process holds.
    @Test func rlimitMsgqueueIsCountedPerUserAndFailsEMFILE() throws {
        let base = "/ipch-test-\(getpid())-rlimit-\(UInt32.random(in: 0...UInt32.max))"
        #expect(try String(contentsOfFile: "/proc/self/limits", encoding: .utf8).split(separator: "\n")
            .contains { $0.hasPrefix("Max msgqueue size") && $0.contains("819200") })
        nonisolated(unsafe) var made = 0
        nonisolated(unsafe) var failure = ""
        nonisolated(unsafe) var afterClose = ""
        nonisolated(unsafe) var afterUnlink = ""
        TestThread {
            // A user no other test uses, so its count starts at 0.
            guard (try? Syscall.setThreadCredentials(user: 54321, group: 54321)) != nil else { return }
            defer { try? Syscall.setThreadCredentials(user: 0, group: 0) }
            var queues: [(String, FileDescriptor)] = []
            defer { for (name, queue) in queues { try? Syscall.close(queue); try? Syscall.mqUnlink(name) } }
            func create(_ name: String) throws(Errno) -> FileDescriptor {
                try Syscall.mqCreate(name, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600, maximumMessages: 10, messageSize: 8192)
            }
            while queues.count < 20 {
                let name = "\(base)-\(queues.count)"
                do throws(Errno) {
                    queues.append((name, try create(name)))
                } catch {
                    failure = error.name
                    break
                }
            }
            made = queues.count
            guard !queues.isEmpty else { return }
            // Closed once, here, and not again at the end: a second close could close another test's descriptor.
            let (firstName, first) = queues.removeFirst()
            try? Syscall.close(first)
            afterClose = (try? create(base + "-a")).map { queue in queues.append((base + "-a", queue)); return "ok" } ?? "EMFILE"
            try? Syscall.mqUnlink(firstName)
            afterUnlink = (try? create(base + "-b")).map { queue in queues.append((base + "-b", queue)); return "ok" } ?? "failed"
        }.join()
        #expect(made == 9 && failure == "EMFILE")
        #expect(afterClose == "EMFILE" && afterUnlink == "ok")
    }

    /// Names `mq_open` and `mq_unlink` refuse: longer than `NAME_MAX` `ENAMETOOLONG` (the kernel), no leading slash
    /// or empty `EINVAL` (glibc), another slash `EACCES` (the kernel looks `a/b` up in the mqueue root, a file it
    /// may not search through).
    @Test func refusedNamesFailENAMETOOLONGEINVALOrEACCES() throws {
        let name = "/ipch-test-\(getpid())-names-\(UInt32.random(in: 0...UInt32.max))"
        let cases: [(String, Errno)] = [
            ("/" + String(repeating: "a", count: 300), Errno(rawValue: ENAMETOOLONG)), (String(name.dropFirst()), .invalidArgument),
            ("", .invalidArgument), (name + "/x", .permissionDenied),
        ]
        for (path, error) in cases {
            #expect(throws: error, "mq_open \(path.prefix(40))") {
                try Syscall.close(try Syscall.mqCreate(path, flags: O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o600, maximumMessages: 2, messageSize: 8))
            }
            #expect(throws: error, "mq_unlink \(path.prefix(40))") { try Syscall.mqUnlink(path) }
        }
    }
}
