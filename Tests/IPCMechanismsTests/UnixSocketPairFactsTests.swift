import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// `socketpair` for `AF_UNIX`, `AF_UNSPEC`, `AF_INET` and families out of range, measured on this kernel (the cases
/// of LTP's `socketpair01` and `socketpair02`), and the `unix-socket` model's `createdPair` against it for random
/// arguments.
@Suite struct UnixSocketPairFactsTests {
    /// The pair's type and both ends' `O_NONBLOCK` and `FD_CLOEXEC`, or the error.
    func pair(_ domain: CInt, _ type: CInt, _ number: CInt) -> String {
        do throws(Errno) {
            let (first, second) = try Syscall.socketPair(domain: domain, type: type, protocol: number)
            defer { for end in [first, second] { try? Syscall.close(end) } }
            var ends: [String] = []
            for end in [first, second] {
                let nonblocking = try Syscall.statusFlags(end) & O_NONBLOCK != 0
                ends.append("type \(try Syscall.socketOption(end, SO_TYPE))\(nonblocking ? " nonblocking" : "")\(try Syscall.closesOnExec(end) ? " cloexec" : "")")
            }
            return ends[0] == ends[1] ? ends[0] : ends.joined(separator: " / ")
        } catch { return error.name }
    }

    @Test func theErrorsAndTheirOrder() {
        #expect(pair(AF_UNIX, 1, 0) == "type 1")
        #expect(pair(AF_UNIX, 2, 0) == "type 2")
        #expect(pair(AF_UNIX, 5, 1) == "type 5")
        #expect(pair(AF_UNIX, 3, 0) == "type 2")  // SOCK_RAW makes a datagram pair
        #expect(pair(AF_UNIX, 1 | 0x800, 0) == "type 1 nonblocking")  // both ends
        #expect(pair(AF_UNIX, 2 | 0x80000, 0) == "type 2 cloexec")
        #expect(pair(AF_UNIX, 5 | 0x800 | 0x80000, 0) == "type 5 nonblocking cloexec")
        #expect(pair(AF_UNIX, 4, 0) == "ESOCKTNOSUPPORT")
        #expect(pair(AF_UNIX, 1, 6) == "EPROTONOSUPPORT")
        #expect(pair(AF_UNIX, 4, 5) == "EPROTONOSUPPORT")  // the protocol before the type
        #expect(pair(AF_UNIX, 11, 5) == "EINVAL")  // a type out of range before the protocol
        #expect(pair(AF_UNIX, 1 | 0x100, 0) == "EINVAL")  // an unknown flag
        #expect(pair(AF_UNSPEC, 1, 0) == "EAFNOSUPPORT")  // in range, but no family registers it
        #expect(pair(AF_UNSPEC, 11, 0) == "EINVAL")  // the type's range before the family's lookup
        #expect(pair(100, 11, 0) == "EAFNOSUPPORT")  // a family out of range before the type's range
        #expect(pair(-1, 1, 0) == "EAFNOSUPPORT")
        #expect(pair(100, 1 | 0x100, 0) == "EINVAL")  // flags first
        #expect(pair(AF_INET, 1, 0) == "EOPNOTSUPP")  // TCP has no socketpair
        #expect(pair(AF_INET, 1, 6) == "EOPNOTSUPP")
        #expect(pair(AF_INET, 1, 17) == "EPROTONOSUPPORT")
        #expect(pair(AF_INET, 2, 0) == "EOPNOTSUPP")  // nor UDP
        #expect(pair(AF_INET, 2, 17) == "EOPNOTSUPP")
        #expect(pair(AF_INET, 2, 6) == "EPROTONOSUPPORT")
        #expect(pair(AF_INET, 12, 0) == "EINVAL")
        // AF_INET's own checks (inet_create), LTP socketpair01's "raw open as non-root" and "ICMP stream": a raw
        // socket of protocol 0 matches no entry, for anyone (also as uid 65534: a C probe under setpriv); a stream
        // of ICMP's protocol neither; a protocol outside 0..<IPPROTO_MAX is EINVAL first, whatever the type.
        #expect(pair(AF_INET, 3, 0) == "EPROTONOSUPPORT")
        #expect(pair(AF_INET, 1, 1) == "EPROTONOSUPPORT")
        #expect(pair(AF_INET, 1, 255) == "EPROTONOSUPPORT")
        #expect(pair(AF_INET, 3, 263) == "EINVAL")
        #expect(pair(AF_INET, 3, -1) == "EINVAL")
        #expect(pair(AF_INET, 1, 263) == "EINVAL")
        #expect(pair(AF_INET, 2, -5) == "EINVAL")
        // A raw socket of a protocol is made with CAP_NET_RAW (root here) and has no socketpair; without it EPERM
        // (uid 65534 under setpriv, a C probe).
        #expect(pair(AF_INET, 3, 1) == (getuid() == 0 ? "EOPNOTSUPP" : "EPERM"))
        #expect(pair(AF_INET, 3, 255) == (getuid() == 0 ? "EOPNOTSUPP" : "EPERM"))
    }

