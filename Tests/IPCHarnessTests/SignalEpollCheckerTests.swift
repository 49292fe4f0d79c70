import IPCHarness
import Testing

/// Hand-written histories of epoll on the receiver's signalfds (`SignalModel+Epoll`): each forbidden one beside an
/// allowed one.
@Suite struct SignalEpollCheckerTests {
    func receiver() -> GenericTraceBuilder {
        GenericTraceBuilder(model: "signal", params: #"{"objects":{"sig1":{"receiver":1}}}"#)
    }

    static let edge = #"{"op":"EPOLL_CTL_ADD","signals":["SIGUSR2"],"events":["EPOLLIN","EPOLLET"]}"#
    static let wait = #"{"maxevents":4,"timeout":0}"#
    static let reported = #"{"events":[{"signals":["SIGUSR2"],"events":["EPOLLIN"]}]}"#

    /// A receiver call that fails `EINTR` was interrupted by a signal the trace need not show, which woke the signalfd
    /// queue: an `EPOLLET` report after it is allowed (not required); without it, a second report is not.
    @Test func anInterruptedCallOfTheReceiverIsPerhapsNews() throws {
        func trace(interrupted: Bool, second: String) -> GenericTraceBuilder {
            var trace = receiver()
            trace.operation(1, "epoll_ctl", "sig1", Self.edge)
            trace.operation(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
            trace.operation(1, "epoll_wait", "sig1", Self.wait, ok: Self.reported)
            if interrupted { trace.operation(1, "wait", "sig1", #"{"signals":["SIGWINCH"]}"#, fail: "EINTR") }
            trace.operation(1, "epoll_wait", "sig1", Self.wait, ok: second)
            return trace
        }
        #expect(try trace(interrupted: true, second: Self.reported).check().result == .ok)
        #expect(try trace(interrupted: true, second: #"{"events":[]}"#).check().result == .ok)
        #expect(try trace(interrupted: false, second: Self.reported).check().result == .violation)
    }

    /// The harness's `SIGUSR1` (a signal fault, recorded as a `fault` event) is made pending as any signal: news to an
    /// `EPOLLET` registration at that moment, here as the receiver's `sigwait` (which glibc restarts, so no `EINTR`
    /// shows it) takes a signal. Without the fault event the second report is a violation.
    @Test func aSignalFaultToTheReceiverIsNews() throws {
        func trace(faulted: Bool) -> GenericTraceBuilder {
            var trace = receiver()
            trace.operation(1, "epoll_ctl", "sig1", Self.edge)
            trace.operation(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
            trace.operation(2, "kill", "sig1", #"{"signal":"SIGRTMIN+1"}"#)
            trace.operation(1, "epoll_wait", "sig1", Self.wait, ok: Self.reported)
            trace.invoke(1, "sigwait", "sig1", #"{"signals":["SIGRTMIN+1"]}"#)
            if faulted { trace.event(1, "fault", #","fault":"signal","signal":"SIGUSR1","value":{"restart":true}"#) }
            trace.ok(1, "sigwait", "sig1", #"{"signal":"SIGRTMIN+1"}"#)
            trace.operation(1, "epoll_wait", "sig1", Self.wait, ok: Self.reported)
            return trace
        }
        #expect(try trace(faulted: true).check().result == .ok)
        #expect(try trace(faulted: false).check().result == .violation)
    }

    /// A signal fault while the receiver sleeps in an untimed wait that the driver then kills there: the step the
    /// checker adds for the fault is not the process's operation, so the wait still ends at the death (a regression:
    /// `signal-robust-pause` seed 5009 was judged a violation when it was taken for the last one).
    @Test func aSignalFaultDuringAWaitKilledAsleepLeavesTheWaitToTheDeath() throws {
        var trace = receiver()
        trace.invoke(1, "wait", "sig1", #"{"signals":["SIGUSR2"]}"#)
        trace.event(1, "fault", #","fault":"signal","signal":"SIGUSR1","value":{"restart":true}"#)
        trace.event(1, "kill", #","signal":"SIGKILL","point":"blocked""#)
        trace.info(1, "wait", "sig1")
        trace.event(1, "exit", #","value":{"signal":"SIGKILL"}"#)
        #expect(try trace.check().result == .ok)
    }

    /// `kill` of 0 sends nothing and wakes nothing; a signal outside every registered set does.
    @Test func killOfZeroIsNoNewsButASignalOutsideTheSetIs() throws {
        func trace(_ signal: String) -> GenericTraceBuilder {
            var trace = receiver()
            trace.operation(1, "epoll_ctl", "sig1", Self.edge)
            trace.operation(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
            trace.operation(1, "epoll_wait", "sig1", Self.wait, ok: Self.reported)
            trace.operation(2, "kill", "sig1", #"{"signal":\#(signal)}"#)
            trace.operation(1, "epoll_wait", "sig1", Self.wait, ok: Self.reported)
            return trace
        }
        #expect(try trace(#""SIGRTMIN+3""#).check().result == .ok)
        #expect(try trace("0").check().result == .violation)
    }

    /// With two registrations ready and room for one, either may be reported (the ready list's order is not judged);
    /// a level-triggered one left out reports at the next wait.
    @Test func moreReadyThanMaxeventsReportsAnyOfThem() throws {
        for first in ["SIGUSR2", "SIGRTMIN+1"] {
            var trace = receiver()
            trace.operation(1, "epoll_ctl", "sig1", #"{"op":"EPOLL_CTL_ADD","signals":["SIGUSR2"],"events":["EPOLLIN"]}"#)
            trace.operation(1, "epoll_ctl", "sig1", #"{"op":"EPOLL_CTL_ADD","signals":["SIGRTMIN+1","SIGUSR2"],"events":["EPOLLIN"]}"#)
            trace.operation(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
            let set = first == "SIGUSR2" ? #"["SIGUSR2"]"# : #"["SIGUSR2","SIGRTMIN+1"]"#
            trace.operation(1, "epoll_wait", "sig1", #"{"maxevents":1,"timeout":0}"#, ok: #"{"events":[{"signals":\#(set),"events":["EPOLLIN"]}]}"#)
            #expect(try trace.check().result == .ok)
        }
    }

    /// Only the receiver registers (a signalfd reports its caller's pending signals); `epoll_pwait` with a mask is
    /// judged (`SignalModel+MaskedEpoll`): nothing at timeout 0 with nothing pending, and handlers' deliveries only from
    /// a wait whose mask unblocked them, never from one without a mask.
    @Test func anotherProcessesRegistrationIsRefusedAndAMaskIsJudged() throws {
        var other = receiver()
        other.operation(2, "epoll_ctl", "sig1", Self.edge)
        #expect(throws: (any Error).self) { try other.check() }
        var masked = receiver()
        masked.operation(1, "epoll_pwait", "sig1", #"{"maxevents":4,"timeout":0,"sigmask":["SIGUSR2"]}"#, ok: #"{"events":[]}"#)
        #expect(try masked.check().result == .ok)
        let delivered = #"{"deliveries":[{"signal":"SIGUSR2","code":"SI_USER","sender":2}]}"#
        for (value, result) in [(#"{"maxevents":4,"timeout":10,"sigmask":[]}"#, Trace.Verdict.Result.ok), (#"{"maxevents":4,"timeout":10}"#, .violation)] {
            var trace = receiver()
            trace.operation(1, "sigaction", "sig1", #"{"signal":"SIGUSR2","action":"handler"}"#, ok: #"{"old":"default"}"#)
            trace.operation(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
            trace.operation(1, "epoll_pwait", "sig1", value, ok: delivered)
            #expect(try trace.check().result == result, "\(value)")
        }
    }
}
