import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Epoll instances as targets of other instances (`fs/eventpoll.c` of Linux 6.18: `ep_loop_check`, `__ep_eventpoll_poll`,
/// `ep_poll_safewake`), measured on pipes; LTP's epoll_ctl03..05 and epoll_wait nesting are the checklist. The pipes are
/// `O_NONBLOCK`; every wait has a zero timeout. What the pipe model makes of it: ``PipeModel+NestedEpoll``.
@Suite struct EpollNestingFactsTests {
    typealias Events = KernelEpoll.Events
    static let readNormal = Events(rawValue: 0x040)
    static let inner: Events = [.input, readNormal]

    /// A pipe and instances a test owns, closed when it goes.
    final class Fixture {
        let readEnd: CInt, writeEnd: CInt
        private var descriptors: [CInt] = []

        init() throws {
            Syscall.ignoreBrokenPipeSignal()
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            self.readEnd = readEnd.rawValue
            self.writeEnd = writeEnd.rawValue
            descriptors = [self.readEnd, self.writeEnd]
        }

        func instance() throws -> CInt {
            let made = try KernelEpoll.create().rawValue
            descriptors.append(made)
            return made
        }

        deinit { for descriptor in descriptors { Glibc.close(descriptor) } }

        /// `epoll_ctl`: nil when it succeeded, else its error.
        func ctl(_ instance: CInt, _ operation: CInt, _ target: CInt, _ events: Events) -> Errno? {
            do throws(Errno) { try KernelEpoll.control(instance, operation, target, events: events); return nil } catch { return error }
        }

        /// A zero-timeout wait's reports as (descriptor, bits), the descriptor being the registration's target.
        func reported(_ instance: CInt) throws -> [KernelEpoll.Event] {
            try KernelEpoll.wait(instance, maxEvents: 16, timeoutMilliseconds: 0)
        }

        func write(_ count: Int = 1) {
            let bytes = [UInt8](repeating: 7, count: count)
            #expect(bytes.withUnsafeBytes { Glibc.write(writeEnd, $0.baseAddress, count) } == count)
        }

        func drain() {
            var bytes = [UInt8](repeating: 0, count: 65536)
            _ = bytes.withUnsafeMutableBytes { Glibc.read(readEnd, $0.baseAddress, 65536) }
        }
    }

    static let loop = Errno(rawValue: ELOOP)

    /// An instance polls `EPOLLIN | EPOLLRDNORM` while it holds a ready registration — never `EPOLLOUT`, though the
    /// registration it holds is a write end asking `EPOLLOUT` and the outer one asks every bit; nothing while empty.
    @Test func anInstanceReportsInputAndReadNormalOnly() throws {
        let fixture = try Fixture()
        let outer = try fixture.instance(), inner = try fixture.instance()
        #expect(fixture.ctl(outer, KernelEpoll.add, inner, [.input, .output, Self.readNormal, .readHangUp, Events(rawValue: 0x002), Events(rawValue: 0x100)]) == nil)
        #expect(try fixture.reported(outer).isEmpty)
        #expect(fixture.ctl(inner, KernelEpoll.add, fixture.readEnd, .input) == nil)
        #expect(try fixture.reported(outer).isEmpty)
        fixture.write()
        #expect(try fixture.reported(outer) == [.init(descriptor: inner, events: Self.inner)])
        fixture.drain()
        #expect(try fixture.reported(outer).isEmpty)
        #expect(fixture.ctl(inner, KernelEpoll.add, fixture.writeEnd, .output) == nil)
        #expect(try fixture.reported(outer) == [.init(descriptor: inner, events: Self.inner)])
        // Asked only EPOLLOUT, the outer registration reports nothing of a ready inner instance.
        #expect(fixture.ctl(outer, KernelEpoll.modify, inner, .output) == nil)
        #expect(try fixture.reported(outer).isEmpty)
    }

    /// The outer wait only polls the inner instance: the inner `EPOLLET` and `EPOLLONESHOT` registrations still report
    /// to the inner wait afterwards, and once they have, the inner instance is no longer ready.
    @Test func theOuterWaitConsumesNothingOfTheInner() throws {
        let fixture = try Fixture()
        let outer = try fixture.instance(), inner = try fixture.instance()
        #expect(fixture.ctl(outer, KernelEpoll.add, inner, .input) == nil)
        for events: Events in [[.input, .edgeTriggered], [.input, .oneShot]] {
            #expect(fixture.ctl(inner, KernelEpoll.add, fixture.readEnd, events) == nil)
            #expect(try fixture.reported(outer).isEmpty)
            fixture.write()
            #expect(try fixture.reported(outer) == [.init(descriptor: inner, events: .input)])
            #expect(try fixture.reported(outer) == [.init(descriptor: inner, events: .input)])
            #expect(try fixture.reported(inner) == [.init(descriptor: fixture.readEnd, events: .input)])
            #expect(try fixture.reported(outer).isEmpty)  // bytes still buffered: the inner item is off its list
            #expect(try fixture.reported(inner).isEmpty)
            #expect(fixture.ctl(inner, KernelEpoll.delete, fixture.readEnd, []) == nil)
            fixture.drain()
        }
        // Level-triggered inside, the inner wait leaves it ready.
        #expect(fixture.ctl(inner, KernelEpoll.add, fixture.readEnd, .input) == nil)
        fixture.write()
        #expect(try fixture.reported(inner) == [.init(descriptor: fixture.readEnd, events: .input)])
        #expect(try fixture.reported(outer) == [.init(descriptor: inner, events: .input)])
    }

    /// An `EPOLLET` registration of an instance: its ADD or MOD while the inner one is empty reports nothing; each wake
    /// an inner registration hears (a write, even while the inner instance was ready already) is news once; the inner
    /// instance's own wait is none. An ADD of a ready end into the inner instance is news; a MOD of one already on the
    /// inner ready list is not. `EPOLLONESHOT` reports once, until MOD.
    @Test func anEdgeTriggeredInstanceHearsTheInnerWakes() throws {
        let fixture = try Fixture()
        let outer = try fixture.instance(), inner = try fixture.instance()
        #expect(fixture.ctl(outer, KernelEpoll.add, inner, [.input, .edgeTriggered]) == nil)
        #expect(fixture.ctl(inner, KernelEpoll.add, fixture.readEnd, .input) == nil)
        #expect(try fixture.reported(outer).isEmpty)
        fixture.write()
        #expect(try fixture.reported(outer) == [.init(descriptor: inner, events: .input)])
        #expect(try fixture.reported(outer).isEmpty)
        fixture.write()
        #expect(try fixture.reported(outer) == [.init(descriptor: inner, events: .input)])
        #expect(try fixture.reported(inner) == [.init(descriptor: fixture.readEnd, events: .input)])
        #expect(try fixture.reported(outer).isEmpty)
        #expect(fixture.ctl(inner, KernelEpoll.modify, fixture.readEnd, .input) == nil)  // on the inner list already
        #expect(try fixture.reported(outer).isEmpty)
        #expect(fixture.ctl(inner, KernelEpoll.add, fixture.writeEnd, .output) == nil)  // ready at its ADD
        #expect(try fixture.reported(outer) == [.init(descriptor: inner, events: .input)])
        #expect(fixture.ctl(outer, KernelEpoll.modify, inner, [.input, .oneShot]) == nil)
        #expect(try fixture.reported(outer) == [.init(descriptor: inner, events: .input)])
        #expect(try fixture.reported(outer).isEmpty)
        fixture.write()
        #expect(try fixture.reported(outer).isEmpty)
        #expect(fixture.ctl(outer, KernelEpoll.modify, inner, .input) == nil)
        #expect(try fixture.reported(outer) == [.init(descriptor: inner, events: .input)])
    }

    /// Asking `EPOLLRDNORM` without `EPOLLIN`, the outer registration misses the wake an ADD into the inner instance
    /// makes (its key is `EPOLLIN` alone): the inner instance is ready and nothing is reported.
    @Test func withoutEPOLLINTheOuterMissesAnAddsWake() throws {
        let fixture = try Fixture()
        let outer = try fixture.instance(), inner = try fixture.instance()
        #expect(fixture.ctl(outer, KernelEpoll.add, inner, Self.readNormal) == nil)
        fixture.write()
        #expect(fixture.ctl(inner, KernelEpoll.add, fixture.readEnd, .input) == nil)
        #expect(try fixture.reported(inner) == [.init(descriptor: fixture.readEnd, events: .input)])
        #expect(try fixture.reported(outer).isEmpty)
    }

    /// `epoll_ctl`'s errors for an instance as the target: itself `EINVAL`; `EPOLLEXCLUSIVE` with ADD `EINVAL` (before
    /// `EEXIST` and `ELOOP`), with MOD `EINVAL`; a cycle of two or three `ELOOP` (before `EEXIST`, which the model
    /// cannot tell apart: a registered pair never loops), gone after DEL; ADD twice `EEXIST`.
    @Test func loopsAndSelf() throws {
        let fixture = try Fixture()
        let a = try fixture.instance(), b = try fixture.instance(), c = try fixture.instance()
        #expect(fixture.ctl(a, KernelEpoll.add, a, .input) == .invalidArgument)
        #expect(fixture.ctl(a, KernelEpoll.add, b, [.input, .exclusive]) == .invalidArgument)
        #expect(fixture.ctl(a, KernelEpoll.add, b, .input) == nil)
        #expect(fixture.ctl(a, KernelEpoll.add, b, .input) == .fileExists)
        #expect(fixture.ctl(a, KernelEpoll.add, b, [.input, .exclusive]) == .invalidArgument)
        #expect(fixture.ctl(a, KernelEpoll.modify, b, [.input, .exclusive]) == .invalidArgument)
        #expect(fixture.ctl(b, KernelEpoll.add, a, .input) == Self.loop)
        #expect(fixture.ctl(b, KernelEpoll.add, a, [.input, .exclusive]) == .invalidArgument)
        #expect(fixture.ctl(b, KernelEpoll.add, c, .input) == nil)
        #expect(fixture.ctl(c, KernelEpoll.add, a, .input) == Self.loop)
        #expect(fixture.ctl(c, KernelEpoll.modify, a, .input) == .noSuchFileOrDirectory)  // MOD and DEL check no loop
        #expect(fixture.ctl(a, KernelEpoll.delete, b, []) == nil)
        #expect(fixture.ctl(c, KernelEpoll.add, a, .input) == nil)
        #expect(fixture.ctl(b, KernelEpoll.add, c, .input) == .fileExists)
    }

    /// `EP_MAX_NESTS` (4): a chain may have 4 links (5 instances), not 5, whether it grows downward or upward; the
    /// limit counts the longest path below the target plus the longest above the instance, plus the new link.
    @Test func theDepthLimitCountsBothWays() throws {
        let fixture = try Fixture()
        let down = try (0..<6).map { _ in try fixture.instance() }
        for index in 1..<5 { #expect(fixture.ctl(down[index - 1], KernelEpoll.add, down[index], .input) == nil) }
        #expect(fixture.ctl(down[4], KernelEpoll.add, down[5], .input) == Self.loop)
        let up = try (0..<6).map { _ in try fixture.instance() }
        for index in (1..<5).reversed() { #expect(fixture.ctl(up[index], KernelEpoll.add, up[index + 1], .input) == nil) }
        #expect(fixture.ctl(up[0], KernelEpoll.add, up[1], .input) == Self.loop)
        // Above S: R1 → R2 → R3 → S and T → S; the longest (3) counts.
        let r = try (0..<3).map { _ in try fixture.instance() }
        let s = try fixture.instance(), t = try fixture.instance(), u = try fixture.instance(), v = try fixture.instance()
        #expect(fixture.ctl(r[0], KernelEpoll.add, r[1], .input) == nil)
        #expect(fixture.ctl(r[1], KernelEpoll.add, r[2], .input) == nil)
        #expect(fixture.ctl(r[2], KernelEpoll.add, s, .input) == nil)
        #expect(fixture.ctl(t, KernelEpoll.add, s, .input) == nil)
        #expect(fixture.ctl(s, KernelEpoll.add, u, .input) == nil)
        #expect(fixture.ctl(u, KernelEpoll.add, v, .input) == Self.loop)
        // Below X: X → Y1 → Y2 → Y3 and X → Z; the longest (3) counts.
        let x = try fixture.instance(), z = try fixture.instance(), w = try fixture.instance(), w2 = try fixture.instance()
        let y = try (0..<3).map { _ in try fixture.instance() }
        #expect(fixture.ctl(x, KernelEpoll.add, z, .input) == nil)
        #expect(fixture.ctl(x, KernelEpoll.add, y[0], .input) == nil)
        #expect(fixture.ctl(y[0], KernelEpoll.add, y[1], .input) == nil)
        #expect(fixture.ctl(y[1], KernelEpoll.add, y[2], .input) == nil)
        #expect(fixture.ctl(w, KernelEpoll.add, x, .input) == nil)
        #expect(fixture.ctl(w2, KernelEpoll.add, w, .input) == Self.loop)
    }

    /// Closing an inner instance's only descriptor removes it from the outer one (it reported before, nothing after).
    /// In an exit test: a close is the last only where no other test's child holds a copy.
    @Test func closingAnInnerInstanceRemovesIt() async {
        await #expect(processExitsWith: .exitCode(0)) {
            guard let (readEnd, writeEnd) = try? Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK) else { exit(10) }
            guard let outer = try? KernelEpoll.create().rawValue, let inner = try? KernelEpoll.create().rawValue else { exit(11) }
            guard (try? KernelEpoll.control(outer, KernelEpoll.add, inner, events: .input)) != nil else { exit(12) }
            guard (try? KernelEpoll.control(inner, KernelEpoll.add, readEnd.rawValue, events: .input)) != nil else { exit(13) }
            var byte: UInt8 = 1
            guard Glibc.write(writeEnd.rawValue, &byte, 1) == 1 else { exit(14) }
            guard (try? KernelEpoll.wait(outer, maxEvents: 4, timeoutMilliseconds: 0))?.count == 1 else { exit(15) }
            Glibc.close(inner)
            guard (try? KernelEpoll.wait(outer, maxEvents: 4, timeoutMilliseconds: 0))?.isEmpty == true else { exit(16) }
            exit(0)
        }
    }
}
