import Foundation
import IPCHarness
import Testing

/// A `users` entry's keys are what the model reads of a process's identity: `uid` and `gid` for every model that takes
/// the shared ``Permissions`` setup, and the held ids (`ruid`, `rgid`, `suid`, `sgid`) too for unix-socket. A key the
/// model does not read used to be ignored, so a misspelt `"gdi"` judged the process with its uid's group — a verdict
/// about a process the trace did not describe. It is refused on line 1 now, and the same trace spelt right is judged.
@Suite struct UsersEntryRefusalTests {
    private static func coverageTrace(_ path: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("traces/coverage/" + path)
        return try String(contentsOf: url, encoding: .utf8)
    }

    private static func validate(_ text: String) throws {
        try TraceInput.validate(try Trace.parse(Array(text.utf8), name: "t.jsonl"), name: "t.jsonl")
    }

    @Test(arguments: ["gdi", "ruid", "suid"])
    func aKeyAPosixQueueDoesNotReadIsRefused(key: String) throws {
        let text = try Self.coverageTrace("posix-mq/mq_open.permissions.accepted.jsonl")
        let entry = #""users":{"2":1000}"#
        #expect(text.contains(entry))
        try Self.validate(text.replacingOccurrences(of: entry, with: #""users":{"2":{"uid":1000,"gid":1000}}"#))
        let error = #expect(throws: TraceError.self) {
            try Self.validate(text.replacingOccurrences(of: entry, with: #""users":{"2":{"uid":1000,"\#(key)":1000}}"#))
        }
        #expect(error?.line == 1)
        #expect(error?.description.contains("process 2's '\(key)' is not read here") == true, "\(error.map { "\($0)" } ?? "")")
    }

    @Test func unixSocketsReadTheHeldIds() throws {
        let text = try Self.coverageTrace("unix-datagram/sendmsg.held-ids.accepted.jsonl")
        #expect(text.contains(#""ruid":65534"#))
        try Self.validate(text)
        #expect(throws: TraceError.self) {
            try Self.validate(text.replacingOccurrences(of: #""ruid":65534"#, with: #""euid":65534"#))
        }
    }
}
