import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// An injected `EINTR` only where the kernel could give one: a call that would sleep at that moment. Each test makes
/// the same blocking call twice through an injector that interrupts every call ``FaultFeasibility`` permits — once
/// when it would sleep (interrupted), once when it would not (it goes through and does its work). On a harness that
/// interrupts any blocking call, the second half fails: the client would be told `EINTR` by a call that, made for
/// real, returns at once.
@Suite struct InterruptionOnlyAsleepTests {
    /// Interrupts every call that ``FaultFeasibility`` says could be interrupted, and lets the rest through.
    final class InterruptWherePermitted: FaultInjector, @unchecked Sendable {
        func decide(_ context: SyscallContext) -> FaultAction {
            FaultFeasibility.permits(.interrupted, for: context) ? .fail(.interrupted) : .proceed
        }
    }

    func interrupting<T>(_ body: () throws -> T) rethrows -> T {
        try FaultInjection.$taskInjector.withValue(InterruptWherePermitted()) { try body() }
    }

    /// One `read` of up to `max` bytes, not retried when interrupted.
    func read(_ descriptor: FileDescriptor, max: Int = 8) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let count = try buffer.withUnsafeMutableBytes { try Syscall.read(descriptor, into: $0, retryOnInterrupt: false) }
        return Array(buffer[..<count])
    }

    /// One `write` of `bytes`, not retried when interrupted.
    @discardableResult
    func write(_ descriptor: FileDescriptor, _ bytes: [UInt8]) throws -> Int {
        try bytes.withUnsafeBytes { try Syscall.write(descriptor, $0, retryOnInterrupt: false) }
    }

    /// One blocking `send` of `bytes`, not retried when interrupted.
    @discardableResult
    func send(_ descriptor: FileDescriptor, _ bytes: [UInt8], flags: CInt = 0) throws -> Int {
        try bytes.withUnsafeBytes { try Syscall.send(descriptor, $0, flags: flags, retryOnInterrupt: false) }
    }

    final class Closing {
        var all: [FileDescriptor] = []
        deinit { for descriptor in all { try? Syscall.close(descriptor) } }
    }

    @Test func aPipeReadOnlyWhileThePipeIsEmptyWithAWriter() throws {
        let held = Closing()
        let (read, write) = try Syscall.pipe()
        held.all = [read, write]
        try interrupting {
            #expect(throws: Errno.interrupted) { try self.read(read) }
            try self.write(write, [5])
            #expect(try self.read(read) == [5])
        }
    }

    @Test func aPipeWriteOnlyWhileThePipeHoldsItsCapacity() throws {
        let held = Closing()
        let (read, write) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
        held.all = [read, write]
        try Syscall.setNonblocking(write, false)
        let capacity = try Syscall.pipeSize(write)
        let page = [UInt8](repeating: 1, count: 4096)
        try interrupting {
            // Room left: a blocking write goes straight in.
            var written = 0
            while written < capacity {
                written += try self.write(write, page)
            }
            #expect(written == capacity)
            // Full to the byte: the next one would sleep.
            #expect(throws: Errno.interrupted) { try self.write(write, page) }
        }
    }

    @Test func aPollOnlyWhileNothingIsReady() throws {
        let held = Closing()
        let (read, write) = try Syscall.pipe()
        held.all = [read, write]
        try interrupting {
            var descriptors = [pollfd(fd: read.rawValue, events: Int16(POLLIN), revents: 0)]
            #expect(throws: Errno.interrupted) { _ = try Syscall.poll(&descriptors, timeoutMilliseconds: -1, retryOnInterrupt: false) }
            #expect(throws: Errno.interrupted) {
                _ = try Syscall.select(read, read: true, write: false, timeoutMilliseconds: -1, retryOnInterrupt: false)
            }
            try self.write(write, [1])
            #expect(try Syscall.poll(&descriptors, timeoutMilliseconds: -1, retryOnInterrupt: false) == 1)
            #expect(try Syscall.select(read, read: true, write: false, timeoutMilliseconds: -1, retryOnInterrupt: false).readable)
        }
    }

    @Test func aSemaphoreWaitOnlyAtZero() throws {
        let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        defer { sem_destroy(semaphore); semaphore.deallocate() }
        try Syscall.semInit(semaphore, shared: false, value: 1)
        try interrupting {
            try Syscall.semWait(semaphore, retryOnInterrupt: false)
            #expect(throws: Errno.interrupted) { try Syscall.semWait(semaphore, retryOnInterrupt: false) }
            let ahead = Syscall.deadline(on: CLOCK_REALTIME, milliseconds: 60_000)
            #expect(throws: Errno.interrupted) { try Syscall.semTimedWait(semaphore, deadline: ahead, retryOnInterrupt: false) }
            // A deadline already past returns ETIMEDOUT at once: no sleep, no EINTR.
            let past = timespec(tv_sec: 1, tv_nsec: 0)
            #expect(throws: Errno.timedOut) { try Syscall.semTimedWait(semaphore, deadline: past, retryOnInterrupt: false) }
        }
    }

    @Test func aSystemVSemopOnlyWhenAnOperationCannotProceed() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 2, flags: 0o600)
        defer { try? Syscall.semRemove(set) }
        try Syscall.semSetValues(set, [1, 0])
        try interrupting {
            // Take the 1 and wait for zero on the other: both can proceed.
            try Syscall.semop(set, [SemaphoreOperation(number: 0, change: -1), SemaphoreOperation(number: 1, change: 0)], nonblocking: false, retryOnInterrupt: false)
            #expect(throws: Errno.interrupted) {
                try Syscall.semop(set, [SemaphoreOperation(number: 0, change: -1)], nonblocking: false, retryOnInterrupt: false)
            }
            // Applied in order: +1 then -1 on the same semaphore proceeds.
            try Syscall.semop(set, [SemaphoreOperation(number: 0, change: 1), SemaphoreOperation(number: 0, change: -1)], nonblocking: false, retryOnInterrupt: false)
        }
    }

    /// A `semop` a user's code makes straight to libc carries each operation's own flags (the worker's interposer
    /// passes them as they are): the kernel sleeps at the first operation that cannot proceed, unless that one has
    /// `IPC_NOWAIT` — then the call fails `EAGAIN` at once, and no `EINTR` is possible, whatever the others carry.
    @Test func aSemopWithItsOwnFlagsSleepsOnlyWhereTheBlockedOperationMayWait() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 2, flags: 0o600)
        defer { try? Syscall.semRemove(set) }
        try Syscall.semSetValues(set, [0, 1])
        func sleeps(_ operations: [sembuf]) -> Bool {
            operations.withUnsafeBufferPointer { FaultFeasibility.semopSleeps(set: set.id, $0) }
        }
        let nowait = Int16(IPC_NOWAIT)
        #expect(sleeps([sembuf(sem_num: 0, sem_op: -1, sem_flg: 0)]))
        #expect(!sleeps([sembuf(sem_num: 0, sem_op: -1, sem_flg: nowait)]))
        // The first blocked operation decides: the second's IPC_NOWAIT does not stop a sleep at the first.
        #expect(sleeps([sembuf(sem_num: 0, sem_op: -1, sem_flg: 0), sembuf(sem_num: 1, sem_op: -1, sem_flg: nowait)]))
        #expect(!sleeps([sembuf(sem_num: 1, sem_op: -1, sem_flg: 0), sembuf(sem_num: 0, sem_op: 0, sem_flg: 0)]))
        #expect(!sleeps([sembuf(sem_num: 1, sem_op: 0, sem_flg: nowait), sembuf(sem_num: 0, sem_op: -1, sem_flg: 0)]))
        // Measured: the kernel agrees on the ones that do not sleep (EAGAIN at once, or done).
        var mixed = [sembuf(sem_num: 1, sem_op: 0, sem_flg: nowait), sembuf(sem_num: 0, sem_op: -1, sem_flg: 0)]
        #expect(Glibc.semop(set.id, &mixed, 2) == -1 && errno == EAGAIN)
    }

    @Test func aSystemVMessageQueueOnlyWhenEmptyOrFull() throws {
        let queue = try Syscall.msgget(IPC_PRIVATE, flags: 0o600)
        defer { try? Syscall.msgRemove(queue) }
        try Syscall.msgSetCapacity(queue, bytes: 4)
        try interrupting {
            #expect(throws: Errno.interrupted) { _ = try Syscall.msgrcv(queue, maximum: 8, type: 0, flags: 0, retryOnInterrupt: false) }
            try Syscall.msgsnd(queue, type: 1, [1, 2, 3, 4], flags: 0, retryOnInterrupt: false)
            #expect(throws: Errno.interrupted) { try Syscall.msgsnd(queue, type: 1, [5], flags: 0, retryOnInterrupt: false) }
            #expect(try Syscall.msgrcv(queue, maximum: 8, type: 0, flags: 0, retryOnInterrupt: false).text == [1, 2, 3, 4])
        }
    }

    @Test func anEventCounterReadOnlyAtZero() throws {
        let held = Closing()
        let counter = try Syscall.eventCounter(initial: 1, semaphore: false, nonblocking: false)
        held.all = [counter]
        try interrupting {
            let value = try self.read(counter)
            #expect(value.count == 8)
            #expect(throws: Errno.interrupted) { try self.read(counter) }
        }
    }

    /// A stream socket's send sleeps once its unconsumed sends reach `SO_SNDBUF` (measured here: the first
    /// `MSG_DONTWAIT` send that gives `EAGAIN` leaves `SIOCOUTQ` at or above it), and not before.
    @Test func aStreamSendOnlyOnceTheSendBufferIsFull() throws {
        let held = Closing()
        let (a, b) = try Syscall.socketPair(.stream)
        held.all = [a, b]
        let chunk = [UInt8](repeating: 1, count: 1024)
        try interrupting {
            let sent = try self.send(a, chunk)
            #expect(sent == chunk.count)
            while (try? self.send(a, chunk, flags: CInt(MSG_DONTWAIT))) != nil {}
            #expect(throws: Errno.interrupted) { try self.send(a, chunk) }
        }
    }
}
