import Foundation
import IPCHarness
import Testing

/// `import`, `check --format`, `report --format` and `bench import`, run as a user runs them: another tool's
/// history in, a trace or a verdict out; bad input is one line naming the file (and the line), exit status 2.
@Suite struct ImportCommandTests {
    let cli = CommandLineTests()

    static let interop = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/interop").path
    static let samplesHere = FileManager.default.fileExists(atPath: interop + "/README.md")

    static let good = [
        "0\t:invoke\t:write\t1", "0\t:ok\t:write\t1", "1\t:invoke\t:cas\t[1 2]", "1\t:ok\t:cas\t[1 2]",
        "2\t:invoke\t:cas\t[1 3]", "2\t:fail\t:cas\t[1 3]", "3\t:invoke\t:write\t4", "3\t:info\t:write\t:timed-out",
        "0\t:invoke\t:read\tnil", "0\t:ok\t:read\t2",
    ].map { "INFO  jepsen.util - " + $0 + "\n" }.joined()
    static let bad = good.replacingOccurrences(of: ":ok\t:read\t2", with: ":ok\t:read\t1")
    static let keyValue = """
        {:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}
        {:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}
        {:process 1, :type :invoke, :f :get, :key "0", :value nil}
        {:process 1, :type :ok, :f :get, :key "0", :value "x 0 0 y"}

        """

    @Test func importWritesTheTraceToStandardOutputAndASummaryToStandardError() throws {
        defer { try? FileManager.default.removeItem(atPath: cli.directory) }
        let path = try cli.write(Self.good, to: "register.log")
        let result = try cli.run("import", "jepsen", path)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.hasPrefix(#"{"format":"ipc-trace","version":1,"model":"cas-register""#))
        let trace = try Trace.parse(Array(result.output.utf8), name: "stdout")
        #expect(trace.header.strategy == "imported")
        #expect(try TraceChecker.check(trace).result == .ok)
        #expect(result.error == "imported \(path) (jepsen-log): 5 operations (1 indeterminate) on 1 object, model cas-register, 10 events → standard output\n")
    }

    @Test func importWritesAFileThatCheckReads() throws {
        defer { try? FileManager.default.removeItem(atPath: cli.directory) }
        let out = cli.directory + "/kv.jsonl"
        let result = try cli.run("import", "porcupine-kv", try cli.write(Self.keyValue, to: "kv.txt"), "-o", out)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.isEmpty)
        #expect(result.error.hasSuffix("→ \(out)\n"))
        let check = try cli.run("check", out)
        #expect(check.status == 0)
        #expect(check.output.hasPrefix("ok: linearizable: 2 operations on 1 object are allowed by the kv model"))
    }

