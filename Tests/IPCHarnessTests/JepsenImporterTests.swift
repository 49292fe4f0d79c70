import Foundation
import IPCHarness
import IPCModels
import Testing

/// Histories recorded by Jepsen (log lines and EDN maps) convert into traces that check to the verdicts their
/// authors give: the samples beside the project when they are there, and small histories written here, so that every
/// model and every convention (:info, :fail, a cas's :fail) is held on a fresh clone too.
@Suite struct JepsenImporterTests {
    static let interop = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/interop").path
    static let samplesHere = FileManager.default.fileExists(atPath: interop + "/README.md")

    /// Converts and checks a history given as text.
    static func check(_ text: String, target: JepsenImporter.Target? = nil) throws -> CheckReport {
        let (form, events) = try JepsenHistory.read(text, path: "history")
        let trace = try JepsenImporter.convert(events, form: form, path: "history", target: target)
        return try TraceChecker.check(trace, name: "history")
    }

    static func log(_ lines: [String]) -> String {
        lines.map { "INFO  jepsen.util - " + $0.replacingOccurrences(of: " | ", with: "\t") }.joined(separator: "\n") + "\n"
    }

    @Test(
        .enabled(if: samplesHere, "the samples are read from ../shared/interop/ beside the repository, absent here"),
        arguments: [
            ("etcd_000.log", Trace.Verdict.Result.violation), ("etcd_002.log", .ok), ("c01-ok.txt", .ok),
            ("c01-bad.txt", .violation),
        ])
    func theSamplesGetTheirPublishedVerdicts(file: String, verdict: Trace.Verdict.Result) throws {
        let trace = try ForeignHistory.load(path: Self.interop + "/" + file, format: .jepsen)
        #expect(trace.header.strategy == "imported")
        let report = try TraceChecker.check(trace, name: file)
        #expect(report.result == verdict, "\(file): \(report.explanation)")
    }

    @Test(.enabled(if: samplesHere, "the samples are read from ../shared/interop/ beside the repository, absent here"))
    func theKeyValueSamplesReadTheSameAsPorcupineKV() throws {
        for file in ["c01-ok.txt", "c01-bad.txt"] {
            let path = Self.interop + "/" + file
            #expect(try ForeignHistory.load(path: path, format: .porcupineKV) == ForeignHistory.load(path: path, format: .jepsen))
        }
    }

    // MARK: cas-register, log lines

    /// A write, a cas that swapped and one that failed, a write whose client timed out (:info) taking effect late,
    /// and lines of other loggers and of the nemesis, which are not the history.
    static let register = log([
        "0 | :invoke | :write | 1", "0 | :ok | :write | 1",
        "1 | :invoke | :cas | [1 2]", "1 | :ok | :cas | [1 2]",
        "2 | :invoke | :cas | [1 3]", "2 | :fail | :cas | [1 3]",
        ":nemesis | :info | :start | nil",
        "3 | :invoke | :write | 4", "3 | :info | :write | :timed-out",
        "0 | :invoke | :read | nil", "0 | :ok | :read | 2",
        "4 | :invoke | :read | nil", "4 | :ok | :read | 4",
    ]) + "INFO  jepsen.core - Worker 0 done\n"

    @Test func aRegisterHistoryWithInfoAndAFailedCasIsAllowed() throws {
        let report = try Self.check(Self.register)
        #expect(report.model == "cas-register")
        #expect(report.result == .ok, "\(report.explanation)")
        #expect(report.objects.map(\.operationCount) == [6])
    }

    @Test func theConventionsAsTheTraceRecordsThem() throws {
        let (form, events) = try JepsenHistory.read(Self.register, path: "history")
        #expect(form == .logLines)
        let trace = try JepsenImporter.convert(events, form: form, path: "history")
        // Processes are Jepsen's plus one; times are line numbers (in thousands); the failed cas completes with
        // {"ok": false}; the timed-out write is info.
        #expect(trace.events.first?.process == 1 && trace.events.first?.time == 1000)
        #expect(trace.events.contains { $0.f == "cas" && $0.type == .ok && $0.value == ["ok": false] && $0.process == 3 })
        #expect(trace.events.contains { $0.f == "write" && $0.type == .info && $0.process == 4 && $0.time == 9000 })
        #expect(!trace.events.contains { $0.type == .fail })
    }

