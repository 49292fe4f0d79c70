import Foundation
import IPCModels
import Testing

@testable import IPCHarness

/// `setsockopt`/`getsockopt` of `SO_RCVTIMEO` and `SO_SNDTIMEO` on socket pairs, in a log strace wrote here
/// (`strace -f -ttt -T -yy -xx -X raw -s 1048576`) of a small C program: the lines are copied as strace printed them
/// (the dynamic loader's left out). They are the unix-socket model's operations (`StraceSimulation+SocketOptions.swift`).
@Suite struct StraceImportSocketOptionTests {
    /// A stream pair: end b gets a 20 ms `SO_RCVTIMEO` (`getsockopt` reads 20000 µs back), a receive on it times out
    /// (`EAGAIN` after 20 ms, no `O_NONBLOCK`), a receive after a write reads "hi"; the timeout is set back to 0/0 (none,
    /// read back so). A datagram pair: `SO_SNDTIMEO` of 1000000 µs fails `EDOM`, of 1 µs is read back rounded up to the
    /// tick (4000 µs: `CONFIG_HZ=250`); twenty 1-byte datagrams go (a pair's peer queue limit never holds), one is read.
    /// strace 6.1 prints each `timeval` as its 16 bytes.
    static let socketTimeouts = #"""
        7185  1796615584.244326 socketpair(0x1, 0x1, 0, [3<UNIX-STREAM:[12173786->12173787]>, 4<UNIX-STREAM:[12173787->12173786]>]) = 0 <0.000021>
        7185  1796615584.244451 setsockopt(4<UNIX-STREAM:[12173787->12173786]>, 0x1, 0x14, "\x00\x00\x00\x00\x00\x00\x00\x00\x20\x4e\x00\x00\x00\x00\x00\x00", 16) = 0 <0.000009>
        7185  1796615584.244487 getsockopt(4<UNIX-STREAM:[12173787->12173786]>, 0x1, 0x14, "\x00\x00\x00\x00\x00\x00\x00\x00\x20\x4e\x00\x00\x00\x00\x00\x00", [16]) = 0 <0.000008>
        7185  1796615584.244520 recvfrom(4<UNIX-STREAM:[12173787->12173786]>, 0x7fffc0f68e14, 8, 0, NULL, NULL) = -1 EAGAIN (Resource temporarily unavailable) <0.020448>
        7185  1796615584.265041 write(3<UNIX-STREAM:[12173786->12173787]>, "\x68\x69", 2) = 2 <0.000013>
        7185  1796615584.265119 recvfrom(4<UNIX-STREAM:[12173787->12173786]>, "\x68\x69", 8, 0, NULL, NULL) = 2 <0.000011>
        7185  1796615584.265167 setsockopt(4<UNIX-STREAM:[12173787->12173786]>, 0x1, 0x14, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 16) = 0 <0.000009>
        7185  1796615584.265202 getsockopt(4<UNIX-STREAM:[12173787->12173786]>, 0x1, 0x14, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", [16]) = 0 <0.000008>
        7185  1796615584.265238 close(3<UNIX-STREAM:[12173786->12173787]>) = 0 <0.000016>
        7185  1796615584.265276 close(4<UNIX-STREAM:[12173787->12173786]>) = 0 <0.000013>
        7185  1796615584.265310 socketpair(0x1, 0x2, 0, [3<UNIX:[12173791->12173792]>, 4<UNIX:[12173792->12173791]>]) = 0 <0.000018>
        7185  1796615584.265406 setsockopt(3<UNIX:[12173791->12173792]>, 0x1, 0x15, "\x00\x00\x00\x00\x00\x00\x00\x00\x40\x42\x0f\x00\x00\x00\x00\x00", 16) = -1 EDOM (Numerical argument out of domain) <0.000008>
        7185  1796615584.265440 setsockopt(3<UNIX:[12173791->12173792]>, 0x1, 0x15, "\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00", 16) = 0 <0.000007>
        7185  1796615584.265470 getsockopt(3<UNIX:[12173791->12173792]>, 0x1, 0x15, "\x00\x00\x00\x00\x00\x00\x00\x00\xa0\x0f\x00\x00\x00\x00\x00\x00", [16]) = 0 <0.000008>
        7185  1796615584.265504 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000010>
        7185  1796615584.265542 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.265577 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.265622 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000008>
        7185  1796615584.265657 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000008>
        7185  1796615584.265721 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000010>
        7185  1796615584.265762 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.265798 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.265833 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.265868 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.265903 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.265939 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.265974 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.266009 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000008>
        7185  1796615584.266044 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.266079 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000008>
        7185  1796615584.266114 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000010>
        7185  1796615584.266150 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000009>
        7185  1796615584.266185 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000010>
        7185  1796615584.266220 sendto(3<UNIX:[12173791->12173792]>, "\x64", 1, 0, NULL, 0) = 1 <0.000008>
        7185  1796615584.266255 recvfrom(4<UNIX:[12173792->12173791]>, "\x64", 8, 0, NULL, NULL) = 1 <0.000009>
        7185  1796615584.266291 close(3<UNIX:[12173791->12173792]>) = 0 <0.000010>
        7185  1796615584.266322 close(4<UNIX:[12173792->12173791]>) = 0 <0.000017>
        7185  1796615584.266370 exit_group(0)   = ?
        7185  1796615584.266482 +++ exited with 0 +++
        """#

    static func invocations(_ trace: Trace, _ f: String) -> [JSONValue?] {
        trace.events.filter { $0.type == .invoke && $0.f == f }.map(\.value)
    }

    @Test func socketTimeoutsAreTheUnixSocketModelsAndATimedOutReceiveIsJudged() throws {
        let trace = try StraceImportTests.convert(Self.socketTimeouts)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        #expect(Self.invocations(trace, "setsockopt") == [
            ["end": "b", "option": "SO_RCVTIMEO", "value": ["sec": 0, "usec": 20000]],
            ["end": "b", "option": "SO_RCVTIMEO", "value": ["sec": 0, "usec": 0]],
            ["end": "a", "option": "SO_SNDTIMEO", "value": ["sec": 0, "usec": 1_000_000]],
            ["end": "a", "option": "SO_SNDTIMEO", "value": ["sec": 0, "usec": 1]],
        ])
        let reports = trace.events.filter { $0.type == .ok && $0.f == "getsockopt" }.map(\.value)
        #expect(reports == [["value": ["sec": 0, "usec": 20000]], ["value": ["sec": 0, "usec": 0]], ["value": ["sec": 0, "usec": 4000]]])
        #expect(trace.events.contains { $0.type == .fail && $0.f == "setsockopt" && $0.error == "EDOM" })
        #expect(trace.events.contains { $0.type == .fail && $0.f == "receive" && $0.error == "EAGAIN" })
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .ok, "\(report.explanation)")
    }

    /// Edited into what the kernel does not do, each is rejected: the receive timing out with no timeout set (the
    /// `setsockopt` taken out: a blocking receive on an empty stream whose peer is open never fails `EAGAIN`); 1 µs
    /// read back as set (the kernel rounds up to a tick); 1000000 µs taken; the timeout read back after 0/0 cleared it.
    @Test(arguments: [
        ("7185  1796615584.244451 setsockopt(4<UNIX-STREAM:[12173787->12173786]>, 0x1, 0x14, \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20\\x4e\\x00\\x00\\x00\\x00\\x00\\x00\", 16) = 0 <0.000009>\n", ""),
        ("0x15, \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xa0\\x0f\\x00\\x00\\x00\\x00\\x00\\x00\", [16])",
         "0x15, \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\", [16])"),
        ("16) = -1 EDOM (Numerical argument out of domain)", "16) = 0"),
        ("0x14, \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\", [16])",
         "0x14, \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20\\x4e\\x00\\x00\\x00\\x00\\x00\\x00\", [16])"),
    ])
    func aSocketTimeoutLogEditedIntoWhatTheKernelDoesNotDoIsRejected(original: String, edit: String) throws {
        let edited = Self.socketTimeouts.replacingOccurrences(of: original, with: edit)
        #expect(edited != Self.socketTimeouts)
        let trace = try StraceImportTests.convert(edited)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .violation, "\(report.explanation)")
    }

    /// strace's decoded form (newer versions) reads the same.
    @Test func aDecodedTimevalReadsTheSame() throws {
        let log = """
            100 1.000100 socketpair(AF_UNIX, SOCK_STREAM, 0, [3<UNIX-STREAM:[7->8]>, 4<UNIX-STREAM:[8->7]>]) = 0 <0.000010>
            100 1.000200 setsockopt(4<UNIX-STREAM:[8->7]>, SOL_SOCKET, SO_RCVTIMEO_OLD, {tv_sec=1, tv_usec=500000}, 16) = 0 <0.000005>
            100 1.000300 getsockopt(4<UNIX-STREAM:[8->7]>, SOL_SOCKET, SO_RCVTIMEO_OLD, {tv_sec=1, tv_usec=500000}, [16]) = 0 <0.000005>
            100 1.000400 recvfrom(4<UNIX-STREAM:[8->7]>, 0x7ffe0000, 8, 0, NULL, NULL) = -1 EAGAIN (Resource temporarily unavailable) <1.500100>
            """
        let trace = try StraceImportTests.convert(log)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        #expect(Self.invocations(trace, "setsockopt") == [["end": "b", "option": "SO_RCVTIMEO", "value": ["sec": 1, "usec": 500000]]])
        #expect(try TraceChecker.check(trace, name: "test.log").result == .ok)
    }

    /// What the model does not have leaves the pair out with the reason, as before: a `timeval` of the wrong length,
    /// a failure other than `EDOM`, another option.
    @Test(arguments: [
        ("0x14, \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20\\x4e\\x00\\x00\\x00\\x00\\x00\\x00\", 16) = 0",
         "0x14, \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\", 8) = -1 EINVAL (Invalid argument)", "failed EINVAL"),
        ("setsockopt(3<UNIX:[12173791->12173792]>, 0x1, 0x15, \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\", 16) = 0",
         "setsockopt(3<UNIX:[12173791->12173792]>, 0x1, 0x15, \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\", 12) = 0",
         "with a length other than a timeval's 16 bytes"),
        ("setsockopt(3<UNIX:[12173791->12173792]>, 0x1, 0x15, \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\", 16) = 0",
         "setsockopt(3<UNIX:[12173791->12173792]>, 0x1, 0x7, [4096], 4) = 0", "setsockopt at line 13 is not in its model"),
    ])
    func whatTheModelDoesNotHaveLeavesThePairOut(original: String, edit: String, reason: String) throws {
        let edited = Self.socketTimeouts.replacingOccurrences(of: original, with: edit)
        #expect(edited != Self.socketTimeouts)
        let trace = try StraceImportTests.convert(edited)
        #expect(StraceImportTests.notChecked(trace).contains { $0.contains(reason) }, "\(StraceImportTests.notChecked(trace))")
    }
}
