import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// An access through a detached System V attachment, on this kernel (LTP's `shmdt01`: `shmdt` succeeds, `shm_nattch`
/// reads 0, and a store through the old address raises `SIGSEGV`). The model allows `SIGSEGV` there beside the
/// harness's own `EFAULT` (its worker never touches an address it detached), and never a success.
///
/// Each runs in an exit test's child: an address the test process unmaps could be mapped again at once by another
/// test's thread, and a store there would land in that test's memory.
@Suite struct SystemVSharedMemoryDetachFactsTests {
    /// Plain C calls: attach, store, detach (`shm_nattch` 0), then a store through the detached address kills the
    /// child with `SIGSEGV`. The segment is removed while attached, so the kernel destroys it at the detach.
    @Test func aStoreThroughADetachedAddressRaisesSIGSEGV() async {
        await #expect(processExitsWith: .signal(SIGSEGV)) {
            let id = shmget(IPC_PRIVATE, 64, IPC_CREAT | 0o600)
            guard id >= 0 else { exit(1) }
            guard let address = shmat(id, nil, 0), address != UnsafeMutableRawPointer(bitPattern: -1) else {
                shmctl(id, IPC_RMID, nil)
                exit(2)
            }
            let word = address.assumingMemoryBound(to: Int32.self)
            word.pointee = 4
            var status = shmid_ds()
            guard shmctl(id, IPC_STAT, &status) == 0, status.shm_nattch == 1 else { exit(3) }
            guard shmdt(address) == 0 else { exit(4) }
            guard shmctl(id, IPC_STAT, &status) == 0, status.shm_nattch == 0 else { exit(5) }
            guard shmctl(id, IPC_RMID, nil) == 0 else { exit(6) }
            word.pointee = 2  // SIGSEGV: nothing is mapped there any more
            exit(7)
        }
    }

    /// The same calls through the harness's guarded accesses, each judged by the model as it goes: the store and the
    /// load through the detached attachment fail `SIGSEGV`, which the model accepts; a wrong model insisting on
    /// `EFAULT` (the harness's rule alone) would not.
    @Test func theModelAcceptsTheDetachedAccessesSIGSEGV() async {
        await #expect(processExitsWith: .success) {
            let model = SystemVSharedMemoryModel(segments: [("g", .init(words: 4, attached: []))])
            var state = model.initialState(of: "g")
            func judge(_ input: SystemVSharedMemoryModel.Input, _ output: SystemVSharedMemoryModel.Output, _ code: Int32) {
                guard let next = model.step(state, input, output).first else { exit(code) }
                state = next.state
            }
            do throws(Errno) {
                let segment = try Syscall.shmget(IPC_PRIVATE, size: 32, flags: IPC_CREAT | 0o600)
                defer { try? Syscall.shmRemove(segment) }
                let words = try SystemVSharedMemorySegments.attach(segment, size: 32)
                judge(.attach(process: 1, readOnly: false), .done, 1)
                try words.guardedStore(0, 4)
                judge(.access(process: 1, .store(index: 0, value: 4)), .accessed(.stored), 2)
                try SystemVSharedMemorySegments.detach(words)
                judge(.detach(process: 1), .done, 3)
                for (access, code): (WordAccess, Int32) in [(.store(index: 0, value: 2), 4), (.load(index: 0), 6)] {
                    let failure: ErrorCode
                    do throws(Errno) {
                        switch access {
                        case .store(let index, let value): try words.guardedStore(index, UInt64(bitPattern: value))
                        default: _ = try words.guardedLoad(0)
                        }
                        exit(code)
                    } catch { failure = errorCode(error) }
                    guard failure == .SIGSEGV else { exit(code + 10) }
                    judge(.access(process: 1, access), .failed(failure), code + 1)
                }
                // A success through the detached address is never allowed.
                guard model.step(state, .access(process: 1, .store(index: 0, value: 2)), .accessed(.stored)).isEmpty else { exit(8) }
            } catch { exit(9) }
        }
    }
}
