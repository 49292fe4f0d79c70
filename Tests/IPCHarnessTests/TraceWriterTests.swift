import Glibc
import IPCHarness
import IPCModels
import IPCSyscalls
import Testing

/// Traces are written atomically: nothing appears at the destination until the trace is finished, and an
/// abandoned trace leaves the destination as it was.
@Suite struct TraceWriterTests {
    let directory = "/tmp/ipc-harness-writer-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    func files() -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    func cleanUp() {
        for name in files() { unlink("\(directory)/\(name)") }
        rmdir(directory)
    }

    let header = Trace.Header(model: "pipe", mechanism: "kernel.pipe", seed: "1", strategy: "random")

    @Test func theDestinationAppearsOnlyWhenFinished() throws {
        defer { cleanUp() }
        let path = "\(directory)/nested/run.jsonl"
        let writer = try TraceWriter(path: path, header: header)
        try writer.append(Trace.Event(index: 0, time: 1, process: 1, type: .spawn))
        #expect(!exists(path))
        try writer.finish(verdict: Trace.Verdict(result: .ok, model: "pipe", explanation: "fine"))
        #expect(exists(path))
        let trace = try Trace.load(path: path)
        #expect(trace.events.count == 1)
        #expect(trace.verdict?.result == .ok)
        unlink(path)
        rmdir("\(directory)/nested")
    }

    @Test func anAbandonedTraceLeavesTheOldFileAndNoTemporary() throws {
        defer { cleanUp() }
        let path = "\(directory)/kept.jsonl"
        try Trace(header: header).write(to: path)
        let before = try Trace.load(path: path)
        do {
            let writer = try TraceWriter(path: path, header: Trace.Header(model: "pipe", mechanism: "other", seed: "2", strategy: "random"))
            try writer.append(Trace.Event(index: 0, time: 1, process: 1, type: .spawn))
            writer.abandon()
        }
        #expect(try Trace.load(path: path) == before)
        #expect(files() == ["kept.jsonl"])
    }

    @Test func aWriterDroppedWithoutFinishingCleansUp() throws {
        defer { cleanUp() }
        do {
            let writer = try TraceWriter(path: "\(directory)/dropped.jsonl", header: header)
            try writer.append(Trace.Event(index: 0, time: 1, process: 1, type: .spawn))
            #expect(files().count == 1)  // the hidden temporary file
        }
        #expect(files().isEmpty)
    }

    @Test func outOfOrderIndicesAreRefused() throws {
        defer { cleanUp() }
        let writer = try TraceWriter(path: "\(directory)/x.jsonl", header: header)
        #expect(throws: TraceError.self) { try writer.append(Trace.Event(index: 1, time: 1, process: 1, type: .spawn)) }
        writer.abandon()
    }

    @Test func anUnwritableDestinationIsAOneLineError() {
        #expect {
            _ = try TraceWriter(path: "/proc/forbidden/trace.jsonl", header: header)
        } throws: { error in
            "\(error)".hasPrefix("/proc/forbidden/trace.jsonl: cannot create") && !"\(error)".contains("\n")
        }
    }

    /// Item 10 of issue 14: traces and reports carry every payload of a run and were written 0644.
    @Test func tracesAndReportsAreTheOwnersOnly() throws {
        defer { cleanUp() }
        let path = "\(directory)/private.jsonl"
        let writer = try TraceWriter(path: path, header: header)
        try writer.finish()
        #expect(try Syscall.fileStatus(path).permissions == 0o600)
        let report = "\(directory)/private.html"
        try AtomicFile.write(Array("<html></html>".utf8), to: report)
        #expect(try Syscall.fileStatus(report).permissions == 0o600)
    }

    /// A directory the harness makes for a trace (and its missing parents) is the owner's only: the names of the
    /// traces in it say which scenarios failed, and another local user has no business listing them.
    @Test func directoriesMadeForATraceAreTheOwnersOnly() throws {
        let nested = "\(directory)/deeper"
        defer {
            unlink("\(nested)/t.jsonl")
            rmdir(nested)
            cleanUp()
        }
        let writer = try TraceWriter(path: "\(nested)/t.jsonl", header: header)
        try writer.finish()
        #expect(try Syscall.fileStatus(directory).permissions == 0o700)
        #expect(try Syscall.fileStatus(nested).permissions == 0o700)
    }

    /// Item 17: a report to a directory that does not exist is an error, not a directory made on a typo's say.
    @Test func aReportIntoAMissingDirectoryIsRefused() {
        #expect(throws: HarnessError.self) { try AtomicFile.write([0x41], to: "/tmp/ipc-harness-no-such-dir-\(getpid())/x.html") }
        #expect(access("/tmp/ipc-harness-no-such-dir-\(getpid())", F_OK) != 0)
    }
}
