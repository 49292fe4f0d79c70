import IPCHarness
import IPCModels
import Testing

/// The pipe worker performs `epoll_pwait`, `epoll_pwait2`, `epoll_create` and `epoll_create1` as a trace asks (the
/// kernel's answers measured in `EpollCreateAndPwaitFactsTests`): a directed program in a real worker, whose trace
/// the pipe model checks and whose outcomes are the kernel's.
@Suite struct PipeEpollCreateAndPwaitWorkerTests {
    @Test func theWorkerMakesTheCallsAndItsTraceChecks() throws {
        let worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
        let program: [(f: String, value: JSONValue)] = [
            ("pipe2", ["flags": ["O_NONBLOCK", "O_CLOEXEC"]]),
            ("epoll_ctl", ["op": "EPOLL_CTL_ADD", "end": "read", "events": ["EPOLLIN"]]),
            ("epoll_pwait", ["maxevents": 16, "timeout": 0, "sigmask": ["SIGUSR1"]]),
            ("epoll_pwait2", ["maxevents": 16, "timeout": ["sec": 0, "nsec": 0]]),
            ("write", ["data": "ab", "nonblocking": true]),
            ("epoll_pwait", ["maxevents": 16, "timeout": -1]),
            ("epoll_pwait2", ["maxevents": 16, "timeout": .null, "sigmask": ["SIGUSR1", "SIGINT"]]),
            ("epoll_pwait2", ["maxevents": 16, "timeout": ["sec": 0, "nsec": 1_000_000_000]]),
            ("epoll_pwait", ["maxevents": 0, "timeout": 0]),
            ("epoll_create", ["size": 0]), ("epoll_create", ["size": 5]),
            ("epoll_create1", ["flags": ["EPOLL_CLOEXEC"]]), ("epoll_create1", [:]), ("epoll_create1", ["bits": 2048]),
        ]
        let workload = Workload(
            objects: [Workload.Object(name: "p0", kind: "pipe")],
            processes: [Workload.Process(id: 1, holds: ["p0": ["create"]], program: program.map { Call(process: 1, object: "p0", f: $0.f, value: $0.value) })])
        let scenario = Scenario.real(
            name: "test-pipe-epoll-create-pwait", kind: PipeKind.self, implementation: "kernel.pipe", summary: "the pwait and creation calls in a worker",
            makeWorkload: { _ in workload })
        let result = try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 30))
        #expect(result.report.result == .ok, "\(result.report.explanation)")
        let outcomes = result.trace.events.compactMap { event -> String? in
            guard event.f?.hasPrefix("epoll_") == true else { return nil }
            switch event.type {
            case .ok: return event.value.map { "\($0)" } ?? "ok"
            case .fail: return event.error
            default: return nil
            }
        }
        let readable = #"{"events":[{"end":"read","events":["EPOLLIN"]}]}"#
        #expect(outcomes == [
            "ok", #"{"events":[]}"#, #"{"events":[]}"#, readable, readable, "EINVAL", "EINVAL",
            "EINVAL", #"{"closeOnExec":false}"#, #"{"closeOnExec":true}"#, #"{"closeOnExec":false}"#, "EINVAL",
        ])
    }
}
