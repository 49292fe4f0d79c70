import Foundation
import IPCHarness
import IPCModels
import Testing

/// How the checker reads what the fault plan did: each rule shown accepting the trace it must accept, next to
/// the trace that differs only where it matters, which it must reject.
@Suite struct FaultHistoryTests {
    @Test func aBlockingReadFailingEAGAINIsAViolationUnlessTheFaultPlanInjectedIt() throws {
        // The kernel never fails a blocking pipe read with EAGAIN.
        var plain = PipeTraceBuilder()
        plain.write(1, "hello")
        plain.invokeRead(2, max: 10)
        plain.fail(2, "read", "EAGAIN")
        #expect(try plain.check().result == .violation)

        // Injected in place of the read: the call was never made, so the bytes are still there.
        var injected = PipeTraceBuilder()
        injected.write(1, "hello")
        injected.invokeRead(2, max: 10)
        injected.injected(2, "EAGAIN", call: "read")
        injected.fail(2, "read", "EAGAIN")
        injected.read(2, max: 10, gets: "hello")
        #expect(try injected.check().result == .ok)
    }

    @Test func anInjectedErrnoDoesNotExcuseAnOperationThatReportsSomethingElse() throws {
        // The fragile reader's bug: EINTR taken for end of file while the writer is still there.
        var trace = PipeTraceBuilder()
        trace.write(1, "hello")
        trace.invokeRead(2, max: 10)
        trace.injected(2, "EINTR", call: "read")
        trace.read(2, "")
        #expect(try trace.check().result == .violation)

        // A retrying client reports the data: fine.
        var retried = PipeTraceBuilder()
        retried.write(1, "hello")
        retried.invokeRead(2, max: 10)
        retried.injected(2, "EINTR", call: "read")
        retried.read(2, "hello")
        #expect(try retried.check().result == .ok)
    }

    @Test func anInjectedErrnoExcusesOnlyThatErrno() throws {
        var trace = PipeTraceBuilder()
        trace.write(1, "hello")
        trace.invokeRead(2, max: 10)
        trace.injected(2, "EINTR", call: "read")
        trace.fail(2, "read", "EAGAIN")
        #expect(try trace.check().result == .violation)
    }

    @Test func anOperationDroppedAsNeverMadeCannotHideTheBytesItWouldHaveTaken() throws {
        // The read "failed" without a call, so a later read must still see every byte.
        var trace = PipeTraceBuilder()
        trace.write(1, "hello")
        trace.invokeRead(2, max: 10)
        trace.injected(2, "ENOMEM", call: "read")
        trace.fail(2, "read", "ENOMEM")
        trace.read(2, max: 10, gets: "llo")
        #expect(try trace.check().result == .violation)
    }