    @Test func checkAndReportReadAForeignFormatDirectly() throws {
        defer { try? FileManager.default.removeItem(atPath: cli.directory) }
        let good = try cli.run("check", "--format", "jepsen", try cli.write(Self.good, to: "good.log"))
        #expect(good.status == 0)
        #expect(good.output.hasPrefix("ok: linearizable: 5 operations on 1 object"))
        let badPath = try cli.write(Self.bad, to: "bad.log")
        let bad = try cli.run("check", "--format", "jepsen", badPath)
        #expect(bad.status == 1)
        #expect(bad.output.hasPrefix("VIOLATION\nobject r:"))
        #expect(bad.lastLine == "check again: ipc-harness check --format jepsen \(badPath)")
        let html = cli.directory + "/bad.html"
        let report = try cli.run("report", "--format", "jepsen", badPath, "--html", html)
        #expect(report.status == 0, "\(report.error)")
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("cas-register"))
    }

    @Test func badInputIsOneLineNamingTheFileAndLineWithStatusTwo() throws {
        defer { try? FileManager.default.removeItem(atPath: cli.directory) }
        let malformed = try cli.write(Self.good + "INFO  jepsen.util - 4\t:invoke\t:cas\t[1\n", to: "malformed.log")
        let out = cli.directory + "/never.jsonl"
        let cases: [([String], String)] = [
            (["import", "jepsen", malformed, "-o", out], "error: \(malformed):11: column "),
            (["check", "--format", "jepsen", malformed], "error: \(malformed):11: column "),
            (["report", "--format", "jepsen", malformed, "--html", cli.directory + "/never.html"], "error: \(malformed):11: column "),
            (["import", "teapot", malformed], "error: unknown format 'teapot' (known: jepsen, porcupine-kv, strace)"),
            (["import", "trace", malformed], "error: unknown format 'trace' (known: jepsen, porcupine-kv, strace)"),
            (["check", "--format", "teapot", malformed], "error: unknown format 'teapot' (known: trace, jepsen, porcupine-kv, strace)"),
            (["import", "jepsen", cli.directory + "/missing.log"], "error: \(cli.directory)/missing.log: cannot open: "),
            (["bench", "import", cli.directory + "/missing.log"], "error: \(cli.directory)/missing.log: cannot open: "),
            (["import", "porcupine-kv", try cli.write(Self.good, to: "not-kv.log")], "error: \(cli.directory)/not-kv.log:1: a key-value operation needs a :key"),
        ]
        for (arguments, message) in cases {
            let result = try cli.runArguments(arguments)
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.error)")
            #expect(result.error.hasPrefix(message), "\(arguments): \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "\(arguments): \(result.error)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func aMixedTraceWithAnObjectInTwoPartsIsRefusedOnLineOne() throws {
        defer { try? FileManager.default.removeItem(atPath: cli.directory) }
        let header = #"{"format":"ipc-trace","version":1,"model":"mixed","params":{"parts":{"pipe":{"objects":{"x":{"readers":[2],"writers":[1]}}},"posix-mq":{"objects":{"x":{"maxMessages":4,"messageSize":64}}}}},"mechanism":"imported.test","seed":"0","strategy":"imported","harness":"0.1.0"}"#
        let path = try cli.write(header + "\n", to: "twice.jsonl")
        for arguments in [["check", path], ["report", path, "--html", cli.directory + "/twice.html"]] {
            let result = try cli.runArguments(arguments)
            #expect(result.status == 2)
            #expect(result.error == "error: \(path):1: object 'x' is declared by two parts, pipe and posix-mq; each object belongs to one model\n")
        }
    }

    @Test func benchImportPrintsOneRowPerFile() throws {
        defer { try? FileManager.default.removeItem(atPath: cli.directory) }
        let good = try cli.write(Self.good, to: "bench-good.log")
        let bad = try cli.write(Self.bad, to: "bench-bad.log")
        let json = try cli.run("bench", "import", good, bad, "--repetitions", "1", "--json")
        #expect(json.status == 0, "\(json.error)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let files = try #require(parsed["files"] as? [[String: Any]])
        #expect(files.map { $0["verdict"] as? String } == ["ok", "violation"])
        #expect(files.allSatisfy { ($0["checkSeconds"] as? Double ?? -1) >= 0 && ($0["peakMegabytes"] as? Double ?? 0) > 0 })
        #expect(files.map { $0["source"] as? String } == ["jepsen-log", "jepsen-log"])
        let table = try cli.run("bench", "import", good, bad, "--repetitions", "3")
        #expect(table.status == 0)
        let rows = table.output.split(separator: "\n")
        #expect(rows.count == 4, "\(table.output)")
        #expect(rows[1].hasPrefix("bench-good.log") && rows[1].hasSuffix("ok"))
        #expect(rows[2].hasPrefix("bench-bad.log") && rows[2].hasSuffix("violation"))
        #expect(try cli.run("bench", "import", good, "--repetitions", "0").status == 2)
    }

    @Test(
        .enabled(if: samplesHere, "the samples are read from ../shared/interop/ beside the repository, absent here"),
        arguments: [("etcd_000.log", Int32(1)), ("etcd_002.log", 0), ("c01-ok.txt", 0), ("c01-bad.txt", 1)])
    func theSamplesCheckToTheirVerdicts(file: String, status: Int32) throws {
        let result = try cli.run("check", "--format", "jepsen", Self.interop + "/" + file)
        #expect(result.status == status, "\(file): \(result.output)")
        if file.hasPrefix("c01") {
            #expect(try cli.run("check", "--format", "porcupine-kv", Self.interop + "/" + file).status == status)
        }
    }
}
