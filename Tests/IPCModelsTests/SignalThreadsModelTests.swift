import IPCModels
import Testing

/// The signal model's thread inputs (`SignalModel+Threads.swift`): their trace form reads back as written, what a
/// thread other than the main one may not do is refused loudly, and a trace without `"thread"` means what it meant.
@Suite struct SignalThreadsModelTests {
    static let model = SignalModel(receivers: [("sig1", .init(receiver: 1))])

    static func call(_ input: SignalModel.Input, process: Int = 1) -> Call {
        let (f, value) = model.call(for: input)
        return Call(process: process, object: "sig1", f: f, value: value)
    }

    @Test func theThreadInputsReadBackAsWritten() throws {
        var inputs: [SignalModel.Input] = []
        inputs.append(.inThread(thread: "t2", call: .send(process: 2, signal: 12, method: .tgkill, value: 0)))
        inputs.append(.inThread(thread: "t2", call: .send(process: 1, signal: 12, method: .raise, value: 0)))
        inputs.append(.inThread(thread: "t3", call: .send(process: 1, signal: 10, method: .pthreadKill, value: 0)))
        inputs.append(.inThread(thread: "t2", call: .wait(process: 1, signals: [10, 12], timeout: .milliseconds(0))))
        inputs.append(.inThread(thread: "t2", call: .sigwait(process: 1, signals: [12])))
        inputs.append(.inThread(thread: "t2", call: .pending(process: 1)))
        inputs.append(.inThread(thread: "t2", call: .sigprocmask(process: 1, change: .unblock, signals: [12], call: .thread)))
        inputs.append(.thread(process: 1, thread: "t2", event: .create(by: nil)))
        inputs.append(.thread(process: 1, thread: "t3", event: .create(by: "t2")))
        inputs.append(.thread(process: 1, thread: "t2", event: .exit(gone: true)))
        inputs.append(.foreignIDs(process: 2, signal: 10, method: .tgkill, ids: .init(tgid: -1, tid: nil)))
        inputs.append(.foreignIDs(process: 2, signal: 65, method: .tkill, ids: .init(tgid: nil, tid: 4001)))
        inputs.append(.inThread(thread: "t2", call: .sigsuspend(process: 1, signals: [10])))
        inputs.append(.inThread(thread: "t2", call: .pause(process: 1)))
        inputs.append(.inThread(thread: "t2", call: .obsolete(process: 1, signal: 10, call: .sigrelse)))
        inputs.append(.inThread(thread: "t2", call: .sigprocmask(process: 1, change: .lastingUnblock, signals: [10, 12], call: .thread)))
        inputs.append(.sigprocmask(process: 1, change: .lastingUnblock, signals: [12], call: .process))
        inputs.append(.inThread(thread: "t2", call: .pidfdOpen(process: 2, flags: 0o200)))
        inputs.append(.inThread(thread: "t2", call: .pidfdSend(process: 2, signal: 10, send: .threadQueue(signal: 10, code: .queue, value: 7))))
        inputs.append(.foreignTarget(process: 2, call: .pidfdOpen(pid: -1, flags: 1)))
        inputs.append(.foreignTarget(process: 2, call: .threadQueue(signal: 10, code: .user, value: 3, ids: .init(tgid: 4000, tid: nil))))
        for input in inputs {
            let call = Self.call(input, process: input.process)
            #expect(try Self.model.input(from: call) == input, "\(call.f) \(String(describing: call.value))")
        }
    }

    @Test func whatAnotherThreadMayNotDoIsRefused() {
        var calls: [Call] = []
        calls.append(Call(process: 1, object: "sig1", f: "sigaltstack", value: ["thread": "t2"]))
        calls.append(Call(process: 1, object: "sig1", f: "sigset", value: ["signal": "SIGUSR1", "disposition": "handler", "thread": "t2"]))
        calls.append(Call(process: 2, object: "sig1", f: "pidfd_send_signal", value: ["signal": "SIGUSR1", "thread": "t2"]))
        calls.append(Call(process: 2, object: "sig1", f: "pidfd_open", value: ["pid": 4000, "thread": "t2"]))
        calls.append(Call(process: 1, object: "sig1", f: "pthread_sigmask", value: ["how": "block", "signals": ["SIGUSR1"], "lasting": true]))
        calls.append(Call(process: 2, object: "sig1", f: "kill", value: ["signal": "SIGUSR1", "thread": "t2"]))
        calls.append(Call(process: 2, object: "sig1", f: "raise", value: ["signal": "SIGUSR1", "thread": "t2"]))
        calls.append(Call(process: 2, object: "sig1", f: "pthread_create", value: ["thread": "t2"]))
        calls.append(Call(process: 2, object: "sig1", f: "kill", value: ["signal": "SIGUSR1", "tid": 5]))
        for call in calls {
            #expect(throws: ModelError.self, "\(call.f) \(String(describing: call.value))") { try Self.model.input(from: call) }
        }
    }

    @Test func noThreadAndTheMainThreadMeanWhatTheyMeant() throws {
        let plain = Call(process: 1, object: "sig1", f: "pending", value: nil)
        let main = Call(process: 1, object: "sig1", f: "pending", value: ["thread": "main"])
        #expect(try Self.model.input(from: plain) == .pending(process: 1))
        #expect(try Self.model.input(from: main) == .pending(process: 1))
    }

    /// A deliberately wrong belief the model must reject: a wait in one thread taking what `tgkill` sent another.
    @Test func aSignalSentToOneThreadIsNotAnothers() {
        let send = SignalModel.Input.inThread(thread: "t2", call: .send(process: 2, signal: 12, method: .tgkill, value: 0))
        let start = Self.model.initialState(of: "sig1")
        let sent = Self.model.step(start, send, .sent).map(\.state)
        #expect(sent.count == 1)
        let details = SignalModel.Details(code: .tkill, sender: 2, value: 0)
        let taken = SignalModel.Output.received(signal: 12, details: details)
        let mainWait = SignalModel.Input.wait(process: 1, signals: [12], timeout: .milliseconds(0))
        let otherWait = SignalModel.Input.inThread(thread: "t3", call: mainWait)
        let ownWait = SignalModel.Input.inThread(thread: "t2", call: mainWait)
        for state in sent {
            #expect(Self.model.step(state, mainWait, taken).isEmpty)
            #expect(Self.model.step(state, otherWait, taken).isEmpty)
            #expect(!Self.model.step(state, mainWait, .failed(.EAGAIN)).isEmpty)
            #expect(!Self.model.step(state, ownWait, taken).isEmpty)
        }
    }
}
