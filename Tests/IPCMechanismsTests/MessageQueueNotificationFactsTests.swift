import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// `mq_notify` on this kernel. A registration with `SIGEV_NONE` sends nothing but is used up exactly as a signal one
/// is (`__do_notify` clears the owner for every kind), so whether a notification was delivered shows, in one
/// process, as whether the registration is still there: registering again fails `EBUSY` while it is. (A signal
/// registration's delivery is checked end to end by the workers' `notified` and the posix-mq-notify scenarios: in
/// this multi-threaded test process a process-directed signal could land on any thread.)
@Suite struct MessageQueueNotificationFactsTests {
    func withQueue(_ body: (FileDescriptor, String) throws -> Void) throws {
        let name = "/ipch-test-\(getpid())-notify-\(UInt32.random(in: 0...UInt32.max))"
        let queue = try PosixMessageQueue.create(name, maximumMessages: 4, messageSize: 8)
        defer { try? Syscall.close(queue); try? Syscall.mqUnlink(name) }
        try body(queue, name)
    }

    func registered(_ queue: FileDescriptor) throws -> Bool {
        do {
            try Syscall.mqNotify(queue, .withoutSignal)
        } catch .resourceBusy {
            return true
        }
        try Syscall.mqNotify(queue, nil)  // it was not: take back the registration just made
        return false
    }

    @Test func oneRegistrationAtATimeUsedUpByAMessageArrivingInTheEmptyQueue() throws {
        try withQueue { queue, name in
            let other = try PosixMessageQueue.open(name)
            defer { try? Syscall.close(other) }
            try Syscall.mqNotify(queue, .withoutSignal)
            // Registered: EBUSY for the owner too, through any descriptor.
            #expect(throws: Errno.resourceBusy) { try Syscall.mqNotify(queue, .withoutSignal) }
            #expect(throws: Errno.resourceBusy) { try Syscall.mqNotify(other, .signal(SIGUSR2)) }
            // A message into the empty queue notifies and removes the registration.
            _ = try PosixMessageQueue.send(queue, [1], priority: 0, nonblocking: true)
            #expect(try !registered(queue))
            // Registered while a message is queued: another message (a non-empty queue) leaves it registered...
            try Syscall.mqNotify(queue, .withoutSignal)
            _ = try PosixMessageQueue.send(queue, [2], priority: 0, nonblocking: true)
            #expect(try registered(queue))
            // ...until the queue is emptied and a message arrives again.
            _ = try PosixMessageQueue.receive(queue, maximum: 8, nonblocking: true)
            _ = try PosixMessageQueue.receive(queue, maximum: 8, nonblocking: true)
            #expect(try registered(queue))
            _ = try PosixMessageQueue.send(queue, [3], priority: 0, nonblocking: true)
            #expect(try !registered(queue))
        }
    }