    @Test func aCasThatFailedWhileTheRegisterHeldItsOldValueIsAViolation() throws {
        let report = try Self.check(Self.log([
            "0 | :invoke | :write | 1", "0 | :ok | :write | 1",
            "1 | :invoke | :cas | [1 3]", "1 | :fail | :cas | [1 3]",
            "0 | :invoke | :read | nil", "0 | :ok | :read | 1",
        ]))
        #expect(report.result == .violation)
        // The explanation names the history's own process numbers and lines, not the trace's.
        #expect(report.explanation.contains("process 1 of the history: cas"), "\(report.explanation)")
        #expect(report.explanation.contains("[history lines"), "\(report.explanation)")
        #expect(!report.explanation.contains("process 2"), "\(report.explanation)")
    }

    @Test func aFailedWriteDidNotHappen() throws {
        let history = Self.log([
            "0 | :invoke | :write | 5", "0 | :fail | :write | 5",
            "1 | :invoke | :read | nil", "1 | :ok | :read | 5",
        ])
        #expect(try Self.check(history).result == .violation)
        #expect(try Self.check(history.replacingOccurrences(of: ":ok\t:read\t5", with: ":ok\t:read\tnil")).result == .ok)
    }

    @Test func anIndeterminateWriteMayNeverTakeEffectButCannotTakeEffectTwice() throws {
        let never = Self.log([
            "0 | :invoke | :write | 1", "0 | :ok | :write | 1",
            "1 | :invoke | :write | 2", "1 | :info | :write | :timed-out",
            "2 | :invoke | :read | nil", "2 | :ok | :read | 1",
        ])
        #expect(try Self.check(never).result == .ok)
        let flipFlop = never + Self.log([
            "2 | :invoke | :read | nil", "2 | :ok | :read | 2",
            "2 | :invoke | :read | nil", "2 | :ok | :read | 1",
        ])
        #expect(try Self.check(flipFlop).result == .violation)
    }

    @Test func aReadOfNilAfterACompletedWriteIsAViolation() throws {
        let report = try Self.check(Self.log([
            "0 | :invoke | :write | 3", "0 | :ok | :write | 3", "1 | :invoke | :read | nil", "1 | :ok | :read | nil",
        ]))
        #expect(report.result == .violation)
        #expect(report.explanation.contains("object r"))
    }

    // MARK: EDN maps: cas-register, kv, set

    @Test func theRegisterInEDNMaps() throws {
        let good = """
            {:process 0, :type :invoke, :f :write, :value 1}
            {:process 0, :type :ok, :f :write, :value 1}
            {:process 1, :type :invoke, :f :cas, :value [1 2]}
            {:process 1, :type :ok, :f :cas, :value [1 2]}
            {:process :nemesis, :type :info, :f :start, :value nil}
            {:process 0, :type :invoke, :f :read, :value nil}
            {:process 0, :type :ok, :f :read, :value 2}

            """
        #expect(try Self.check(good).result == .ok)
        #expect(try Self.check(good.replacingOccurrences(of: ":ok, :f :read, :value 2", with: ":ok, :f :read, :value 1")).result == .violation)
    }

    static let keyValue = """
        {:process 0, :type :invoke, :f :put, :key "a", :value "x"}
        {:process 1, :type :invoke, :f :get, :key "a", :value nil}
        {:process 0, :type :ok, :f :put, :key "a", :value "x"}
        {:process 1, :type :ok, :f :get, :key "a", :value ""}
        {:process 1, :type :invoke, :f :append, :key "b", :value "y"}
        {:process 1, :type :ok, :f :append, :key "b", :value "y"}
        {:process 2, :type :invoke, :f :append, :key "b", :value "z"}
        {:process 2, :type :info, :f :append, :key "b", :value "z"}
        {:process 0, :type :invoke, :f :get, :key "a", :value nil}
        {:process 0, :type :ok, :f :get, :key "a", :value "x"}
        {:process 3, :type :invoke, :f :get, :key "b", :value nil}
        {:process 3, :type :ok, :f :get, :key "b", :value "yz"}

        """

    @Test func aKeyValueHistoryIsCheckedKeyByKey() throws {
        let report = try Self.check(Self.keyValue)
        #expect(report.model == "kv")
        #expect(report.result == .ok, "\(report.explanation)")
        #expect(Set(report.objects.map(\.object)) == ["a", "b"])
        #expect(try Self.check(Self.keyValue, target: .keyValue) == report)
    }

