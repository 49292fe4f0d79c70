import Foundation
import IPCHarness
import TestSupport
import Testing

/// The `ipc-harness` executable, run as a user runs it: exit statuses 0/1/2/3, one-line errors, and failure
/// output that ends with the command that replays it.
@Suite struct CommandLineTests {
    struct Result {
        var status: Int32
        var output: String
        var error: String
        var lastLine: String { output.split(separator: "\n").last.map(String.init) ?? "" }
    }

    let directory = NSTemporaryDirectory() + "ipc-harness-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    /// The built `ipc-harness` beside this test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ipc-harness")
    }

    func run(_ arguments: String...) throws -> Result {
        try runArguments(arguments)
    }

    func write(_ text: String, to name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let header = #"{"format":"ipc-trace","version":1,"model":"pipe","params":{"objects":{"p0":{"readers":[2],"writers":[1]}}},"mechanism":"kernel.pipe","seed":"1","strategy":"random","harness":"0.1.0"}"#
    static let goodTrace = [
        header,
        #"{"index":0,"time":10,"process":1,"type":"invoke","f":"write","object":"p0","value":{"data":"ab"}}"#,
        #"{"index":1,"time":20,"process":1,"type":"ok","f":"write","object":"p0","value":{"written":2}}"#,
        #"{"index":2,"time":30,"process":2,"type":"invoke","f":"read","object":"p0","value":{"max":5}}"#,
        #"{"index":3,"time":40,"process":2,"type":"ok","f":"read","object":"p0","value":{"data":"ab"}}"#,
    ].joined(separator: "\n") + "\n"
    static let badTrace = goodTrace.replacingOccurrences(
        of: #""type":"ok","f":"read","object":"p0","value":{"data":"ab"}"#,
        with: #""type":"ok","f":"read","object":"p0","value":{"data":"ba"}"#)

    @Test func listShowsEveryScenarioWithModeAndModel() throws {
        let result = try run("list")
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == Scenarios.all.count)
        for (line, scenario) in zip(lines, Scenarios.all) {
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(columns.prefix(3).map(String.init) == [scenario.name, scenario.modes.map(\.rawValue).joined(separator: "+"), scenario.model])
        }
    }

    /// A trace that names an implementation no object of its workload runs (say, a user's, in a trace given to the
    /// built-in CLI) is refused on line 1 with exit 2 by every command — never run as the kernel's code under that
    /// name.
    @Test func aTraceNamingAnImplementationNoObjectRunsIsRefusedByEveryCommand() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("traces/pipe-eof-on-injected-eintr.jsonl")
        var lines = try String(contentsOf: corpus, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let mechanism = try #require(lines[0].range(of: #""mechanism":"[^"]*""#, options: .regularExpression))
        lines[0].replaceSubrange(mechanism, with: #""mechanism":"mine.reader""#)
        let path = try write(lines.joined(separator: "\n"), to: "foreign.jsonl")
        for command in ["check", "replay", "shrink", "report"] {
            let result = command == "report" ? try run(command, path, "--html", directory + "/foreign.html") : try run(command, path)
            #expect(result.status == 2, "\(command): \(result.output)\(result.error)")
            #expect(result.error.hasPrefix("error: \(path):1: mechanism 'mine.reader': no object of this run runs 'mine.reader'"), "\(command): \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1)
        }
    }

    @Test func checkExitsZeroForAnAllowedTraceAndOneForAViolation() throws {
        let good = try run("check", try write(Self.goodTrace, to: "good.jsonl"))
        #expect(good.status == 0)
        #expect(good.output.hasPrefix("ok: linearizable"))
        let badPath = try write(Self.badTrace, to: "bad.jsonl")
        let bad = try run("check", badPath)
        #expect(bad.status == 1)
        #expect(bad.output.contains(#"read up to 5 bytes → "ba""#))
        #expect(bad.lastLine == "check again: ipc-harness check \(badPath)")
    }

    @Test func malformedInputIsOneLineAndStatusTwo() throws {
        let truncated = try write(Self.header + "\n" + #"{"index":0,"time":10,"proc"#, to: "truncated.jsonl")
        let cases: [([String], String)] = [
            (["check", truncated], "error: \(truncated):2: truncated line"),
            (["check", directory + "/missing.jsonl"], "error: \(directory)/missing.jsonl: cannot open"),
            (["run", "no-such-scenario"], "error: no scenario named 'no-such-scenario'"),
            (["run", "pipe-basic", "--runs", "0"], "error: --runs must be positive"),
            (["run", "pipe-basic", "--strategy", "fifo"], "error: unknown strategy 'fifo'"),
            (["run"], "error: name a scenario"),
            (["teleport"], "error: Unexpected argument 'teleport'"),
            (["check"], "error: Missing expected argument '<trace>'"),
        ]
        for (arguments, message) in cases {
            let process = try runArguments(arguments)
            #expect(process.status == 2, "\(arguments): status \(process.status)")
            #expect(process.error.hasPrefix(message), "\(arguments): \(process.error)")
            #expect(process.error.split(separator: "\n").count == 1, "\(arguments): \(process.error)")
        }
    }

    /// Runs the executable. Standard error goes to a file, so the output pipe is the only one to drain.
    /// Runs `executable` (the built CLI unless given) with `arguments`; `environment` replaces the inherited one.
    func runArguments(_ arguments: [String], executable: URL = executable, environment: [String: String]? = nil) throws -> Result {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let errorPath = directory + "/stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        try process.runHoldingOffAgreementTests()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorText = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self), error: errorText)
    }

    @Test func aBudgetThatRunsOutExitsThree() throws {
        // Thirty concurrent writes of unknown outcome and a read nothing could produce: the search is wide.
        var lines = [Self.header.replacingOccurrences(of: #""writers":[1]"#, with: #""writers":[\#((10..<40).map(String.init).joined(separator: ","))]"#)]
        var index = 0
        for process in 10..<40 {
            lines.append(#"{"index":\#(index),"time":\#(index),"process":\#(process),"type":"invoke","f":"write","object":"p0","value":{"data":"w\#(process)"}}"#)
            index += 1
        }
        for process in 10..<40 {
            lines.append(#"{"index":\#(index),"time":\#(index),"process":\#(process),"type":"info","f":"write","object":"p0"}"#)
            index += 1
        }
        lines.append(#"{"index":\#(index),"time":\#(index),"process":2,"type":"invoke","f":"read","object":"p0","value":{"max":10}}"#)
        lines.append(#"{"index":\#(index + 1),"time":\#(index + 1),"process":2,"type":"ok","f":"read","object":"p0","value":{"data":"zz"}}"#)
        let path = try write(lines.joined(separator: "\n") + "\n", to: "wide.jsonl")
        let result = try run("check", path, "--budget", "0.2")
        #expect(result.status == 3)
        #expect(result.output.hasPrefix("UNKNOWN"))
    }

    @Test func runFindsABrokenScenarioWritesTheTraceAndReplayReproducesIt() throws {
        let run = try self.run("run", "pipe-broken-reorders", "--seed", "5", "--runs", "30", "--out", directory)
        #expect(run.status == 1)
        #expect(run.output.hasPrefix("pipe-broken-reorders: VIOLATION in run "))
        #expect(run.lastLine.hasPrefix("replay: ipc-harness replay \(directory)/pipe-broken-reorders-"))
        let path = String(run.lastLine.dropFirst("replay: ipc-harness replay ".count))
        #expect(FileManager.default.fileExists(atPath: path))
        let replay = try self.run("replay", path)
        #expect(replay.status == 1)
        #expect(replay.output.hasPrefix("replayed: same verdict (violation)\nevery operation completed as recorded"))
        #expect(replay.lastLine == "replay: ipc-harness replay \(path)")
        let check = try self.run("check", path)
        #expect(check.status == 1)
        #expect(check.lastLine == "replay: ipc-harness replay \(path)")
    }

    @Test func runOfACorrectScenarioExitsZero() throws {
        let result = try run("run", "pipe-basic", "--seed", "8", "--runs", "5", "--strategy", "pct:2", "--out", directory)
        #expect(result.status == 0)
        #expect(result.output == "pipe-basic: no violation in 5 runs (seed 8, strategy pct:2)\n")
    }

    @Test func runAllExpectsBrokenScenariosToFail() throws {
        let result = try run("run", "--all", "--seed", "9", "--runs", "3", "--out", directory)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("pipe-broken-reorders: VIOLATION"))
        #expect(result.output.contains("pipe-basic: no violation in 3 runs"))
    }

    /// A copy of the built CLI alone in `directory/name`, to be run without `$IPC_HARNESS_WORKER`.
    func copyOfTheCommandLine(in name: String) throws -> (directory: String, executable: URL) {
        let alone = directory + "/" + name
        try FileManager.default.createDirectory(atPath: alone, withIntermediateDirectories: true)
        // Copied by `cp`, not in this process: a copy written here has its write descriptor open while other tests
        // spawn children, and a child holding it makes the exec fail ETXTBSY (seen in a full run).
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = [Self.executable.path, alone + "/ipc-harness"]
        try copy.runHoldingOffAgreementTests()
        copy.waitUntilExit()
        try #require(copy.terminationStatus == 0)
        return (alone, URL(fileURLWithPath: alone + "/ipc-harness"))
    }

    /// This process's environment without the worker override.
    var environmentWithoutWorker: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment[WorkerLocator.environmentVariable] = nil
        return environment
    }

    @Test func theCommandLineServesAsItsOwnWorkerWhenNoneIsBesideIt() throws {
        // `swift run ipc-harness` builds only the CLI; it must still run scenarios.
        let (alone, executable) = try copyOfTheCommandLine(in: "alone")
        let result = try runArguments(
            ["run", "pipe-broken-reorders", "--seed", "3", "--runs", "10", "--out", alone], executable: executable,
            environment: environmentWithoutWorker)
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("VIOLATION"))
    }

    @Test func aWorkerBuiltBeforeTheCommandLineIsNotUsed() throws {
        // `swift build --product ipc-harness` rebuilds only the CLI: an older worker beside it may not understand
        // it (seen: "no worker binding for objects of kind 'fifo'"), so the CLI serves as its own worker.
        let (alone, executable) = try copyOfTheCommandLine(in: "stale")
        let stale = alone + "/ipc-harness-worker"
        try "#!/bin/sh\nexit 9\n".write(toFile: stale, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755, .modificationDate: Date(timeIntervalSinceNow: -86_400)], ofItemAtPath: stale)
        let result = try runArguments(
            ["run", "pipe-basic", "--seed", "3", "--runs", "2", "--out", alone], executable: executable,
            environment: environmentWithoutWorker)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("no violation in 2 runs"))
    }

    @Test func fuzzRunsForTheTimeGivenAndExitsZeroWhenOnlyBrokenScenariosFail() throws {
        let result = try run("fuzz", "--time", "2s", "--scenarios", "pipe-broken-reorders,pipe-basic", "--jobs", "2", "--seed", "5", "--out", directory + "/fuzz")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("fuzzing 2 scenarios for 2s with 2 jobs (seed 5, coverage-guided)"))
        #expect(result.output.contains("expected (broken on purpose)"))
        #expect(result.output.contains("replay: ipc-harness replay \(directory)/fuzz/pipe-broken-reorders-"))
        let bad = try run("fuzz", "--time", "soon")
        #expect(bad.status == 2)
        #expect(bad.error.hasPrefix("error: --time must be a duration"))
    }

    @Test func shrinkWritesASmallerTraceThatReplays() throws {
        let found = try run("run", "pipe-broken-reorders", "--seed", "21", "--runs", "1", "--out", directory)
        #expect(found.status == 1)
        let path = directory + "/pipe-broken-reorders-21.jsonl"
        let shrunk = try run("shrink", path)
        #expect(shrunk.status == 1)
        #expect(shrunk.output.hasPrefix("shrunk: "))
        #expect(shrunk.lastLine == "replay: ipc-harness replay \(directory)/pipe-broken-reorders-21.shrunk.jsonl")
        let report = try run("report", directory + "/pipe-broken-reorders-21.shrunk.jsonl", "--html", directory + "/r.html")
        #expect(report.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/r.html"))
    }

    @Test func benchCheckerPrintsJSON() throws {
        let result = try run("bench", "checker", "--operations", "300", "--objects", "1", "--processes", "4", "--json")
        #expect(result.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]]
        #expect(json?.count == 1)
        #expect(json?.first?["verdict"] as? String == "ok")
        #expect(json?.first?["operations"] as? Int == 300)
    }

    @Test func aBrokenRCUScenarioEndsWithTheCommandThatRerunsIt() throws {
        let run = try self.run("run", "rcu-broken-no-grace", "--seed", "4", "--runs", "50", "--out", directory)
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.hasPrefix("rcu-broken-no-grace: VIOLATION in run "))
        // Threads-mode runs cannot be replayed event by event: the last line reruns the same programs and delays.
        #expect(run.lastLine.hasPrefix("rerun: ipc-harness run rcu-broken-no-grace --seed "))
        #expect(run.lastLine.contains(" --runs 1 --strategy random  (the same programs and delays; the OS schedules the threads"))
        let trace = try #require(run.output.split(separator: "\n").first { $0.hasPrefix("trace: ") }).dropFirst("trace: ".count)
        let check = try self.run("check", String(trace))
        #expect(check.status == 1)
        #expect(check.lastLine == "check again: ipc-harness check \(trace)")
        let replay = try self.run("replay", String(trace))
        #expect(replay.status == 2)
        #expect(replay.error.contains("only real-mode and simulation traces can be replayed"))
    }

    @Test func benchRCUPrintsJSONForEveryImplementationAndSetting() throws {
        let result = try run("bench", "rcu", "--json", "--repetitions", "5", "--milliseconds", "2")
        #expect(result.status == 0, "\(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let rows = try #require(json["results"] as? [[String: Any]])
        #expect(rows.count == 16)
        #expect(
            Set(rows.compactMap { $0["implementation"] as? String })
                == ["swift.rcu", "liburcu.memb-inlined", "liburcu.memb", "liburcu.qsbr"])
        for row in rows {
            #expect(row["poisonedReads"] as? Int == 0)
            #expect((row["gracePeriodsPerSecond"] != nil) == (row["updater"] as? Bool == true))
        }
        #expect((json["ratios"] as? [[String: Any]])?.count == 4)
        #expect(try run("bench", "rcu", "--repetitions", "3").status == 2)
    }

    @Test func benchCheckTimesParseSearchAndWholeProcesses() throws {
        let trace = try write(Self.badTrace, to: "bad.jsonl")
        let result = try run("bench", "check", trace, "--repetitions", "2", "--json")
        #expect(result.status == 0, "\(result.error)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["verdict"] as? String == "violation")
        #expect(rows.first?["exitCodes"] as? [Int] == [1])
        for key in ["parseSeconds", "searchSeconds", "processSeconds", "peakMegabytes"] {
            #expect((rows.first?[key] as? Double ?? 0) > 0, "\(key)")
        }
        let inProcess = try run("bench", "check", trace, "--repetitions", "1", "--no-processes", "--json")
        #expect(!inProcess.output.contains("processSeconds"))
        #expect(try run("bench", "check", directory + "/missing.jsonl").status == 2)
    }

    @Test func checkTakesAMemoryBudget() throws {
        let trace = try write(Self.badTrace, to: "bad.jsonl")
        #expect(try run("check", trace, "--memory", "64").status == 1)
        let refused = try run("check", trace, "--memory", "0")
        #expect(refused.status == 2)
        #expect(refused.error.contains("--memory"))
    }

    @Test func benchRealPrintsJSONWithRunsFaultsAndTheRecordingCost() throws {
        let result = try run("bench", "real", "--seconds", "1", "--jobs", "1", "--round-trips", "5", "--repetitions", "1", "--json")
        #expect(result.status == 0, "\(result.output)")
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        #expect((json?["runs"] as? Int ?? 0) > 0)
        #expect((json?["failures"] as? [Any])?.isEmpty == true)
        #expect((json?["recordingSeconds"] as? Double ?? 0) > 0)
        #expect((json?["overheadPercentRange"] as? [Double])?.count == 2)
    }

    @Test func faultOptionsAreCheckedWithOneLineAndExitTwo() throws {
        let unknown = try run("run", "pipe-basic", "--faults", "eintr,telepathy")
        #expect(unknown.status == 2)
        #expect(unknown.error == "error: unknown fault kind 'telepathy' (known: eintr, eagain, enomem, short, delay, signal, signal-restart, kill, all, none)\n")
        let rate = try run("run", "pipe-basic", "--kill-rate", "1.5")
        #expect(rate.status == 2)
        #expect(rate.error == "error: --kill-rate must be between 0 and 1, not 1.5\n")
    }

    @Test func runInSimulationFindsABrokenTwinAndReplayReExecutesItExactly() throws {
        let run = try self.run("run", "seqlock-broken", "--mode", "sim", "--seed", "400", "--runs", "200", "--out", directory)
        #expect(run.status == 1)
        #expect(run.output.hasPrefix("seqlock-broken: VIOLATION in run "))
        let path = String(run.lastLine.dropFirst("replay: ipc-harness replay ".count))
        let replay = try self.run("replay", path)
        #expect(replay.status == 1)
        #expect(replay.output.hasPrefix("replayed: same verdict (violation)\nevery operation completed as recorded"))
        // Shrunk in the simulator, the smaller trace still fails and replays exactly.
        let shrunkPath = directory + "/seqlock-broken.shrunk.jsonl"
        let shrink = try self.run("shrink", path, "--out", shrunkPath, "--time", "60")
        #expect(shrink.status == 1, "\(shrink.output)\(shrink.error)")
        #expect(shrink.output.hasPrefix("shrunk: "))
        let replayShrunk = try self.run("replay", shrunkPath)
        #expect(replayShrunk.status == 1)
        #expect(replayShrunk.output.hasPrefix("replayed: same verdict (violation)\nevery operation completed as recorded"))
    }

    @Test func fuzzTakesAModeAndRefusesScenariosThatDoNotRunInIt() throws {
        let unknown = try run("fuzz", "--time", "1", "--mode", "virtual")
        #expect(unknown.status == 2)
        #expect(unknown.error == "error: unknown mode 'virtual' (use real, sim or threads)\n")
        let unavailable = try run("fuzz", "--time", "1", "--scenarios", "pipe-basic", "--mode", "sim")
        #expect(unavailable.status == 2)
        #expect(unavailable.error.hasPrefix("error: scenario pipe-basic does not run in sim mode"))
    }

    @Test func modeChoosesSimulationOrWorkerProcesses() throws {
        let sim = try run("run", "spsc-ring", "--mode", "sim", "--seed", "2", "--runs", "20", "--out", directory)
        #expect(sim.output == "spsc-ring: no violation in 20 runs (seed 2, strategy random)\n")
        let real = try run("run", "spsc-ring", "--mode", "real", "--seed", "2", "--runs", "2", "--out", directory)
        #expect(real.status == 0, "\(real.output)")
        let unknown = try run("run", "spsc-ring", "--mode", "virtual")
        #expect(unknown.status == 2)
        #expect(unknown.error == "error: unknown mode 'virtual' (use real, sim or threads)\n")
        let unavailable = try run("run", "pipe-basic", "--mode", "sim")
        #expect(unavailable.status == 2)
        #expect(unavailable.error.hasPrefix("error: scenario pipe-basic does not run in sim mode"))
    }
}
