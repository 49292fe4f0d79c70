import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// Which faults the kernel could itself produce for a call as made, on real descriptors of each kind: the table in
/// ``FaultFeasibility``'s documentation, row by row, and what the syscall wrappers tell it about their flags.
@Suite struct FaultFeasibilityTests {
    /// The descriptors of one test, closed when it ends.
    final class Descriptors {
        var all: [FileDescriptor] = []
        func keep(_ descriptors: FileDescriptor...) { all += descriptors }
        deinit { for descriptor in all { try? Syscall.close(descriptor) } }
    }

    @Test func descriptorKindsAreReadOffTheKernel() throws {
        let held = Descriptors()
        let pipe = try Syscall.pipe()
        let stream = try Syscall.socketPair(.stream)
        let datagram = try Syscall.socketPair(.dgram)
        let seqpacket = try Syscall.socketPair(.seqpacket)
        let counter = try Syscall.eventCounter(initial: 0, semaphore: false, nonblocking: false)
        held.keep(pipe.read, pipe.write, stream.0, stream.1, datagram.0, datagram.1, seqpacket.0, seqpacket.1, counter)
        #expect(FaultFeasibility.DescriptorKind(pipe.read) == .pipe)
        #expect(FaultFeasibility.DescriptorKind(pipe.write) == .pipe)
        #expect(FaultFeasibility.DescriptorKind(stream.0) == .streamSocket)
        #expect(FaultFeasibility.DescriptorKind(datagram.0) == .datagramSocket)
        #expect(FaultFeasibility.DescriptorKind(seqpacket.0) == .seqpacketSocket)
        #expect(FaultFeasibility.DescriptorKind(counter) == .other)
        #expect(FaultFeasibility.DescriptorKind(FileDescriptor(rawValue: 999)) == .closed)
    }

    @Test func shortCountsOnlyWhereAByteStreamMayGiveThem() throws {
        let held = Descriptors()
        let pipe = try Syscall.pipe()
        let stream = try Syscall.socketPair(.stream)
        let datagram = try Syscall.socketPair(.dgram)
        let seqpacket = try Syscall.socketPair(.seqpacket)
        held.keep(pipe.read, pipe.write, stream.0, stream.1, datagram.0, datagram.1, seqpacket.0, seqpacket.1)
        func short(_ call: SystemCall, _ descriptor: FileDescriptor, _ count: Int) -> Bool {
            FaultFeasibility.permitsShortTransfer(for: SyscallContext(call: call, descriptor: descriptor, count: count))
        }
        // Reads of byte streams may return fewer bytes than asked.
        #expect(short(.read, pipe.read, 100))
        #expect(short(.receive, stream.0, 100) && short(.recvmsg, stream.0, 100))
        // A pipe write of at most PIPE_BUF bytes is atomic; a longer one may be cut.
        #expect(!short(.write, pipe.write, 4096))
        #expect(short(.write, pipe.write, 4097))
        #expect(short(.send, stream.0, 10) && short(.sendmsg, stream.0, 10))
        // Datagrams and records move whole or not at all, in either direction.
        for end in [datagram.0, seqpacket.0] {
            #expect(!short(.sendmsg, end, 100) && !short(.recvmsg, end, 100) && !short(.receive, end, 100))
        }
        // Nothing to cut from one byte, or from a call with no count.
        #expect(!short(.read, pipe.read, 1))
        #expect(!FaultFeasibility.permitsShortTransfer(for: SyscallContext(call: .read, descriptor: pipe.read)))
        #expect(!FaultFeasibility.permitsShortTransfer(for: SyscallContext(call: .msgrcv, count: 100)))
    }

    /// Packet mode is the writer's: a packet pipe's read end looks like any other (`F_GETFL` shows no `O_DIRECT`),
    /// so only the registration the harness makes from the workload keeps its reads whole.
    @Test func readsOfAPipeThatMayCarryPacketsAreNeverCut() throws {
        let held = Descriptors()
        let packets = try Syscall.pipe(flags: O_CLOEXEC | Syscall.directFlag)
        let plain = try Syscall.pipe()
        held.keep(packets.read, packets.write, plain.read, plain.write)
        func short(_ descriptor: FileDescriptor) -> Bool {
            FaultFeasibility.permitsShortTransfer(for: SyscallContext(call: .read, descriptor: descriptor, count: 100))
        }
        #expect(try Syscall.statusFlags(packets.read) & Syscall.directFlag == 0)
        #expect(short(packets.read), "unregistered, nothing tells this read end from a plain one")
        FaultFeasibility.mayCarryPackets(packets.write)
        #expect(!short(packets.read))
        let duplicate = try Syscall.reopen(packets.read, flags: O_RDONLY | O_CLOEXEC)
        held.keep(duplicate)
        #expect(!short(duplicate), "another description of the same pipe is the same pipe")
        #expect(short(plain.read))
    }