    @Test func aShortFaultOnALoopCutsOnlyItsFirstPiece() throws {
        // write-all is a client's loop: a short first call must be made up by the client, so reporting the
        // whole message written while only part reached the pipe is caught.
        var dropped = PipeTraceBuilder()
        dropped.event(1, "invoke", #","f":"write-all","object":"p0","value":{"data":"abcdef"}"#)
        dropped.fault(1, "short", call: "write", count: 2)
        dropped.event(1, "ok", #","f":"write-all","object":"p0","value":{"written":6}"#)
        dropped.read(2, max: 10, gets: "ab")
        dropped.invokeClose(1, "write")
        dropped.closed(1)
        dropped.read(2, max: 10, gets: "")
        #expect(try dropped.check().result == .violation)

        var whole = PipeTraceBuilder()
        whole.event(1, "invoke", #","f":"write-all","object":"p0","value":{"data":"abcdef"}"#)
        whole.fault(1, "short", call: "write", count: 2)
        whole.event(1, "ok", #","f":"write-all","object":"p0","value":{"written":6}"#)
        whole.read(2, max: 10, gets: "abcdef")
        #expect(try whole.check().result == .ok)
    }

    @Test func aWorkerKilledAfterItsCallReturnedMayHaveDiedAnyTimeAfterItsInvoke() throws {
        // Process 1 wrote "hi" and closed nothing; it killed itself after the write returned, but the driver
        // recorded the kill only after process 2 had seen end of file. Its death (closing the write end) may lie
        // anywhere after its invoke.
        var after = PipeTraceBuilder()
        after.invokeWrite(1, "hi")
        after.read(2, max: 10, gets: "hi")
        after.read(2, max: 10, gets: "")
        after.kill(1, point: "after")
        after.info(1, "write")
        after.exit(1)
        #expect(try after.check().result == .ok)

        // Killed by the driver while blocked: the death cannot come before the kill, so the reader's end of file
        // before it is impossible.
        var blocked = PipeTraceBuilder()
        blocked.invokeWrite(1, "hi")
        blocked.read(2, max: 10, gets: "hi")
        blocked.read(2, max: 10, gets: "")
        blocked.kill(1, point: "blocked")
        blocked.info(1, "write")
        blocked.exit(1)
        #expect(try blocked.check().result == .violation)
    }

    /// The driver's resolution probe (FIONREAD on the read end, by a live holder) after a kill: without it both
    /// outcomes of the killed write stay possible for the rest of the run; with it, only the one the kernel saw.
    @Test func aResolutionProbeDecidesWhatAKilledWriteDid() throws {
        func run(probe: Int?, then read: String) throws -> Trace.Verdict.Result {
            var trace = PipeTraceBuilder()
            trace.invokeWrite(1, "hello")
            trace.kill(1, point: "during")
            trace.info(1, "write")
            trace.exit(1)
            if let probe {
                trace.event(2, "invoke", #","f":"available","object":"p0","resolves":1"#)
                trace.event(2, "ok", #","f":"available","object":"p0","value":{"bytes":\#(probe)}"#)
            }
            trace.read(2, max: 10, gets: read)
            return try trace.check().result
        }
        #expect(try run(probe: nil, then: "hello") == .ok)
        #expect(try run(probe: nil, then: "") == .ok)
        #expect(try run(probe: 5, then: "hello") == .ok)
        #expect(try run(probe: 0, then: "") == .ok)
        #expect(try run(probe: 5, then: "") == .violation)
        #expect(try run(probe: 0, then: "hello") == .violation)
        #expect(try run(probe: 3, then: "hel") == .violation)  // a write of at most PIPE_BUF bytes is atomic
    }

    @Test func aCutCallForAnotherCountIsNotTheOperationsOwnCall() throws {
        // A client that flushes something else first (the coalescing writer): the cut call asked for 9 bytes, so
        // the 6-byte write it reports whole stands, and the reader sees all 6.
        func trace(requested: Int) -> PipeTraceBuilder {
            var trace = PipeTraceBuilder()
            trace.invokeWrite(1, "abcdef")
            trace.fault(1, "short", call: "write", count: 2, requested: requested)
            trace.wrote(1, 6)
            trace.read(2, max: 10, gets: "abcdef")
            return trace
        }
        #expect(try trace(requested: 9).check().result == .ok)
        // Asked for its own 6 bytes and cut to 2, the write cannot have put 6 in the pipe.
        #expect(try trace(requested: 6).check().result == .violation)
    }

    @Test func aCutFirstCallOfALoopShapesThePagesOrFoundThePipeFull() throws {
        // One page of room. Cut to 100 bytes, the first call fills 100 bytes of it and the next call merges the
        // rest's odd 1804 bytes into that page: a reader then gets 1904. Had the cut call found the pipe full
        // (EAGAIN, nothing moved), the next, uncut call fills the whole page: 4096. Nothing else is possible.
        func trace(readerGets count: Int) -> PipeTraceBuilder {
            var trace = PipeTraceBuilder(capacity: 4096)
            trace.event(1, "invoke", #","f":"write-all","object":"p0","value":{"data":"\#(String(repeating: "x", count: 6000))"}"#)
            trace.fault(1, "short", call: "write", count: 100)
            trace.read(2, max: 4096, gets: String(repeating: "x", count: count))
            return trace
        }
        #expect(try trace(readerGets: 1904).check().result == .ok)
        #expect(try trace(readerGets: 4096).check().result == .ok)
        #expect(try trace(readerGets: 2000).check().result == .violation)
    }
}

/// Hazards: what the kernel allows but a program would regret, reported without changing the verdict.
@Suite struct HazardTests {
    func trace(postsBeforeDying: Bool) -> String {
        var events: [(Int, String, String)] = [(1, "invoke", #","f":"wait","object":"q0""#), (1, "ok", #","f":"wait","object":"q0""#)]
        if postsBeforeDying { events += [(1, "invoke", #","f":"post","object":"q0""#), (1, "ok", #","f":"post","object":"q0""#)] }
        events += [(1, "kill", #","signal":"SIGKILL","point":"before""#), (1, "exit", #","value":{"signal":"SIGKILL"}"#)]
        events += [(2, "invoke", #","f":"wait","object":"q0","value":{"nonblocking":true}"#)]
        events += [postsBeforeDying ? (2, "ok", #","f":"wait","object":"q0""#) : (2, "fail", #","f":"wait","object":"q0","error":"EAGAIN""#)]
        return unnamedSemaphoreTrace(events)
    }

    @Test func aPOSIXSemaphoreUnitHeldByAKilledProcessIsNamedAsLostWithoutFailingTheRun() throws {
        let lost = try TraceChecker.check(try Trace.parse(Array(trace(postsBeforeDying: false).utf8)))
        #expect(lost.result == .ok)
        #expect(lost.hazards.count == 1)
        #expect(lost.explanation.contains("HAZARD: process 1 was killed holding 1 unit of POSIX semaphore q0"))

        let returned = try TraceChecker.check(try Trace.parse(Array(trace(postsBeforeDying: true).utf8)))
        #expect(returned.result == .ok)
        #expect(returned.hazards.isEmpty)
    }

    /// A process killed asleep in a wait after another process's post: a hazard when the semaphore was initialised
    /// with pshared 0 (the post could not wake it), by the driver or by a `sem_init` in the trace; none with pshared 1.
    @Test func aSleeperAnotherProcessPostedInVainOnAPshared0SemaphoreIsNamed() throws {
        func check(_ events: [(Int, String, String)], driverPshared0: Bool) throws -> [String] {
            var text = unnamedSemaphoreTrace(events)
            if driverPshared0 { text = text.replacingOccurrences(of: #""named":false}"#, with: #""named":false,"pshared":false}"#) }
            let report = try TraceChecker.check(try Trace.parse(Array(text.utf8)))
            #expect(report.result == .ok, "\(report.explanation)")
            return report.hazards
        }
        let asleep: [(Int, String, String)] = [
            (1, "invoke", #","f":"wait","object":"q0","value":{"nonblocking":true}"#), (1, "ok", #","f":"wait","object":"q0""#),
            (2, "invoke", #","f":"wait","object":"q0""#), (1, "invoke", #","f":"post","object":"q0""#), (1, "ok", #","f":"post","object":"q0""#),
            (2, "kill", #","signal":"SIGKILL","point":"blocked""#), (2, "info", #","f":"wait","object":"q0""#),
            (2, "exit", #","value":{"signal":"SIGKILL"}"#),
        ]
        let named = try check(asleep, driverPshared0: true)
        #expect(named.count == 1)
        #expect(named.first?.contains("process 2 was killed asleep in a wait on POSIX semaphore q0") == true, "\(named)")
        #expect(try check(asleep, driverPshared0: false).isEmpty)
        let reinitialised = [
            (3, "invoke", #","f":"init","object":"q0","value":{"value":1,"pshared":false}"#), (3, "ok", #","f":"init","object":"q0""#),
        ] + asleep
        #expect(try check(reinitialised, driverPshared0: false).count == 1)
    }

    /// A `sem_init` after the wait sets a new count: the holder's unit is no longer missing from it.
    @Test func aUnitTakenBeforeASemInitIsNotNamedAsLost() throws {
        let reinitialised = unnamedSemaphoreTrace([
            (1, "invoke", #","f":"wait","object":"q0""#), (1, "ok", #","f":"wait","object":"q0""#),
            (2, "invoke", #","f":"init","object":"q0","value":{"value":1,"pshared":true}"#), (2, "ok", #","f":"init","object":"q0""#),
            (1, "kill", #","signal":"SIGKILL","point":"before""#), (1, "exit", #","value":{"signal":"SIGKILL"}"#),
            (2, "invoke", #","f":"wait","object":"q0","value":{"nonblocking":true}"#), (2, "ok", #","f":"wait","object":"q0""#),
        ])
        let report = try TraceChecker.check(try Trace.parse(Array(reinitialised.utf8)))
        #expect(report.result == .ok, "\(report.explanation)")
        #expect(report.hazards.isEmpty)
    }

    /// A stalled mutex (setup `"robust": false`) whose holder is killed: the next trylock is `EBUSY` for good, which
    /// the kernel promises, so the run passes and names the danger. Re-initialised robust first, the same death is no
    /// hazard (the next locker gets `EOWNERDEAD`).
    @Test func aStalledMutexHeldByAKilledProcessIsNamedWithoutFailingTheRun() throws {
        func trace(reinitialisedRobust: Bool) -> String {
            var lines = [#"{"format":"ipc-trace","version":1,"model":"robust-mutex","params":{"objects":{"m0":{"robust":false}}},"mechanism":"test","seed":"1","strategy":"random","harness":"0.1.0"}"#]
            var events: [String] = []
            if reinitialisedRobust { events += [#""process":1,"type":"invoke","f":"init","object":"m0""#, #""process":1,"type":"ok","f":"init","object":"m0""#] }
            events += [
                #""process":1,"type":"invoke","f":"lock","object":"m0""#, #""process":1,"type":"ok","f":"lock","object":"m0""#,
                #""process":1,"type":"kill","signal":"SIGKILL","point":"before""#, #""process":1,"type":"exit","value":{"signal":"SIGKILL"}"#,
                #""process":2,"type":"invoke","f":"trylock","object":"m0""#,
                reinitialisedRobust ? #""process":2,"type":"fail","f":"trylock","object":"m0","error":"EOWNERDEAD""# : #""process":2,"type":"fail","f":"trylock","object":"m0","error":"EBUSY""#,
            ]
            for (index, event) in events.enumerated() { lines.append(#"{"index":\#(index),"time":\#((index + 1) * 10),"# + event + "}") }
            return lines.joined(separator: "\n") + "\n"
        }
        let stuck = try TraceChecker.check(try Trace.parse(Array(trace(reinitialisedRobust: false).utf8)))
        #expect(stuck.result == .ok)
        #expect(stuck.hazards.count == 1)
        #expect(stuck.explanation.contains("HAZARD: process 1 was killed holding mutex m0"), "\(stuck.explanation)")

        let robust = try TraceChecker.check(try Trace.parse(Array(trace(reinitialisedRobust: true).utf8)))
        #expect(robust.result == .ok, "\(robust.explanation)")
        #expect(robust.hazards.isEmpty)
    }

    /// The trace `robust-mutex-lifecycle` (seed 4004) gave: process 1 asleep in `lock` on a held stalled recursive
    /// mutex that process 3 re-initialised (undefined in POSIX) was aborted by glibc's assertion. That is glibc's
    /// death, not a crash of the code under test: a hazard, the run not failed. A `SIGSEGV` there is still a crash,
    /// and so is a `SIGABRT` in a call glibc does not abort (`consistent`), and one in a lock on a mutex that nothing
    /// re-initialised or destroyed (its memory was corrupted).
    @Test func aLockerAbortedByGlibcIsAHazardNotACrash() throws {
        func trace(signal: String, f: String = "lock", reinitialised: Bool = true) -> String {
            var lines = [#"{"format":"ipc-trace","version":1,"model":"robust-mutex","params":{"objects":{"m0":{"robust":false,"type":"recursive"}}},"mechanism":"test","seed":"1","strategy":"random","harness":"0.1.0"}"#]
            let events = [
                #""process":2,"type":"invoke","f":"trylock","object":"m0""#, #""process":2,"type":"ok","f":"trylock","object":"m0""#,
                #""process":1,"type":"invoke","f":"\#(f)","object":"m0""#,
                #""process":3,"type":"invoke","f":"init","object":"m0","value":{"type":"recursive"}"#,
                reinitialised ? #""process":3,"type":"ok","f":"init","object":"m0""# : #""process":3,"type":"fail","f":"init","object":"m0","error":"EBUSY""#,
                #""process":1,"type":"exit","value":{"signal":"\#(signal)"}"#,
            ]
            for (index, event) in events.enumerated() { lines.append(#"{"index":\#(index),"time":\#((index + 1) * 10),"# + event + "}") }
            return lines.joined(separator: "\n") + "\n"
        }
        let aborted = try TraceChecker.check(try Trace.parse(Array(trace(signal: "SIGABRT").utf8)))
        #expect(aborted.result == .ok, "\(aborted.explanation)")
        #expect(aborted.explanation.contains("HAZARD: process 1 died of SIGABRT in lock on mutex m0"), "\(aborted.explanation)")
        let segfault = try TraceChecker.check(try Trace.parse(Array(trace(signal: "SIGSEGV").utf8)))
        #expect(segfault.result == .violation)
        #expect(segfault.explanation.contains("CRASH"), "\(segfault.explanation)")
        let consistent = try TraceChecker.check(try Trace.parse(Array(trace(signal: "SIGABRT", f: "consistent").utf8)))
        #expect(consistent.result == .violation)
        let unexplained = try TraceChecker.check(try Trace.parse(Array(trace(signal: "SIGABRT", reinitialised: false).utf8)))
        #expect(unexplained.result == .violation)
        #expect(unexplained.explanation.contains("no init or destroy of that mutex"), "\(unexplained.explanation)")
    }

    /// A stalled PI mutex whose holder died while another process slept in `lock`: the kernel hands the sleeper the
    /// futex marked owner-died and glibc's assertion aborts it (measured by a C probe): a hazard of the mechanism, the
    /// run not failed. The same abort on a stalled mutex of no protocol is still a crash.
    @Test func aLockerOfAStalledPIMutexWhoseHolderDiedAbortedIsAHazard() throws {
        func trace(protocol: String) -> String {
            var lines = [#"{"format":"ipc-trace","version":1,"model":"robust-mutex","params":{"objects":{"m0":{"robust":false,"protocol":"\#(`protocol`)"}}},"mechanism":"test","seed":"1","strategy":"random","harness":"0.1.0"}"#]
            let events = [
                #""process":1,"type":"invoke","f":"lock","object":"m0""#, #""process":1,"type":"ok","f":"lock","object":"m0""#,
                #""process":2,"type":"invoke","f":"lock","object":"m0""#,
                #""process":1,"type":"kill","signal":"SIGKILL","point":"before""#, #""process":1,"type":"exit","value":{"signal":"SIGKILL"}"#,
                #""process":2,"type":"exit","value":{"signal":"SIGABRT"}"#,
            ]
            for (index, event) in events.enumerated() { lines.append(#"{"index":\#(index),"time":\#((index + 1) * 10),"# + event + "}") }
            return lines.joined(separator: "\n") + "\n"
        }
        let inheriting = try TraceChecker.check(try Trace.parse(Array(trace(protocol: "inherit").utf8)))
        #expect(inheriting.result == .ok, "\(inheriting.explanation)")
        #expect(inheriting.explanation.contains("HAZARD: process 2 died of SIGABRT in lock on mutex m0"), "\(inheriting.explanation)")
        let plain = try TraceChecker.check(try Trace.parse(Array(trace(protocol: "none").utf8)))
        #expect(plain.result == .violation)
        #expect(plain.explanation.contains("CRASH"), "\(plain.explanation)")

        // robust-mutex-stalled-protocols (seed 7318022741629784025), cut down: process 1's lock completed before
        // process 3's unlock did, and process 1 then exited holding the mutex with process 3 asleep in lock. Taking
        // the later unlock for process 1's lost the holder, and the abort was called a crash.
        var lines = [#"{"format":"ipc-trace","version":1,"model":"robust-mutex","params":{"objects":{"o0":{"robust":false,"protocol":"inherit","scheduling":"other"}}},"mechanism":"test","seed":"1","strategy":"random","harness":"0.1.0"}"#]
        let events = [
            #""process":3,"type":"invoke","f":"trylock","object":"o0""#, #""process":3,"type":"ok","f":"trylock","object":"o0""#,
            #""process":1,"type":"invoke","f":"lock","object":"o0""#, #""process":3,"type":"invoke","f":"unlock","object":"o0""#,
            #""process":1,"type":"ok","f":"lock","object":"o0""#, #""process":3,"type":"ok","f":"unlock","object":"o0""#,
            #""process":3,"type":"invoke","f":"lock","object":"o0""#, #""process":1,"type":"exit","value":{"code":0}"#,
            #""process":3,"type":"info","f":"lock","object":"o0""#, #""process":3,"type":"exit","value":{"signal":"SIGABRT"}"#,
        ]
        for (index, event) in events.enumerated() { lines.append(#"{"index":\#(index),"time":\#((index + 1) * 10),"# + event + "}") }
        let reordered = try TraceChecker.check(try Trace.parse(Array((lines.joined(separator: "\n") + "\n").utf8)))
        #expect(reordered.result == .ok, "\(reordered.explanation)")
        #expect(reordered.explanation.contains("HAZARD: process 3 died of SIGABRT in lock on mutex o0"), "\(reordered.explanation)")
    }

    /// robust-mutex-stalled-protocols (seed 13516042398844304331): process 1 asleep in `setprioceiling` (4) on a
    /// recursive priority-protect mutex process 3 holds twice; process 3 unlocks once and, still holding, moves the
    /// ceiling from 20 to 4. glibc's waiter then leaves its loop without the lock (`continue` in `do … while (0)`),
    /// returns the old ceiling 4 and writes a free word under the holder; process 2, asleep in `lock`, takes it and
    /// dies of the `__owner == 0` assertion. The model allows that return once the ceiling has moved (and stops
    /// judging the mutex); the abort is a hazard, not a crash. Without the moved ceiling the early return is still
    /// a violation.
    @Test func aSetprioceilingAsleepAcrossACeilingChangeFreesAHeldMutex() throws {
        func trace(moved: Bool) -> String {
            var lines = [#"{"format":"ipc-trace","version":1,"model":"robust-mutex","params":{"objects":{"o0":{"robust":false,"type":"recursive","protocol":"protect","ceiling":20,"scheduling":"other"}}},"mechanism":"test","seed":"1","strategy":"random","harness":"0.1.0"}"#]
            var events = [
                #""process":3,"type":"invoke","f":"trylock","object":"o0""#, #""process":3,"type":"fail","f":"trylock","object":"o0","error":"EINVAL""#,
                #""process":3,"type":"invoke","f":"lock","object":"o0""#, #""process":3,"type":"ok","f":"lock","object":"o0""#,
                #""process":3,"type":"invoke","f":"timedlock","object":"o0","value":{"timeout":"invalid"}"#, #""process":3,"type":"ok","f":"timedlock","object":"o0""#,
                #""process":2,"type":"invoke","f":"lock","object":"o0""#,
                #""process":1,"type":"invoke","f":"setprioceiling","object":"o0","value":{"ceiling":4}"#,
                #""process":3,"type":"invoke","f":"unlock","object":"o0""#, #""process":3,"type":"ok","f":"unlock","object":"o0""#,
            ]
            if moved {
                events += [
                    #""process":3,"type":"invoke","f":"setprioceiling","object":"o0","value":{"ceiling":4}"#,
                    #""process":1,"type":"ok","f":"setprioceiling","object":"o0","value":{"old":4}"#,
                    #""process":3,"type":"ok","f":"setprioceiling","object":"o0","value":{"old":20}"#,
                    #""process":2,"type":"info","f":"lock","object":"o0""#, #""process":2,"type":"exit","value":{"signal":"SIGABRT"}"#,
                ]
            } else {
                events += [#""process":1,"type":"ok","f":"setprioceiling","object":"o0","value":{"old":20}"#]
            }
            for (index, event) in events.enumerated() { lines.append(#"{"index":\#(index),"time":\#((index + 1) * 10),"# + event + "}") }
            return lines.joined(separator: "\n") + "\n"
        }
        let moved = try TraceChecker.check(try Trace.parse(Array(trace(moved: true).utf8)))
        #expect(moved.result == .ok, "\(moved.explanation)")
        #expect(moved.explanation.contains("HAZARD: process 2 died of SIGABRT in lock on mutex o0"), "\(moved.explanation)")
        let still = try TraceChecker.check(try Trace.parse(Array(trace(moved: false).utf8)))
        #expect(still.result == .violation, "\(still.explanation)")
    }
}

/// A real worker that dies of a signal no `kill` event accounts for crashed: the code under test (or the harness)
/// did. Judging its operation indeterminate, as for a kill, would call the run clean — as it once did when a bug in
/// the fault injector made every worker abort.
@Suite struct UnexplainedDeathTests {
    func trace(killed: Bool) -> String {
        var events: [(Int, String, String)] = [(1, "invoke", #","f":"wait","object":"q0""#)]
        if killed { events += [(1, "kill", #","signal":"SIGKILL","point":"during""#)] }
        events += [(1, "info", #","f":"wait","object":"q0""#), (1, "exit", #","value":{"signal":"\#(killed ? "SIGKILL" : "SIGILL")"}"#)]
        return unnamedSemaphoreTrace(events)
    }

    @Test func aDeathByASignalNobodySentIsACrash() throws {
        let crashed = try TraceChecker.check(try Trace.parse(Array(trace(killed: false).utf8)))
        #expect(crashed.result == .violation)
        #expect(crashed.explanation.contains("CRASH: process 1 died of SIGILL in or after its 'wait' on q0"), "\(crashed.explanation)")

        let killed = try TraceChecker.check(try Trace.parse(Array(trace(killed: true).utf8)))
        #expect(killed.result == .ok, "\(killed.explanation)")
    }
}

/// A trace of one unnamed POSIX semaphore `q0` at 1, with `events` (process, type, the rest of the event's JSON) ten
/// nanoseconds apart.
func unnamedSemaphoreTrace(_ events: [(Int, String, String)]) -> String {
    var lines = [#"{"format":"ipc-trace","version":1,"model":"posix-sem","params":{"objects":{"q0":{"value":1,"named":false}}},"mechanism":"kernel.posix-sem","seed":"1","strategy":"random","harness":"0.1.0"}"#]
    for (index, event) in events.enumerated() {
        lines.append(#"{"index":\#(index),"time":\#(10 * (index + 1)),"process":\#(event.0),"type":"\#(event.1)"\#(event.2)}"#)
    }
    return lines.joined(separator: "\n") + "\n"
}