    /// Two descriptor numbers are taken right after the flags are checked: with one free number, or none, every
    /// call with good flags fails `EMFILE` — a family out of range, a bad protocol and `AF_INET` too. Exit test:
    /// it lowers `RLIMIT_NOFILE`. The table is filled right before each call (every free number below the limit
    /// dup'd, then `free` of them closed): the exit test's own threads may close a descriptor of theirs at any
    /// moment, which once left a second number free under load; a call that still finds one is tried again.
    @Test func aFullTableFailsEMFILEBeforeTheArguments() async {
        await #expect(processExitsWith: .success) {
            var limit = rlimit()
            getrlimit(CInt(RLIMIT_NOFILE.rawValue), &limit)
            limit.rlim_cur = 256
            guard setrlimit(CInt(RLIMIT_NOFILE.rawValue), &limit) == 0 else { exit(3) }
            /// The call's result with exactly `free` numbers free below the limit.
            func withFree(_ free: Int, _ call: () -> String) -> String {
                var held: [CInt] = []
                while case let copy = dup(2), copy >= 0 { held.append(copy) }
                for _ in 0..<free { if let last = held.popLast() { close(last) } }
                defer { for copy in held { close(copy) } }
                return call()
            }
            let tester = UnixSocketPairFactsTests()
            for free in [1, 0] {
                for (domain, type, number) in [(AF_UNIX, CInt(1), CInt(0)), (100, 1, 0), (AF_UNIX, 4, 0), (AF_UNIX, 1, 6), (AF_INET, 1, 0), (AF_UNIX, 11, 0)] {
                    let results = (0..<3).lazy.map { _ in withFree(free) { tester.pair(domain, type, number) } }
                    guard results.contains("EMFILE") else { exit(4) }
                }
                guard withFree(free, { tester.pair(AF_UNIX, 1 | 0x100, 0) }) == "EINVAL" else { exit(5) }
            }
        }
    }

    /// Every `AF_INET` type and protocol the model judges, of a sweep: the random arguments meet a raw socket's
    /// protocol 0 too seldom to stand in for it.
    @Test func theModelAgreesOnAnInternetSweep() {
        let judged = SocketCreationAgreement.sweep(types: Array(0...12), judges: UnixSocketModel.judgesPair, check: expectAgreement)
        #expect(judged > 40)
    }

    func expectAgreement(domain: Int, type: Int, number: Int) {
        let kernel = pair(CInt(domain), CInt(type), CInt(number))
        let model = SocketCreationAgreement.text(UnixSocketModel.createdPair(domain: domain, type: type, protocol: number))
        // Without CAP_NET_RAW a raw socket's pair is EPERM instead (the model allows both: a trace has no capabilities).
        let other = UnixSocketModel.withoutCapabilities(domain: domain, type: type, protocol: number).map(SocketCreationAgreement.text)
        #expect(kernel == model || kernel == other, "socketpair(\(domain), \(type), \(number)): kernel \(kernel), model \(model)")
    }

    @Test func theModelAgreesForRandomArguments() async {
        let domain = Gen.oneOf(
            Gen.always(1).eraseToAny(), Gen.always(0).eraseToAny(), Gen.always(2).eraseToAny(), Gen.int(in: 46...200).eraseToAny(),
            Gen.int(in: -3...(-1)).eraseToAny())
        let type = Gen.oneOf(
            Gen.int(in: 0...16).eraseToAny(), Gen.int(in: 0...16).map { $0 | 0x800 }.eraseToAny(),
            Gen.int(in: 0...16).map { $0 | 0x80000 | 0x800 }.eraseToAny(), Gen.int(in: 0...0x1000).eraseToAny())
        let number = Gen.oneOf(
            Gen.int(in: -1...3).eraseToAny(), Gen.always(6).eraseToAny(), Gen.always(17).eraseToAny(),
            Gen.int(in: 250...265).eraseToAny())
        var judged = 0
        await checkProperty(count: 400, input: zip(domain, type, number)) { domain, type, number in
            guard UnixSocketModel.judgesPair(domain: domain, type: type, protocol: number) else { return }
            judged += 1
            expectAgreement(domain: domain, type: type, number: number)
        }
        #expect(judged > 100)
    }
}