    @Test func interruptionsOnlyWhereTheCallMaySleep() throws {
        let held = Descriptors()
        let pipe = try Syscall.pipe()
        let nonblocking = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
        held.keep(pipe.read, pipe.write, nonblocking.read, nonblocking.write)
        func permits(_ error: Errno, _ context: SyscallContext) -> Bool { FaultFeasibility.permits(error, for: context) }
        #expect(permits(.interrupted, SyscallContext(call: .read, descriptor: pipe.read, count: 8)))
        #expect(!permits(.interrupted, SyscallContext(call: .read, descriptor: nonblocking.read, count: 8)))
        // The call's own flags win over the descriptor's.
        #expect(!permits(.interrupted, SyscallContext(call: .receive, descriptor: pipe.read, count: 8, mayBlock: false)))
        #expect(permits(.interrupted, SyscallContext(call: .semWait, mayBlock: true, sleepsNow: true)))
        // A call that may sleep but would not now (the wrapper says so), or of which nothing can be told, is not.
        #expect(!permits(.interrupted, SyscallContext(call: .semWait, mayBlock: true, sleepsNow: false)))
        #expect(!permits(.interrupted, SyscallContext(call: .semWait, mayBlock: true)))
        #expect(!permits(.interrupted, SyscallContext(call: .semTryWait, mayBlock: false)))
        // Housekeeping calls are never faulted.
        #expect(!permits(.interrupted, SyscallContext(call: .fcntl, descriptor: pipe.read)))
    }

    @Test func wouldBlockOnlyOnSendsThatMayNotSleepAndOutOfMemoryOnlyWhereTheKernelAllocates() throws {
        let held = Descriptors()
        let pipe = try Syscall.pipe()
        let nonblocking = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
        held.keep(pipe.read, pipe.write, nonblocking.read, nonblocking.write)
        func permits(_ error: Errno, _ context: SyscallContext) -> Bool { FaultFeasibility.permits(error, for: context) }
        #expect(permits(.wouldBlock, SyscallContext(call: .write, descriptor: nonblocking.write, count: 8)))
        #expect(!permits(.wouldBlock, SyscallContext(call: .write, descriptor: pipe.write, count: 8)))
        // A receive says EAGAIN only when there is nothing to take, and then the kernel says it anyway.
        #expect(!permits(.wouldBlock, SyscallContext(call: .read, descriptor: nonblocking.read, count: 8)))
        #expect(!permits(.wouldBlock, SyscallContext(call: .msgrcv, count: 8, mayBlock: false)))
        #expect(permits(.noMemory, SyscallContext(call: .write, descriptor: pipe.write, count: 8)))
        #expect(permits(.noMemory, SyscallContext(call: .msgsnd, count: 8, mayBlock: true)))
        #expect(!permits(.noMemory, SyscallContext(call: .read, descriptor: pipe.read, count: 8)))
        #expect(!permits(.noMemory, SyscallContext(call: .mqReceive, descriptor: pipe.read, count: 8)))
        // Errors outside the table are never injected.
        #expect(!permits(.noSpace, SyscallContext(call: .write, descriptor: pipe.write, count: 8)))
    }

    /// The wrappers tell the fault point what their flags say: a `MSG_DONTWAIT` receive and a zero-timeout poll
    /// cannot sleep, a blocking `sem_wait` can.
    @Test func wrappersPassWhetherTheCallMaySleep() throws {
        let held = Descriptors()
        let stream = try Syscall.socketPair(.stream)
        held.keep(stream.0, stream.1)
        let plan = FaultPlan(rules: [])
        FaultInjection.$taskInjector.withValue(plan) {
            var buffer = [UInt8](repeating: 0, count: 4)
            _ = buffer.withUnsafeMutableBytes { raw in
                try? Syscall.receive(stream.0, into: raw, flags: Syscall.MessageFlags.dontWait)
            }
            var descriptors = [pollfd(fd: stream.0.rawValue, events: Int16(POLLIN), revents: 0)]
            _ = try? Syscall.poll(&descriptors, timeoutMilliseconds: 0)
        }
        #expect(plan.records.map(\.context.mayBlock) == [false, false])
    }
}
