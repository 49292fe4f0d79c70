import Foundation
import IPCHarness
import IPCModels
import Testing

/// The calls issue 15's creation rows added, performed by real workers through their kinds' bindings and checked
/// against the models: a pipe made during the run by its `create` holder (`pipe2` with flags, then its ends in use),
/// a FIFO's `unlink` and `mkfifo`, and a named semaphore's `sem_close`.
@Suite struct CreationCallsRealModeTests {
    let worker: WorkerCommand

    init() throws {
        worker = try WorkerLocator.workerCommand()
    }

    /// Runs `workload` with `kind` and returns each operation's outcome in order; its trace must check.
    func outcomes<Kind: MechanismKind>(_ kind: Kind.Type, _ implementation: String, _ workload: Workload) throws -> [String] {
        let scenario = Scenario.real(
            name: "test-creation-calls", kind: kind, implementation: implementation, summary: "creation calls in workers",
            makeWorkload: { _ in workload })
        let result = try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 30))
        #expect(result.report.result == .ok, "\(result.report.explanation)")
        return result.trace.events.compactMap { event in
            switch event.type {
            case .ok: event.value.map { "\($0)" } ?? "ok"
            case .fail: event.error
            default: nil
            }
        }
    }

    func call(_ process: Int, _ object: String, _ f: String, _ value: JSONValue? = nil) -> Call {
        Call(process: process, object: object, f: f, value: value)
    }

    @Test func aPipeMadeDuringTheRun() throws {
        let workload = Workload(
            objects: [Workload.Object(name: "p0", kind: "pipe", parameters: [:])],
            processes: [Workload.Process(id: 1, holds: ["p0": ["create"]], program: [
                call(1, "p0", "read", ["max": 4, "nonblocking": true]),
                call(1, "p0", "pipe2", ["flags": ["O_NONBLOCK"], "bits": 16]),
                call(1, "p0", "pipe2", ["flags": ["O_DIRECT", "O_CLOEXEC"]]),
                call(1, "p0", "write", ["data": "hi"]),
                call(1, "p0", "fcntl", ["end": "read", "cmd": "F_GETFL"]),
                call(1, "p0", "read", ["max": 4]),
            ])])
        let seen = try outcomes(PipeKind.self, "kernel.pipe", workload)
        #expect(seen == ["EBADF", "EINVAL", "ok", #"{"written":2}"#, #"{"nonblocking":false,"direct":false}"#, #"{"data":"hi"}"#])
    }

    /// `pipe2(O_NONBLOCK)` makes the write end's description nonblocking too: a write the trace records without
    /// `nonblocking` still returns short, then `EAGAIN`, on the full pipe.
    @Test func aPipeMadeNonblockingHasANonblockingWriteEnd() throws {
        let workload = Workload(
            objects: [Workload.Object(name: "p0", kind: "pipe", parameters: [:])],
            processes: [Workload.Process(id: 1, holds: ["p0": ["create"]], program: [
                call(1, "p0", "pipe2", ["flags": ["O_NONBLOCK"]]),
                call(1, "p0", "write", ["data": .string(String(repeating: "a", count: 70_000))]),
                call(1, "p0", "write", ["data": "b"]),
            ])])
        let seen = try outcomes(PipeKind.self, "kernel.pipe", workload)
        #expect(seen == ["ok", #"{"written":65536}"#, "EAGAIN"])
    }

    @Test func aFIFOsNameUnlinkedAndMadeAgain() throws {
        let workload = Workload(
            objects: [Workload.Object(name: "f0", kind: "fifo", parameters: [:])],
            processes: [Workload.Process(id: 1, holds: ["f0": ["open"]], program: [
                call(1, "f0", "open", ["end": "read", "nonblocking": true]),
                call(1, "f0", "mkfifo", ["mode": 438, "umask": 18]),
                call(1, "f0", "unlink"),
                call(1, "f0", "open", ["end": "write", "nonblocking": true]),
                call(1, "f0", "mkfifo", ["mode": 438, "umask": 18]),
                call(1, "f0", "unlink"),
                call(1, "f0", "mkfifo", ["mode": 384, "missingDirectory": true]),
            ])])
        let seen = try outcomes(FIFOKind.self, "kernel.fifo", workload)
        #expect(seen == ["ok", "EEXIST", "ok", "ENOENT", #"{"mode":420}"#, "ENOENT", "ENOENT"])
    }

    @Test func aNamedSemaphoresHandlesClosed() throws {
        let workload = Workload(
            objects: [Workload.Object(name: "s0", kind: "posix-sem", parameters: ["value": 1, "named": true])],
            processes: [
                Workload.Process(id: 1, holds: ["s0": ["use"]], program: [
                    call(1, "s0", "open"), call(1, "s0", "close"), call(1, "s0", "post"), call(1, "s0", "close"),
                    call(1, "s0", "open"), call(1, "s0", "getvalue"),
                ])
            ])
        let seen = try outcomes(PosixSemaphoreKind.self, "kernel.posix-sem", workload)
        #expect(seen == ["ok", "ok", "ok", "ok", "ok", #"{"value":2}"#])
    }
}
