import Foundation
import IPCHarness
import TestSupport
import Testing

/// strace and a C compiler, when both are here and strace is allowed to trace (it needs ptrace).
enum StraceTools {
    static let found: (strace: String, compiler: String)? = {
        func find(_ name: String) -> String? {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let strace = find("strace"), let compiler = find("cc") ?? find("gcc") ?? find("clang") else { return nil }
        guard (try? StraceFidelityTests.run(strace, ["-f", "-o", "/dev/null", "--", "/bin/true"]))?.status == 0 else { return nil }
        return (strace, compiler)
    }()
}

/// strace as a fidelity instrument: real programs doing IPC on this machine (small C programs, a shell pipeline, the
/// harness's own run) are recorded with the options the README gives, imported and checked with the kernel models.
/// The kernel is right by definition: any rejection is a bug in a model or in the importer. Each log is also edited
/// into something the kernel cannot do, which must be rejected.
///
/// Enabled where strace can trace (it needs ptrace) and a C compiler is on the path; `.ci/install-dependencies`
/// installs strace.
@Suite(.enabled(if: StraceTools.found != nil, "needs strace allowed to ptrace and a C compiler"))
struct StraceFidelityTests {
    let cli = CommandLineTests()

    /// The options the README recommends: every process, absolute stamps, durations, descriptors' inodes and
    /// names, data in hex, raw numbers, whole buffers.
    static let straceOptions = ["-f", "-ttt", "-T", "-yy", "-xx", "-X", "raw", "-s", "1048576"]

