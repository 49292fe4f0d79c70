import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Negative semaphore numbers and values, on this kernel (LTP's `semop03` and `semctl05`): `semop`'s `sem_num` is an
/// `unsigned short`, so −1 is 65535 — outside any set, `EFBIG`; `semctl`'s `semnum` is an `int`, and −1 fails
/// `EINVAL` for `GETVAL`, `GETNCNT`, `GETZCNT`, `GETPID` and `SETVAL`; `SETVAL` of −1 fails `ERANGE`, checked before
/// the number. None of them changes a value. The sysv-sem model's trace form takes such numbers (`"num": -1`) and
/// judges them so; the same calls go through the model step by step.
@Suite struct SystemVSemaphoreArgumentFactsTests {
    typealias Input = SystemVSemaphoreModel.Input
    typealias Output = SystemVSemaphoreModel.Output

    @Test func negativeNumbersAndValuesFailAsTheModelSays() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 2, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.semRemove(set) }
        func outcome(_ call: () throws(Errno) -> Void) -> Output {
            do throws(Errno) { try call(); return .done } catch { return .failed(errorCode(error)) }
        }
        func semop(_ number: Int) -> Output {
            outcome { () throws(Errno) in
                _ = try SystemVSemaphores.perform(set, [SemaphoreOperation(number: number, change: 1, undo: true)], nonblocking: true)
            }
        }
        #expect(semop(-1) == .failed(.EFBIG))
        #expect(semop(65535) == .failed(.EFBIG))
        #expect(outcome { () throws(Errno) in _ = try Syscall.semValue(set, number: -1) } == .failed(.EINVAL))
        #expect(outcome { () throws(Errno) in _ = try Syscall.semWaiters(set, number: -1, zero: false) } == .failed(.EINVAL))
        #expect(outcome { () throws(Errno) in _ = try Syscall.semWaiters(set, number: -1, zero: true) } == .failed(.EINVAL))
        #expect(outcome { () throws(Errno) in _ = try Syscall.semLastProcess(set, number: -1) } == .failed(.EINVAL))
        #expect(outcome { () throws(Errno) in try Syscall.semSetValue(set, number: 0, value: -1) } == .failed(.ERANGE))
        #expect(outcome { () throws(Errno) in try Syscall.semSetValue(set, number: -1, value: -1) } == .failed(.ERANGE))
        #expect(outcome { () throws(Errno) in try Syscall.semSetValue(set, number: -1, value: 1) } == .failed(.EINVAL))
        #expect(try SystemVSemaphores.values(set, count: 2) == [0, 0])

        // The same calls, judged by the model one by one (its trace form reads these numbers too).
        let steps: [(input: Input, kernel: () throws -> Output)] = [
            (.semop(process: 1, operations: [.init(number: -1, change: 1, undo: true)], nonblocking: true), { semop(-1) }),
            (.semop(process: 1, operations: [.init(number: 65535, change: 1, undo: false)], nonblocking: true), { semop(65535) }),
            (.value(process: 1, number: -1), { outcome { () throws(Errno) in _ = try Syscall.semValue(set, number: -1) } }),
            (.waiters(process: 1, number: -1, zero: false), {
                outcome { () throws(Errno) in _ = try Syscall.semWaiters(set, number: -1, zero: false) }
            }),
            (.lastProcess(process: 1, number: -1), { outcome { () throws(Errno) in _ = try Syscall.semLastProcess(set, number: -1) } }),
            (.setValue(process: 1, number: 0, value: -1), { outcome { () throws(Errno) in try Syscall.semSetValue(set, number: 0, value: -1) } }),
            (.setValue(process: 1, number: -1, value: -1), { outcome { () throws(Errno) in try Syscall.semSetValue(set, number: -1, value: -1) } }),
            (.setValue(process: 1, number: -1, value: 1), { outcome { () throws(Errno) in try Syscall.semSetValue(set, number: -1, value: 1) } }),
            (.values(process: 1), { .values(try SystemVSemaphores.values(set, count: 2)) }),
        ]
        let model = SystemVSemaphoreModel(sets: [("s", [0, 0])])
        #expect(ModelAgreement(model: model, object: "s").firstDisagreement(steps) == nil)
    }

    /// The trace form reads a negative number, as a C program's `sem_num = -1` or `semnum = -1` records it, and the
    /// model judges it: `EFBIG` and `EINVAL`, never success.
    @Test func theTraceFormTakesNegativeNumbers() throws {
        let model = SystemVSemaphoreModel(sets: [("s", [0, 0])])
        let semop = try model.input(from: Call(process: 1, object: "s", f: "semop", value: ["ops": [["num": -1, "op": 1]]]))
        #expect(model.transitions(model.initialState(of: "s"), semop).map(\.output) == [.failed(.EFBIG)])
        let getval = try model.input(from: Call(process: 1, object: "s", f: "getval", value: ["num": -1]))
        #expect(model.transitions(model.initialState(of: "s"), getval).map(\.output) == [.failed(.EINVAL)])
    }
}
