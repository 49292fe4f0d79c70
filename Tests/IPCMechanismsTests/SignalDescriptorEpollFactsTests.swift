import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `epoll` on a signalfd, measured on this kernel in the calling thread alone (`fs/eventpoll.c` over `signalfd_poll`;
/// `kernel/signal.c`'s `signalfd_notify`): the thread blocks `SIGWINCH` and `SIGURG` (both ignored by default, and
/// sent by nobody else) and `raise`s them to itself, so nothing leaves the thread and the mask it restores holds
/// nothing pending. The process-directed side, through the receiver worker, is `KernelSignalFactsTests+Epoll`'s.
@Suite struct SignalDescriptorEpollFactsTests {
    /// `EPOLLIN | EPOLLOUT | EPOLLET` on a signalfd for `SIGWINCH`: nothing with none pending (the ADD's news spent);
    /// `EPOLLIN` alone, never `EPOLLOUT`, once it is raised, and not again (no news); `SIGURG`, outside the set, is news
    /// — a second report of `SIGWINCH` still pending; `SIGWINCH` raised again while pending (coalesced) is none; a
    /// read taking it is none (and then nothing is ready). Each answer is `epoll_wait`'s with timeout 0.
    @Test func anEdgeTriggeredSignalfdHearsEverySignalMadePendingInOrOutOfItsSet() throws {
        var blocked = sigset_t(), old = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGWINCH)
        sigaddset(&blocked, SIGURG)
        try #require(pthread_sigmask(SIG_BLOCK, &blocked, &old) == 0)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        let descriptor = try Syscall.openSignalDescriptor([SIGWINCH])
        defer { try? Syscall.close(descriptor) }
        let instance = try KernelEpoll.create()
        defer { try? Syscall.close(instance) }
        try KernelEpoll.control(instance.rawValue, KernelEpoll.add, descriptor.rawValue, events: [.input, .output, .edgeTriggered])
        func wait() throws -> [UInt32] { try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0).map(\.events.rawValue) }
        let input = KernelEpoll.Events.input.rawValue

        var answers: [[UInt32]] = [try wait()]
        raise(SIGWINCH)
        answers += [try wait(), try wait()]
        raise(SIGURG)
        answers += [try wait(), try wait()]
        raise(SIGWINCH)
        answers.append(try wait())
        var info = [UInt8](repeating: 0, count: 128)
        let taken = read(descriptor.rawValue, &info, 128)
        answers.append(try wait())
        // SIGURG is still pending for this thread: take it before the mask is restored.
        let urgent = try Syscall.waitForSignal([SIGURG], timeoutNanoseconds: 0)

        #expect(taken == 128)
        #expect(urgent.signal == SIGURG)
        #expect(answers == [[], [input], [], [input], [], [], []])
    }
}
