import CIPCInterposer
import CIPCShims
import Glibc
public import IPCHarness
import IPCSyscalls
import SystemPackage

/// The worker process of real-mode runs — the harness's own, or yours with your kinds and clients: one line.
///
/// ```swift
/// // Sources/my-worker/main.swift (an executable target depending on the IPCHarnessWorker product and on
/// // the target that defines your components)
/// import IPCHarnessWorker
/// import MyComponents
///
/// IPCHarnessWorker.run(MyComponents.all)
/// ```
///
/// Linking this product puts the harness's interposer in the executable: its definitions of the IPC calls
/// (`read`, `write`, `readv`, `writev`, `send`, `sendto`, `recv`, `recvfrom`, `sendmsg`, `recvmsg`, `mq_send`,
/// `mq_timedsend`, `mq_receive`, `mq_timedreceive`, `msgsnd`, `msgrcv`, `semop`, `semtimedop`, `sem_wait`,
/// `sem_timedwait`, `sem_trywait`, `poll`, `ppoll`) come before libc's, so the run's injected faults (EINTR,
/// EAGAIN, ENOMEM, short transfers, delays) reach your code however it makes those calls — Swift's Glibc module,
/// swift-system, Foundation, a C library you link — on the thread that runs the operations. Calls glibc makes
/// internally (stdio's buffered reads, for one) do not pass through it.
public enum IPCHarnessWorker {
    public static func run(_ components: HarnessComponents = .none) -> Never {
        // A peer process of `bench mechanisms` (no components, no fault injection: it measures the kernel).
        BenchPeer.runIfAsked()
        do {
            try components.register()
        } catch {
            let line = "ipc-harness worker: \(error.message)\n"
            _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
            exit(2)
        }
        Interposition.install()
        WorkerMain.run()
    }

    /// Whether this executable's libc calls pass through the harness (true once this product is linked).
    public static var interposes: Bool { ipch_interposer_linked() == 1 }
}

/// Joins the interposer to the fault point every syscall wrapper consults (``FaultInjection``): the worker's
/// injector decides a call made straight to libc exactly as it decides one made through IPCSyscalls.
enum Interposition {
    static func install() {
        ipch_interposer_install(decide, interrupted)
    }

    /// The system calls by the interposer's numbering (`ipch_call`).
    static let calls: [SystemCall] = [
        .read, .write, .send, .receive, .sendmsg, .recvmsg, .mqSend, .mqReceive, .msgsnd, .msgrcv, .semop, .semWait,
        .semTryWait, .poll,
    ]

    static func context(
        _ call: CInt, _ descriptor: CInt, _ count: Int, _ mayBlock: CInt, _ subject: UnsafePointer<ipch_subject>? = nil
    ) -> SyscallContext? {
        guard calls.indices.contains(Int(call)) else { return nil }
        var context = SyscallContext(
            call: calls[Int(call)], descriptor: descriptor >= 0 ? FileDescriptor(rawValue: descriptor) : nil,
            count: count >= 0 ? count : nil, mayBlock: mayBlock < 0 ? nil : mayBlock != 0)
        if let subject, FaultInjection.isInstalled { context.sleepsNow = sleepsNow(context.call, subject.pointee) }
        return context
    }

    /// Whether a call would sleep now, worked out from what it waits on exactly as the harness's own wrappers work
    /// it out (``FaultFeasibility``): without it an injected EINTR could never reach a `sem_wait`, `semop`,
    /// `msgrcv` or `poll` a user's code makes straight to libc. nil: the descriptor decides.
    static func sleepsNow(_ call: SystemCall, _ subject: ipch_subject) -> Bool? {
        switch call {
        case .semWait:
            guard let semaphore = subject.semaphore else { return nil }
            let pointer = UnsafeMutablePointer(mutating: semaphore.assumingMemoryBound(to: sem_t.self))
            return FaultFeasibility.semaphoreWaitSleeps(pointer, deadline: subject.deadline?.pointee)
        case .semop:
            // semtimedop takes a relative timeout: zero never sleeps, an invalid one fails EINVAL first.
            if let timeout = subject.deadline?.pointee,
                (timeout.tv_sec == 0 && timeout.tv_nsec == 0) || !(0..<1_000_000_000).contains(timeout.tv_nsec)
            {
                return false
            }
            guard let entries = subject.entries else { return nil }
            return FaultFeasibility.semopSleeps(
                set: subject.identifier,
                UnsafeBufferPointer(start: entries.assumingMemoryBound(to: sembuf.self), count: Int(subject.count)))
        case .msgsnd:
            return FaultFeasibility.messageQueueSleeps(id: subject.identifier, sending: subject.message_size)
        case .msgrcv:
            return FaultFeasibility.messageQueueSleeps(id: subject.identifier, sending: nil)
        case .poll:
            guard let entries = subject.entries else { return nil }
            return FaultFeasibility.pollSleeps(
                UnsafeBufferPointer(start: entries.assumingMemoryBound(to: pollfd.self), count: Int(subject.count)))
        case .mqSend, .mqReceive:
            // A timed call whose deadline has passed returns at once; otherwise the descriptor decides.
            guard let deadline = subject.deadline?.pointee else { return nil }
            return FaultFeasibility.isAhead(deadline) ? nil : false
        default:
            return nil
        }
    }

    /// Operations run on the worker's main thread; its other threads (the one that watches for the driver's
    /// death) are never faulted.
    static var onOperationThread: Bool { ipc_gettid() == getpid() }

    static let decide: ipch_decider = { call, descriptor, count, mayBlock, subject in
        var action = ipch_action(kind: CInt(IPCH_PROCEED.rawValue), error: 0, count: 0, nanoseconds: 0)
        guard onOperationThread, let context = context(call, descriptor, count, mayBlock, subject) else { return action }
        switch FaultInjection.decide(context) {
        case .proceed:
            break
        case .fail(let error):
            action.kind = CInt(IPCH_FAIL.rawValue)
            action.error = error.rawValue
        case .shorten(let limit):
            action.kind = CInt(IPCH_SHORTEN.rawValue)
            action.count = limit
        case .delay(let nanoseconds):
            action.kind = CInt(IPCH_DELAY.rawValue)
            action.nanoseconds = nanoseconds
        }
        return action
    }

    static let interrupted: ipch_interrupted = { call, descriptor, count in
        guard onOperationThread, let context = context(call, descriptor, count, -1) else { return }
        FaultInjection.interrupted(context)
    }
}
