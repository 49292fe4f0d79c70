import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage

/// A POSIX message queue a test owns, made under a fresh name, with three descriptors of it: the creator's `O_RDWR`
/// one, an `O_RDONLY` and an `O_WRONLY` one (the access mode decides which calls fail `EBADF`). All three are closed
/// and the name unlinked when it goes.
final class OwnedQueueDescriptors {
    let name: String
    let queue: FileDescriptor
    let reader: FileDescriptor
    let writer: FileDescriptor

    init(_ stem: String, maximumMessages: Int, messageSize: Int) throws {
        name = "/ipch-test-\(getpid())-\(stem)-\(UInt32.random(in: 0...UInt32.max))"
        queue = try PosixMessageQueue.create(name, maximumMessages: maximumMessages, messageSize: messageSize)
        do {
            reader = try PosixMessageQueue.open(name, access: O_RDONLY)
        } catch {
            try? Syscall.close(queue)
            try? Syscall.mqUnlink(name)
            throw error
        }
        do {
            writer = try PosixMessageQueue.open(name, access: O_WRONLY)
        } catch {
            try? Syscall.close(reader)
            try? Syscall.close(queue)
            try? Syscall.mqUnlink(name)
            throw error
        }
    }

    deinit {
        try? Syscall.close(writer)
        try? Syscall.close(reader)
        try? Syscall.close(queue)
        try? Syscall.mqUnlink(name)
    }
}