    /// `SIGEV_SIGNAL` with signal 0: the kernel takes it (`valid_signal(0)`; only numbers past 64 are `EINVAL`), it
    /// registers as any other (`EBUSY` after), and a message into the empty queue uses it up sending nothing — no
    /// signal of this thread or process pends (a C probe first). The pending signals are looked at in a process of
    /// their own: in the test process other tests' signals pend and go at any moment (a fresh-clone CI run saw one).
    @Test func signalZeroRegistersAndItsNotificationSendsNothing() async throws {
        try withQueue { queue, _ in
            try Syscall.mqNotify(queue, .signalZero)
            #expect(throws: Errno.resourceBusy) { try Syscall.mqNotify(queue, .withoutSignal) }
            _ = try PosixMessageQueue.send(queue, [1], priority: 0, nonblocking: true)
            #expect(try !registered(queue))
        }
        await #expect(processExitsWith: .success) {
            let name = "/ipch-test-\(getpid())-notify-zero"
            var failed: Int32 = 0
            do throws(Errno) {
                let queue = try PosixMessageQueue.create(name, maximumMessages: 4, messageSize: 8)
                defer { try? Syscall.close(queue); try? Syscall.mqUnlink(name) }  // before the exit below
                let before = try Syscall.pendingSignals()
                try Syscall.mqNotify(queue, .signalZero)
                _ = try PosixMessageQueue.send(queue, [1], priority: 0, nonblocking: true)
                if try Syscall.pendingSignals() != before { failed = 1 }
            } catch { failed = 2 }
            exit(failed)
        }
    }

    @Test func nullRemovesTheOwnersRegistrationAndSoDoesClosingAnyOfItsDescriptors() throws {
        try withQueue { queue, name in
            try Syscall.mqNotify(queue, nil)  // NULL with nobody registered: no error
            try Syscall.mqNotify(queue, .withoutSignal)
            try Syscall.mqNotify(queue, nil)
            #expect(try !registered(queue))
            // Closing a descriptor other than the one registered through removes it too.
            try Syscall.mqNotify(queue, .withoutSignal)
            let other = try PosixMessageQueue.open(name)
            try Syscall.close(other)
            #expect(try !registered(queue))
            #expect(throws: Errno.badFileDescriptor) { try Syscall.mqNotify(other, .withoutSignal) }
        }
    }

    @Test func aMessageHandedToASleepingReceiverNotifiesNoOne() throws {
        try withQueue { queue, _ in
            try Syscall.mqNotify(queue, .withoutSignal)
            let received = Atomic<Int>(0)
            let threadID = Atomic<Int32>(0)
            let thread = OSThread {
                threadID.store(OSThread.currentID, ordering: .sequentiallyConsistent)
                if case .completed? = try? PosixMessageQueue.receive(queue, maximum: 8, nonblocking: false) {
                    received.store(1, ordering: .sequentiallyConsistent)
                }
            }
            // Bounded, so a machine whose /proc does not show the sleep fails rather than hangs; not a timing check.
            let giveUp = ContinuousClock.now + .seconds(120)
            while !(threadID.load(ordering: .sequentiallyConsistent) != 0
                && ProcessInspector.snapshot(of: threadID.load(ordering: .sequentiallyConsistent))?.isAsleepInSyscall == true)
            {
                if ContinuousClock.now > giveUp { break }
                OSThread.yield()
            }
            _ = try PosixMessageQueue.send(queue, [9], priority: 0, nonblocking: true)
            thread.join()
            #expect(received.load(ordering: .sequentiallyConsistent) == 1)
            #expect(try Syscall.mqAttributes(queue).currentMessages == 0)
            #expect(try registered(queue), "the message went to the sleeping receiver: no notification, still registered")
        }
    }

    @Test func aSignalNumberOutOfRangeFailsEINVALBeforeTheDescriptorAndTheRegistration() throws {
        try withQueue { queue, _ in
            #expect(throws: Errno.invalidArgument) { try Syscall.mqNotify(FileDescriptor(rawValue: -1), .signal(999)) }
            try Syscall.mqNotify(queue, .withoutSignal)
            #expect(throws: Errno.invalidArgument) { try Syscall.mqNotify(queue, .signal(999)) }
            #expect(throws: Errno.invalidArgument) { try Syscall.mqNotify(queue, .signal(65)) }
            #expect(throws: Errno.badFileDescriptor) { try Syscall.mqNotify(FileDescriptor(rawValue: -1), .signal(SIGUSR2)) }
            #expect(try registered(queue))
        }
    }

    /// A `sigev_notify` other than `SIGEV_SIGNAL` (0), `SIGEV_NONE` (1) and `SIGEV_THREAD` (2) — 3, `SIGEV_THREAD_ID`
    /// (4), 99, -1 — fails `EINVAL` first: with no descriptor, and on a queue some process is registered for (the
    /// registration stays). The kernel's `do_mq_notify` checks it before anything else (LTP `mq_notify02`).
    @Test(arguments: [Int32(3), 4, 5, 99, -1])
    func anUnknownSigevNotifyFailsEINVALBeforeTheDescriptorAndTheRegistration(how: Int32) throws {
        try withQueue { queue, _ in
            #expect(throws: Errno.invalidArgument) { try Syscall.mqNotify(FileDescriptor(rawValue: -1), .how(how)) }
            #expect(throws: Errno.invalidArgument) { try Syscall.mqNotify(queue, .how(how)) }
            try Syscall.mqNotify(queue, .withoutSignal)
            #expect(throws: Errno.invalidArgument) { try Syscall.mqNotify(queue, .how(how)) }
            #expect(try registered(queue))
        }
    }

    /// `SIGEV_THREAD`: the same one registration at a time (`EBUSY`), used up by a message arriving in the empty
    /// queue; glibc runs the function once, in a thread of its own, some time after the send returned (the test
    /// waits for it, up to 10 s); a later message into the non-empty queue runs nothing more.
    @Test func aThreadNotificationRunsItsFunctionOnceAfterTheSend() throws {
        try withQueue { queue, _ in
            let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
            counter.initialize(to: 0)
            // Not deallocated: glibc's helper thread may outlive the test, and must find it.
            try Syscall.mqNotifyThread(queue, counter: counter)
            #expect(throws: Errno.resourceBusy) { try Syscall.mqNotifyThread(queue, counter: counter) }
            #expect(throws: Errno.resourceBusy) { try Syscall.mqNotify(queue, .withoutSignal) }
            #expect(try PosixMessageQueue.send(queue, [1], priority: 0, nonblocking: true) == .completed(1))
            let clock = ContinuousClock()
            let start = clock.now
            while Syscall.mqThreadNotifications(counter) == 0 && clock.now - start < .seconds(10) { sched_yield() }
            #expect(Syscall.mqThreadNotifications(counter) == 1)
            #expect(try PosixMessageQueue.send(queue, [2], priority: 0, nonblocking: true) == .completed(1))
            // Used up: registering again works (and is removed again with NULL).
            try Syscall.mqNotify(queue, .withoutSignal)
            try Syscall.mqNotify(queue, nil)
            #expect(Syscall.mqThreadNotifications(counter) == 1)
        }
    }
    /// `SIGEV_THREAD`'s function receives the `sigev_value` given at registration (glibc's helper thread passes
    /// `sigev_value` on; Open POSIX's mq_notify thread cases): registered with `sival_int` 4242, the function that runs
    /// after the send into the empty queue is given 4242; registered again with -7, the next one is given -7. (The
    /// test waits for each, up to 10 s.)
    @Test func aThreadNotificationsFunctionReceivesTheRegisteredSigevValue() throws {
        try withQueue { queue, _ in
            let before = Syscall.mqThreadValues().count
            func awaitValues(_ count: Int) -> [Int32] {
                let clock = ContinuousClock()
                let start = clock.now
                while Syscall.mqThreadValues().count < before + count && clock.now - start < .seconds(10) { sched_yield() }
                return Array(Syscall.mqThreadValues().dropFirst(before))
            }
            try Syscall.mqNotifyThread(queue, value: 4242)
            #expect(try PosixMessageQueue.send(queue, [1], priority: 0, nonblocking: true) == .completed(1))
            #expect(awaitValues(1) == [4242])
            _ = try PosixMessageQueue.receive(queue, maximum: 8, nonblocking: true)
            try Syscall.mqNotifyThread(queue, value: -7)
            #expect(try PosixMessageQueue.send(queue, [2], priority: 0, nonblocking: true) == .completed(1))
            #expect(awaitValues(2) == [4242, -7])
        }
    }

    /// What a `SIGEV_SIGNAL` notification's `siginfo_t` tells, measured in a forked single-threaded child (in the
    /// test process the signal could land on any thread): `si_code` `SI_MESGQ`, `si_pid` the process whose send put
    /// the message in the empty queue — a grandchild, not the registered process — and `si_value` the registration's
    /// `sigev_value` (4242). A C probe saw `si_uid` the sender's user too (1000 after its `setuid`). The model's
    /// `notified` tells the same.
    @Test func aSignalNotificationNamesItsSenderAndCarriesTheRegistrationsValue() async throws {
        await #expect(processExitsWith: .success) {
            let signal = Syscall.realtimeSignalMinimum + 7
            let name = "/ipch-test-\(getpid())-notify-info"
            // The child (and its sender) make only C calls: forked from a threaded process, they must not enter the
            // Swift runtime. It exits 0 when the signal's si_code was SI_MESGQ, its si_pid the sender's and its value
            // 4242; else 1-4 (ipc_child_mq_signal_notification).
            var status: CInt = 0
            let reaped = name.withCString { cName in
                let child = fork()
                if child == 0 { _exit(ipc_child_mq_signal_notification(cName, signal, 4242, 1000)) }
                return waitpid(child, &status, 0) == child
            }
            guard reaped, status == 0 else { exit(5) }
            let model = PosixMessageQueueModel(queues: [("q", .init(maxMessages: 4, messageSize: 8, holders: [1, 2], permissions: Permissions(users: [2: .init(uid: 1000)])))])
            var state = model.initialState(of: "q")
            for input: PosixMessageQueueModel.Input in [.notify(process: 1, register: true, value: 4242), .send(process: 2, data: [1], priority: 0, nonblocking: true, timeout: nil)] {
                guard let next = model.transitions(state, input).first?.state else { exit(6) }
                state = next
            }
            let taken = model.transitions(state, .takeNotifications(process: 1)).map(\.output)
            guard taken == [.notifications(1, deliveries: [.init(sender: 2, value: 4242, uid: 1000)])] else { exit(7) }
        }
    }
}