    @Test func aKeyValueViolationNamesItsKey() throws {
        let report = try Self.check(Self.keyValue.replacingOccurrences(of: #":value "yz"}"#, with: #":value "zy"}"#))
        #expect(report.result == .violation)
        #expect(report.objects.first { $0.object == "b" }?.result == .violation)
        #expect(report.objects.first { $0.object == "a" }?.result == .ok)
    }

    static let set = """
        {:process 0, :type :invoke, :f :add, :value 1}
        {:process 0, :type :ok, :f :add, :value 1}
        {:process 1, :type :invoke, :f :add, :value 2}
        {:process 2, :type :invoke, :f :read, :value nil}
        {:process 2, :type :ok, :f :read, :value #{1}}
        {:process 1, :type :ok, :f :add, :value 2}
        {:process 2, :type :invoke, :f :read, :value nil}
        {:process 2, :type :ok, :f :read, :value #{2 1}}

        """

    @Test func aSetHistory() throws {
        let report = try Self.check(Self.set)
        #expect(report.model == "set")
        #expect(report.result == .ok, "\(report.explanation)")
        // An element whose add completed before the read began is missing; an element read twice.
        #expect(try Self.check(Self.set.replacingOccurrences(of: "#{2 1}", with: "#{2}")).result == .violation)
        #expect(try Self.check(Self.set.replacingOccurrences(of: "#{2 1}", with: "[1 2 1]")).result == .violation)
        #expect(try Self.check(Self.set.replacingOccurrences(of: "#{2 1}", with: "#{1 2 3}")).result == .violation)
    }

    // MARK: What is refused

    @Test(arguments: [
        ("INFO  jepsen.util - 0\t:invoke\t:cas\t[1\n", 1, "column"),
        ("INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:begin\t:write\t1\n", 2, "type must be"),
        ("INFO  jepsen.util - 0\t:ok\t:write\t1\n", 1, "without an open :invoke"),
        ("INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:invoke\t:write\t2\n", 2, "still open"),
        (
            "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:info\t:write\t1\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n",
            3, "after its :info at line 2"
        ),
        ("INFO  jepsen.util - 0\t:invoke\t:write\t\"one\"\n", 1, ":write needs an integer"),
        ("{:process 0, :type :invoke, :f :put, :key \"a\", :value 3}\n", 1, "needs a string :value"),
        ("{:process 0, :type :invoke, :f :put, :key \"a\" :value}\n", 1, "a map has a key without a value"),
        ("{:process 0 :type :invoke}\n[1 2]\n", 1, ":f must be a keyword"),
        ("\n\nINFO  jepsen.core - nothing here\n", 1, "no Jepsen history events"),
    ])
    func malformedHistoriesNameTheLine(text: String, line: Int, message: String) throws {
        #expect {
            _ = try Self.check(text)
        } throws: { error in
            guard let error = error as? TraceError else { return false }
            return error.path == "history" && error.line == line && error.message.contains(message)
        }
    }

    @Test func operationsNoModelHasAreRefused() throws {
        #expect(throws: TraceError.self) {
            try Self.check(Self.log(["0 | :invoke | :dequeue | nil", "0 | :ok | :dequeue | 1"]))
        }
        // Porcupine's key-value format needs keys.
        #expect(throws: TraceError.self) {
            try Self.check("{:process 0, :type :invoke, :f :put, :value \"x\"}\n", target: .keyValue)
        }
    }

    @Test func theEDNReaderReadsWhatJepsenWrites() throws {
        var reader = EDNReader(#"{:a [1 -2 nil], :b #{"x\ty" true}, "k" (sym :kw)}"#)
        let value = try reader.read()
        let atEnd = reader.atEnd()
        #expect(atEnd)
        #expect(value[keyword: "a"] == .vector([.integer(1), .integer(-2), .null]))
        #expect(value[keyword: "b"] == .set([.string("x\ty"), .bool(true)]))
        #expect(value.text == #"{:a [1 -2 nil], :b #{"x\ty" true}, "k" [sym :kw]}"#)
        #expect(throws: EDNReader.Failure.self) {
            var broken = EDNReader("[1 2")
            _ = try broken.read()
        }
    }
}