    struct Exit {
        var status: Int32
        var output: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Exit {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.runHoldingOffAgreementTests()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Exit(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Compiles `source` into the test's directory.
    func compile(_ source: String, named name: String) throws -> String {
        let tools = try #require(StraceTools.found)
        let sourcePath = try cli.write(source, to: name + ".c")
        let binary = cli.directory + "/" + name
        let compiled = try Self.run(tools.compiler, ["-O1", "-o", binary, sourcePath, "-lrt"])
        try #require(compiled.status == 0, "\(compiled.output)")
        return binary
    }

    /// Runs `command` under strace; the log's path.
    func record(_ command: [String], named name: String) throws -> String {
        let tools = try #require(StraceTools.found)
        try FileManager.default.createDirectory(atPath: cli.directory, withIntermediateDirectories: true)
        let log = cli.directory + "/" + name + ".log"
        let traced = try Self.run(tools.strace, Self.straceOptions + ["-o", log, "--"] + command)
        try #require(traced.status == 0, "\(command) under strace: \(traced.output)")
        return log
    }

    func check(_ log: String) throws -> (trace: Trace, report: CheckReport) {
        let trace = try ForeignHistory.load(path: log, format: .strace)
        return (trace, try TraceChecker.check(trace, name: log))
    }

    static func uniqueQueueName() -> String { "/ipch-fidelity-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" }

    @Test func aThreeProcessPipelineWithDescriptorPassingChecksOKAndAReorderedCopyDoesNot() throws {
        defer { try? FileManager.default.removeItem(atPath: cli.directory) }
        let program = try compile(StraceFidelityPrograms.pipeline, named: "pipeline")
        let log = try record([program, Self.uniqueQueueName()], named: "pipeline")
        let (trace, report) = try check(log)
        #expect(report.result == .ok, "\(report.explanation)")
        #expect(report.notChecked.isEmpty, "\(report.notChecked)")
        // The words' pipe, the reply pipe passed over the socket pair, the socket pair and the queue.
        #expect(report.objects.count == 4, "\(report.objects.map(\.object))")
        #expect(trace.header.model == "mixed")
        #expect(report.model.contains("pipe") && report.model.contains("posix-mq") && report.model.contains("unix-socket"), "\(report.model)")

        // The reader's first and last receives swapped: "END", sent last at the lowest priority, would come before
        // the words sent ahead of it at a higher one.
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let swapped = try #require(Self.swappingFirstAndLastReceive(text))
        let edited = try cli.write(swapped, to: "pipeline-reordered.log")
        #expect(try check(edited).report.result == .violation)
    }

    /// The log with the first and the last successful `mq_timedreceive` exchanging what they returned (buffer,
    /// priority and count); nil if there are not two.
    static func swappingFirstAndLastReceive(_ log: String) -> String? {
        let pattern = #/(?<buffer>"(?:\\x[0-9a-f]{2})*"), (?<size>\d+), \[(?<priority>\d+)\], NULL\) = (?<count>\d+)/#
        var lines = log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let receives = lines.indices.filter { lines[$0].contains("mq_timedreceive") && lines[$0].contains(pattern) }
        guard let first = receives.first, let last = receives.last, first != last,
            let a = lines[first].firstMatch(of: pattern), let b = lines[last].firstMatch(of: pattern)
        else { return nil }
        let (aText, bText) = (String(a.output.0), String(b.output.0))
        lines[first] = lines[first].replacingOccurrences(of: aText, with: bText)
        lines[last] = lines[last].replacingOccurrences(of: bText, with: aText)
        return lines.joined(separator: "\n")
    }

    @Test func everyMechanismsEdgesAreWhatTheModelsAllow() throws {
        defer { try? FileManager.default.removeItem(atPath: cli.directory) }
        let program = try compile(StraceFidelityPrograms.mechanisms, named: "mechanisms")
        let log = try record([program, Self.uniqueQueueName()], named: "mechanisms")
        let (_, report) = try check(log)
        #expect(report.result == .ok, "\(report.explanation)")
        #expect(report.notChecked.isEmpty, "\(report.notChecked)")
        // Two pipes, datagram, seqpacket and stream pairs, eventfd, POSIX queue, System V queue, FIFO, semaphore
        // set, and the signals of two processes (the receiver; the reaped sender, whose late kill fails ESRCH).
        #expect(report.objects.count == 12, "\(report.objects.map(\.object))")
        for model in ["pipe", "unix-socket", "eventfd", "posix-mq", "sysv-msg", "fifo", "sysv-sem", "signal"] {
            #expect(report.model.contains(model), "\(report.model)")
        }

        // The edited log claims the emptied non-blocking eventfd still had a count to give.
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let eventfd = "anon_inode:[eventfd]".utf8.map { "\\x" + String($0, radix: 16) }.joined()
        let again = try #require(lines.firstIndex { $0.contains("read(") && $0.contains(eventfd) && $0.contains("= -1 EAGAIN") })
        var edited = lines.map(String.init)
        edited[again] = edited[again].replacing(
            #/, 0x[0-9a-f]+, 8\) = -1 EAGAIN \(Resource temporarily unavailable\)/#,
            with: #", "\x01\x00\x00\x00\x00\x00\x00\x00", 8) = 8"#)
        #expect(edited[again] != String(lines[again]))
        let path = try cli.write(edited.joined(separator: "\n"), to: "mechanisms-edited.log")
        #expect(try check(path).report.result == .violation)

        // A queued signal taken with a value nobody sent.
        let reordered = text.replacingOccurrences(of: "si_int=7, si_ptr=0x7}, {tv_sec=0", with: "si_int=9, si_ptr=0x9}, {tv_sec=0")
        #expect(reordered != text)
        let swapped = try cli.write(reordered, to: "mechanisms-signals.log")
        #expect(try check(swapped).report.result == .violation)
    }

    @Test func aShellPipelineChecksOK() throws {
        defer { try? FileManager.default.removeItem(atPath: cli.directory) }
        let log = try record(["/bin/sh", "-c", "printf 'alpha beta gamma\\n' | tr a-z A-Z | cat > /dev/null"], named: "shell")
        let (_, report) = try check(log)
        #expect(report.result == .ok, "\(report.explanation)")
        #expect(report.notChecked.isEmpty, "\(report.notChecked)")
        #expect(report.objects.count == 2, "\(report.objects.map(\.object))")
        #expect(report.objects.allSatisfy { $0.operationCount > 0 })
    }

    /// The harness recording itself: the driver reopens the pipe through /proc for each worker, and the workers'
    /// reads and writes (through the interposer) are a pipe history the model allows. The driver's control
    /// sockets peek with MSG_PEEK|MSG_TRUNC, which the socket model does not have: they are listed, not guessed.
    @Test func theHarnesssOwnRunIsAPipeHistoryTheModelAllows() throws {
        defer { try? FileManager.default.removeItem(atPath: cli.directory) }
        let log = try record(
            [CommandLineTests.executable.path, "run", "pipe-basic", "--runs", "1", "--seed", "1", "--out", cli.directory + "/runs"],
            named: "own")
        let (_, report) = try check(log)
        #expect(report.result == .ok, "\(report.explanation)")
        let pipes = report.objects.filter { $0.object.hasPrefix("pipe-") }
        #expect(pipes.count == 1, "\(report.objects.map(\.object))")
        #expect(pipes.allSatisfy { $0.operationCount > 0 })
        #expect(report.notChecked.allSatisfy { $0.contains("seqpacket socket pair") || $0.hasPrefix("signals") }, "\(report.notChecked)")
    }
}
