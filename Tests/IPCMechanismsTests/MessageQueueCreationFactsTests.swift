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
}
