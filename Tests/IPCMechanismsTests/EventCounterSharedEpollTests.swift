import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// One epoll instance shared by two processes over an eventfd: made, with the eventfd, before a `fork` that copied
/// both (the selftest's `epoll59`, where one thread MODs and another waits, and LTP `epoll_wait11`'s shape). The kernel
/// keys a registration by the open file description and the number it was added with, both copied by `fork`, so either
/// process's calls reach the same registration. Judged by the eventfd model with `params` `sharedEpoll`.
@Suite struct EventCounterSharedEpollTests {
    /// (1) `EPOLLET` news is the instance's: after a write the child's wait takes it and the parent's finds none.
    /// (2) The child's MOD re-arms the registration (the eventfd still readable): the parent's wait reports it
    /// (selftest `epoll59`). (3) The child closes its copy of the eventfd: its MOD fails `EBADF` (no such number), the
    /// parent's succeeds, and the child's wait still reports the registration (the description is open in the parent).
    /// (4) The child's exit leaves the instance to the parent.
    @Test func aForkedChildSharesTheInstanceAndItsRegistration() throws {
        let input = KernelEpoll.Events.input.rawValue, edge = input | ipc_epollet()
        var childSaw: [(Int32, Int32, [(CInt, UInt32)])] = []
        var parentSaw: [[KernelEpoll.Event]] = []
        var parentModify = false, exitedCleanly = false
        var counterNumber: CInt = -1
        try Syscall.withoutConcurrentSpawns { () throws in
            let counter = try Syscall.eventCounter(initial: 0, semaphore: false, nonblocking: true)
            let instance = try KernelEpoll.create()
            defer { for descriptor in [counter, instance] { try? Syscall.close(descriptor) } }
            let number = counter.rawValue
            counterNumber = number
            #expect(ipc_epoll_ctl(instance.rawValue, ipc_epoll_ctl_add(), number, edge, 1) == 0)
            let sharer = try PipeSharedEpollTests.Sharer(instance: instance.rawValue)
            func record(_ reply: (result: Int32, errno: Int32, events: [(CInt, UInt32)])) { childSaw.append((reply.result, reply.errno, reply.events)) }
            var one: UInt64 = 1
            #expect(Glibc.write(number, &one, 8) == 8)
            record(sharer.run(3, 4, 10_000))  // (1)
            parentSaw.append(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0))
            record(sharer.run(2, ipc_epoll_ctl_mod(), number, Int32(bitPattern: edge)))  // (2)
            parentSaw.append(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0))
            record(sharer.run(1, number))  // (3)
            record(sharer.run(2, ipc_epoll_ctl_mod(), number, Int32(bitPattern: edge)))
            parentModify = ipc_epoll_ctl(instance.rawValue, ipc_epoll_ctl_mod(), number, edge, 1) == 0
            record(sharer.run(3, 4, 10_000))
            exitedCleanly = sharer.finish()  // (4)
            #expect(ipc_epoll_ctl(instance.rawValue, ipc_epoll_ctl_mod(), number, edge, 1) == 0)
            parentSaw.append(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0))
        }
        let reported = [(counterNumber, input)]
        #expect(childSaw.count == 5)
        guard childSaw.count == 5 else { return }
        #expect(childSaw[0].0 == 1 && childSaw[0].2.elementsEqual(reported, by: ==))
        #expect(parentSaw[0].isEmpty)
        #expect(childSaw[1].0 == 0)
        #expect(parentSaw[1].map(\.descriptor) == [counterNumber])
        #expect(childSaw[2].0 == 0)
        #expect(childSaw[3].0 == -1 && childSaw[3].1 == EBADF)
        #expect(parentModify)
        #expect(childSaw[4].0 == 1 && childSaw[4].2.elementsEqual(reported, by: ==))
        #expect(exitedCleanly)
        #expect(parentSaw[2].map(\.descriptor) == [counterNumber])
    }
}
