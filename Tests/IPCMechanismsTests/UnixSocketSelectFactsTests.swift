import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `select` on one Unix socket, measured against `poll` on the same socket in the same state: readable exactly when
/// `poll` reports `POLLIN`, `POLLHUP` or `POLLERR`; writable exactly when it reports `POLLOUT` or `POLLERR` (the
/// kernel's `POLLIN_SET` and `POLLOUT_SET`). In every state a Unix socket reaches here `POLLHUP` and `POLLERR` come
/// with `POLLIN` (a stream or seqpacket peer's close shuts the receiving side) and `POLLERR` with `POLLOUT` (the
/// peer's close frees what this socket had queued there), so `select` is readable exactly on `POLLIN` and writable
/// exactly on `POLLOUT` — measured: a version expecting `POLLERR` alone to make a full socket writable could not be
/// told apart, so the model may treat the sets as `POLLIN` and `POLLOUT`. Exceptional (`POLLPRI`, `MSG_OOB`): never.
@Suite struct UnixSocketSelectFactsTests {
    typealias Events = KernelUnixSocket.PollEvents

    func expectSelectAgreesWithPoll(_ socket: FileDescriptor, _ label: String) throws {
        let mask = try KernelUnixSocket.poll(socket, events: [.input, .output], timeout: 0)
        let hangUpOrError = Events(rawValue: CShort(POLLHUP | POLLERR))
        let readable = !mask.intersection(Events.input.union(hangUpOrError)).isEmpty
        let writable = !mask.intersection(Events.output.union(Events(rawValue: CShort(POLLERR)))).isEmpty
        let selected = try Syscall.select(socket, read: true, write: true, timeoutMilliseconds: 0)
        #expect(selected.readable == readable, "\(label): poll \(mask.rawValue)")
        #expect(selected.writable == writable, "\(label): poll \(mask.rawValue)")
        let readOnly = try Syscall.select(socket, read: true, write: false, timeoutMilliseconds: 0)
        #expect(readOnly.readable == readable && !readOnly.writable, "\(label)")
    }

    /// A fresh pair's end (writable only), with a message queued (readable too), with its send buffer full (not
    /// writable), after the peer closed with unread bytes (stream and seqpacket: `POLLERR`, readable, and writable
    /// again: the peer's queue is freed), and after its own `SHUT_RD`.
    @Test(arguments: UnixSocketType.allCases)
    func selectIsThePollMaskFolded(type: UnixSocketType) throws {
        // b's close must be the last (a spawn's child holding a copy keeps the peer open): held off from spawns.
        try Syscall.withoutConcurrentSpawns { () throws in try measureFolded(type) }
    }

    private func measureFolded(_ type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        var open = [a, b]
        defer { for socket in open { try? Syscall.close(socket) } }
        try expectSelectAgreesWithPoll(a, "fresh")
        #expect(try Syscall.select(a, read: true, write: true, timeoutMilliseconds: 0) == (false, true))
        _ = try Syscall.sendMessage(b, [1, 2, 3])
        try expectSelectAgreesWithPoll(a, "queued")
        #expect(try Syscall.select(a, read: true, write: true, timeoutMilliseconds: 0) == (true, true))
        // Fill a's send buffer (b does not read).
        while (try? Syscall.sendMessage(a, [UInt8](repeating: 7, count: 1024), flags: Syscall.MessageFlags.dontWait)) != nil {}
        try expectSelectAgreesWithPoll(a, "full")
        #expect(try Syscall.select(a, read: true, write: true, timeoutMilliseconds: 0).writable == false)
        // b closes with unread bytes.
        open.removeAll { $0 == b }
        try Syscall.close(b)
        try expectSelectAgreesWithPoll(a, "peer closed")
        if type != .dgram {
            #expect(try Syscall.select(a, read: true, write: true, timeoutMilliseconds: 0) == (true, true))
        }
        let (c, d) = try KernelUnixSocket.pair(type)
        open += [c, d]
        try Syscall.shutdown(c, how: CInt(SHUT_RD))
        try expectSelectAgreesWithPoll(c, "own SHUT_RD")
        #expect(try Syscall.select(c, read: true, write: false, timeoutMilliseconds: 0).readable)
    }

    /// A listener: readable while a connection waits, never writable.
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func aListenerIsReadableWithAConnectionWaiting(type: UnixSocketType) throws {
        let address = UnixAddress.abstract("ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-select")
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 2)
        var open = [listener]
        defer { for socket in open { try? Syscall.close(socket) } }
        try expectSelectAgreesWithPoll(listener, "idle listener")
        #expect(try Syscall.select(listener, read: true, write: true, timeoutMilliseconds: 0) == (false, false))
        guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else {
            Issue.record("no connection")
            return
        }
        open.append(client)
        try expectSelectAgreesWithPoll(listener, "connection waiting")
        #expect(try Syscall.select(listener, read: true, write: true, timeoutMilliseconds: 0) == (true, false))
    }
}
