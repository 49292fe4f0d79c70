import Glibc
import Synchronization
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `shutdown` on Unix socket pairs, measured on this kernel; the `unix-socket` model encodes each fact
/// (`UnixSocketModelAgreementTests` runs random sequences with shutdowns on both).
@Suite struct UnixSocketShutdownFactsTests {
    typealias Pair = OwnedSocketPair

    enum Result: Equatable { case data(String), error(Errno), wouldBlock }

    func send(_ socket: FileDescriptor, _ text: String) -> Result {
        do throws(Errno) {
            switch try KernelUnixSocket.send(socket, Array(text.utf8), nonblocking: true) {
            case .completed(let count): return .data("\(count)")
            case .wouldBlock: return .wouldBlock
            }
        } catch { return .error(error) }
    }

    func receive(_ socket: FileDescriptor, nonblocking: Bool = true) -> Result {
        do throws(Errno) {
            switch try KernelUnixSocket.receive(socket, maximum: 10, nonblocking: nonblocking) {
            case .completed(let message): return .data(String(decoding: message.data, as: UTF8.self))
            case .wouldBlock: return .wouldBlock
            }
        } catch { return .error(error) }
    }

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func shutRDStopsThePeersSendsAndEndsOwnReadsAfterTheData(type: UnixSocketType) throws {
        let pair = try Pair(type)
        #expect(send(pair.b, "q") == .data("1"))
        try Syscall.shutdown(pair.a, how: CInt(SHUT_RD))
        #expect(send(pair.b, "y") == .error(.brokenPipe))
        #expect(receive(pair.a) == .data("q"))
        #expect(receive(pair.a) == .data(""))  // end of file, nonblocking or not
        #expect(send(pair.a, "x") == .data("1"))  // its own sends go on
        #expect(receive(pair.b) == .data("x"))
    }

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func shutWRGivesThePeerEndOfFileAfterTheDataAndFailsOwnSendsEvenOfZeroBytes(type: UnixSocketType) throws {
        let pair = try Pair(type)
        #expect(send(pair.a, "p") == .data("1"))
        try Syscall.shutdown(pair.a, how: CInt(SHUT_WR))
        #expect(send(pair.a, "x") == .error(.brokenPipe))
        #expect(send(pair.a, "") == .error(.brokenPipe))
        #expect(receive(pair.b) == .data("p"))
        #expect(receive(pair.b) == .data(""))
        #expect(send(pair.b, "k") == .data("1"))
        #expect(receive(pair.a) == .data("k"))
    }

    @Test func onADatagramPairShutdownIsTheSocketsOwn() throws {
        let pair = try Pair(.dgram)
        #expect(send(pair.b, "q") == .data("1"))
        try Syscall.shutdown(pair.a, how: CInt(SHUT_RD))
        #expect(send(pair.b, "y") == .error(.brokenPipe))  // the receiver's RCV_SHUTDOWN refuses
        #expect(receive(pair.a) == .data("q"))
        #expect(receive(pair.a) == .wouldBlock)  // nonblocking: EAGAIN, not end of file
        #expect(receive(pair.a, nonblocking: false) == .data(""))  // blocking: returns 0 at once
        #expect(send(pair.a, "x") == .data("1"))
        try Syscall.shutdown(pair.a, how: CInt(SHUT_WR))
        #expect(send(pair.a, "") == .error(.brokenPipe))
        #expect(receive(pair.b) == .data("x"))
        #expect(receive(pair.b) == .wouldBlock)  // the peer is not shut
    }

    @Test func aDatagramSentToAReceiverShutForReadingIsEPIPEUntilItClosesThenECONNREFUSED() throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            let (sender, receiver) = try KernelUnixSocket.pair(.dgram)
            defer { try? Syscall.close(sender) }
            try Syscall.shutdown(receiver, how: CInt(SHUT_RD))
            #expect(send(sender, "a") == .error(.brokenPipe))
            try Syscall.close(receiver)
            #expect(send(sender, "a") == .error(.connectionRefused))
            #expect(send(sender, "a") == .error(.socketNotConnected))
        }
    }

    @Test(arguments: UnixSocketType.allCases)
    func aBadHowIsEINVALAndShuttingTwiceOrAfterThePeerClosedSucceeds(type: UnixSocketType) throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(type)
            defer { try? Syscall.close(a) }
            #expect(throws: Errno.invalidArgument) { try Syscall.shutdown(a, how: 7) }
            try Syscall.shutdown(a, how: CInt(SHUT_RDWR))
            try Syscall.shutdown(a, how: CInt(SHUT_RDWR))
            try Syscall.close(b)
            try Syscall.shutdown(a, how: CInt(SHUT_RD))
        }
    }
}

/// A stream sender asleep for room when its peer closes with unread bytes: the pending `ECONNRESET` ends its send
/// (`sock_alloc_send_pskb` reports the socket error before it looks at the shutdown), where a send made after the
/// close fails `EPIPE`. Found by fuzzing `unix-stream-pair` under faults; the model allowed only `EPIPE`.
@Suite struct UnixStreamSenderResetFactsTests {
    @Test func aSenderAsleepForRoomGetsECONNRESETWhenThePeerClosesWithUnreadBytes() throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            Syscall.ignoreBrokenPipeSignal()
            let (sender, peer) = try KernelUnixSocket.pair(.stream)
            defer { try? Syscall.close(sender) }
            while case .completed = try KernelUnixSocket.send(sender, [UInt8](repeating: 1, count: 4096), nonblocking: true) {}
            let result = Mutex<Errno?>(nil)
            let threadID = Atomic<Int32>(0)
            let thread = OSThread {
                threadID.store(OSThread.currentID, ordering: .sequentiallyConsistent)
                do throws(Errno) {
                    _ = try KernelUnixSocket.send(sender, [2], nonblocking: false, retryOnInterrupt: false)
                } catch {
                    result.withLock { $0 = error }
                }
            }
            // Wait (bounded, not timed) until the send is asleep in the kernel.
            let giveUp = ContinuousClock.now + .seconds(120)
            while true {
                let id = threadID.load(ordering: .sequentiallyConsistent)
                if id != 0, ProcessInspector.snapshot(of: id)?.isAsleepInSyscall == true { break }
                if ContinuousClock.now > giveUp { break }
                OSThread.yield()
            }
            try Syscall.close(peer)  // with every byte unread
            thread.join()
            #expect(result.withLock { $0 } == .connectionReset)
            #expect(throws: Errno.brokenPipe) { _ = try KernelUnixSocket.send(sender, [3], nonblocking: true) }
        }
    }
}
