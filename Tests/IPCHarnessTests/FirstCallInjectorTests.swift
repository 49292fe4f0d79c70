import Glibc
import IPCHarness
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// The worker's injector: it acts on an operation's first eligible call only, fires only what the kernel could
/// produce there, and announces what fired before the call is made (so a worker killed inside the operation has
/// already told the driver).
@Suite struct FirstCallInjectorTests {
    @Test func aCutReadIsAnnouncedBeforeItIsMadeAndOnlyOnce() throws {
        let (readEnd, writeEnd) = try Syscall.pipe()
        defer {
            try? Syscall.close(readEnd)
            try? Syscall.close(writeEnd)
        }
        let message = Array("abcdefgh".utf8)
        _ = try message.withUnsafeBytes { try Syscall.write(writeEnd, $0) }
        // What the pipe held when each announcement came: all 8 bytes, so the cut read had not been made yet.
        let heldAtAnnouncement = Mutex<[Int]>([])
        let injector = FirstCallInjector(.short(3), exempt: FileDescriptor(rawValue: -1)) { fired in
            #expect(fired.fault == .short(3) && fired.call == .read && fired.requested == 8)
            heldAtAnnouncement.withLock { $0.append((try? Syscall.bytesReadable(readEnd)) ?? -1) }
        }
        var buffer = [UInt8](repeating: 0, count: 8)
        let counts = try FaultInjection.$taskInjector.withValue(injector) {
            try (0..<2).map { _ in
                try buffer.withUnsafeMutableBytes { try Syscall.read(readEnd, into: $0) }
            }
        }
        #expect(counts == [3, 5])
        #expect(heldAtAnnouncement.withLock { $0 } == [8])
    }

    /// A cut receive that ran out of its `SO_RCVTIMEO` (`EAGAIN`, nothing moved) is tried again by a blocking
    /// receive: that retry is the same call and is cut the same way, once — it moved all 8 bytes before, while the
    /// trace's fault said 2 (a false violation of `unix-robust-receive-timeout` under short faults).
    @Test func aCutReceiveThatRanOutIsCutAgainOnItsRetry() throws {
        let (reader, writer) = try Syscall.socketPair(.stream)
        defer {
            try? Syscall.close(reader)
            try? Syscall.close(writer)
        }
        try Syscall.setSocketTimeout(reader, SO_RCVTIMEO, seconds: 0, microseconds: 1000)
        let injector = FirstCallInjector(.short(2), exempt: FileDescriptor(rawValue: -1))
        let counts = try FaultInjection.$taskInjector.withValue(injector) { () throws -> [Int] in
            #expect(throws: Errno.wouldBlock) { _ = try Syscall.receiveMessage(reader, maximum: 8) }
            #expect(try Syscall.sendMessage(writer, Array("abcdefgh".utf8)) == 8)
            return try (0..<2).map { _ in try Syscall.receiveMessage(reader, maximum: 8).data.count }
        }
        #expect(injector.fired?.fault == .short(2) && injector.fired?.requested == 8)
        #expect(counts == [2, 6])
    }

    @Test func aFaultTheKernelCouldNotGiveDoesNotFireAndIsNotAnnounced() throws {
        let (readEnd, writeEnd) = try Syscall.pipe()
        defer {
            try? Syscall.close(readEnd)
            try? Syscall.close(writeEnd)
        }
        let announced = Mutex(0)
        // A 100-byte pipe write is atomic (PIPE_BUF): no cut; a blocking pipe read never says EAGAIN.
        for (fault, call) in [(InjectedFault.short(10), SystemCall.write), (.errno("EAGAIN"), .read)] {
            let injector = FirstCallInjector(fault, exempt: FileDescriptor(rawValue: -1)) { _ in announced.withLock { $0 += 1 } }
            try FaultInjection.$taskInjector.withValue(injector) {
                if call == .write {
                    let written = try [UInt8](repeating: 7, count: 100).withUnsafeBytes { try Syscall.write(writeEnd, $0) }
                    #expect(written == 100)
                } else {
                    var buffer = [UInt8](repeating: 0, count: 100)
                    let read = try buffer.withUnsafeMutableBytes { try Syscall.read(readEnd, into: $0) }
                    #expect(read == 100)
                }
            }
            #expect(injector.fired == nil)
        }
        #expect(announced.withLock { $0 } == 0)
    }
}
