import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// What an epoll registration of another open sees when a blocking FIFO `open`, asleep waiting for its partner, is
/// interrupted by a handled signal (`fifo_open`'s error path: `if (!--pipe->readers) wake_up_interruptible(&pipe->wr_wait)`
/// for a reader, `if (!--pipe->writers) wake_up_interruptible_all(&pipe->rd_wait)` for a writer). A reader sleeps only
/// while no writer has the FIFO open, and a writer only while no reader has: so the queue such an undo would wake
/// holds no registration — the other side has no open description — and one of the sleeper's own side is not woken
/// (its count stays above 0, and the open's start, `readers++`/`writers++`, wakes only when it was 0). Measured: an
/// edge-triggered registration of another open of the same end hears no news, and a level-triggered one reports what
/// it did before (the reader's `EPOLLHUP`, the writer's `EPOLLOUT | EPOLLERR`). The sleeper is a forked child making
/// only C calls, its `SIGUSR1` handled without `SA_RESTART`; each fact is checked against the fifo model
/// (``FIFOModel``'s interrupted open, ``FIFOModel+Epoll``) from the same start, the opener another process or the
/// registering process itself (a second open of its end, ``FIFOModel+Epoll``'s hidden registration).
@Suite struct KernelFIFOInterruptedOpenFactsTests {
    typealias Events = Epoll.Events
    typealias Fixture = KernelFIFOEpollFactsTests.Fixture
    let facts = KernelFIFOEpollFactsTests()

    /// A forked child opens `path` blocking for writing or reading, with `SIGUSR1` handled (no `SA_RESTART`); once it is
    /// asleep in `openat` (read from `/proc`), the parent signals it and reaps it. True when its open failed `EINTR`.
    /// The fork holds off spawns (its child holds a copy of every descriptor until it exits).
    static func interruptedOpen(_ path: String, forWriting: Bool) -> Bool {
        guard let name = strdup(path) else { return false }
        defer { free(name) }
        return Syscall.withoutConcurrentSpawns {
            let child = fork()
            if child == 0 {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = { _ in }
                sigemptyset(&action.sa_mask)
                action.sa_flags = 0
                if sigaction(SIGUSR1, &action, nil) != 0 { _exit(2) }
                var unblocked = sigset_t()
                sigemptyset(&unblocked)
                sigaddset(&unblocked, SIGUSR1)
                if sigprocmask(SIG_UNBLOCK, &unblocked, nil) != 0 { _exit(3) }
                let descriptor = Glibc.open(name, forWriting ? O_WRONLY : O_RDONLY)
                _exit(descriptor < 0 && errno == EINTR ? 0 : 4)
            }
            guard child > 0 else { return false }
            // A bound far past any wait this needs, so that a machine where /proc does not show the sleep fails the test
            // instead of hanging the suite; not a timing assertion.
            let giveUp = ContinuousClock.now + .seconds(120)
            while ProcessInspector.snapshot(of: child).map({ !($0.isAsleepInSyscall && $0.syscall == SyscallNumber.openAt) }) ?? false {
                if ContinuousClock.now > giveUp { kill(child, SIGKILL); break }
                sched_yield()
            }
            kill(child, SIGUSR1)
            var status: CInt = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            return status == 0
        }
    }

    /// `process`'s blocking open of `end` asleep, then failing `EINTR`, in the model: both steps must be allowed.
    func interruptedOpen(by process: Int, _ end: PipeModel.End, _ state: inout FIFOModel.State) {
        let input = FIFOModel.Input.open(process: process, end: end, nonblocking: false)
        let asleep = facts.model.step(state, input, nil)
        #expect(asleep.count == 1)
        guard case .partial(let sleeping)? = asleep.first else { return }
        let undone = facts.model.step(sleeping, input, .failed(.EINTR))
        #expect(undone.count == 1)
        if let after = undone.first?.state { state = after }
    }

    /// A reader (process 1) that saw a writer come and go, registered for `EPOLLIN`: another blocking reader's open,
    /// interrupted, is no news edge-triggered, and level-triggered `EPOLLHUP` stays.
    @Test(arguments: [false, true], [3, 1]) func aReadersInterruptedOpenWakesNoRegistration(edgeTriggered: Bool, opener: Int) throws {
        let fixture = try Fixture()
        var state = facts.model.initialState(of: "f0")
        let asked: Events = edgeTriggered ? [.input, .edgeTriggered] : .input
        let reader = try facts.opened(.read, by: 1, &state, fixture), writer = try facts.opened(.write, by: 2, &state, fixture)
        facts.close(writer, by: 2, .write, &state, fixture)
        let instance = try fixture.instance()
        try facts.register(instance, reader, by: 1, .read, asked, &state)
        let hungUp = KernelFIFOEpollFactsTests.events(.read, .hangUp)
        try facts.expectWait(&state, 1, instance, [reader: .read], hungUp)
        if edgeTriggered { try facts.expectWait(&state, 1, instance, [reader: .read], KernelFIFOEpollFactsTests.nothing) }
        #expect(Self.interruptedOpen(fixture.path, forWriting: false))
        interruptedOpen(by: opener, .read, &state)
        try facts.expectWait(&state, 1, instance, [reader: .read], edgeTriggered ? KernelFIFOEpollFactsTests.nothing : hungUp)
        #expect(state.pipe.epollUnjudged.isEmpty)
    }

    /// A writer (process 2) left without readers, registered for `EPOLLOUT`: another blocking writer's open, interrupted,
    /// is no news edge-triggered, and level-triggered `EPOLLOUT | EPOLLERR` stays.
    @Test(arguments: [false, true], [3, 2]) func aWritersInterruptedOpenWakesNoRegistration(edgeTriggered: Bool, opener: Int) throws {
        let fixture = try Fixture()
        var state = facts.model.initialState(of: "f0")
        let asked: Events = edgeTriggered ? [.output, .edgeTriggered] : .output
        let reader = try facts.opened(.read, by: 1, &state, fixture), writer = try facts.opened(.write, by: 2, &state, fixture)
        facts.close(reader, by: 1, .read, &state, fixture)
        let instance = try fixture.instance()
        try facts.register(instance, writer, by: 2, .write, asked, &state)
        let broken = KernelFIFOEpollFactsTests.events(.write, [.output, .error])
        try facts.expectWait(&state, 2, instance, [writer: .write], broken)
        if edgeTriggered { try facts.expectWait(&state, 2, instance, [writer: .write], KernelFIFOEpollFactsTests.nothing) }
        #expect(Self.interruptedOpen(fixture.path, forWriting: true))
        interruptedOpen(by: opener, .write, &state)
        try facts.expectWait(&state, 2, instance, [writer: .write], edgeTriggered ? KernelFIFOEpollFactsTests.nothing : broken)
        #expect(state.pipe.epollUnjudged.isEmpty)
    }
}
