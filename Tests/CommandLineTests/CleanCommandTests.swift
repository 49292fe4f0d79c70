import Foundation
import Glibc
import IPCHarness
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing
import TestSupport

/// Hygiene for named and System V objects, FIFOs and bound socket paths, with real drivers: a run that fails
/// removes what it created, and `ipc-harness clean` removes what killed drivers left behind — only the harness's
/// objects of dead runs.
@Suite(.serialized, .cleanLock) struct CleanCommandTests {
    static var executable: String { CommandLineTests.executable.path }

    /// A ledger's live records (`kind name`), less withdrawn ones.
    func records(ofRunsBy pid: pid_t) -> [(kind: String, name: String)] {
        let directory = RunNamespace.ledgerDirectory
        var records: [(kind: String, name: String)] = []
        for file in (try? Syscall.directoryEntries(directory)) ?? [] where file.hasPrefix("ipch-\(pid)-") {
            let text = (try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ").map(String.init)
                if parts.count == 3 && parts[0] == "withdrawn" {
                    records.removeAll { $0 == (parts[1], parts[2]) }
                } else if parts.count == 2 {
                    records.append((parts[0], parts[1]))
                }
            }
        }
        return records
    }

    /// Whether the object a record names exists now.
    func exists(_ kind: String, _ name: String) -> Bool {
        switch kind {
        case "posix-mq":
            guard let queue = try? Syscall.mqOpen(name, flags: O_RDONLY) else { return false }
            try? Syscall.close(queue)
            return true
        case "posix-shm": return Syscall.exists("/dev/shm\(name)")
        case "posix-sem": return Syscall.exists("/dev/shm/sem.\(name.dropFirst())")
        case "sysv-msg", "sysv-sem", "sysv-shm":
            return sysvKeys(kind).contains(Int32(bitPattern: UInt32(name.dropFirst(2), radix: 16) ?? 0))
        default: return Syscall.exists(name)
        }
    }

    /// The keys in /proc/sysvipc for `kind` ("sysv-msg" → msg).
    func sysvKeys(_ kind: String) -> Set<Int32> {
        let text = (try? String(contentsOfFile: "/proc/sysvipc/\(kind.dropFirst(5))", encoding: .utf8)) ?? ""
        return Set(text.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").first.flatMap { Int32($0) } })
    }

    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.runHoldingOffAgreementTests()
        return process
    }

    @Test func cleanRemovesWhatKilledDriversLeftAndNothingElse() throws {
        // Decoys: objects of every kind that are not the harness's (another prefix, or a tagged key whose live run
        // recorded it), and must survive.
        let tag = getpid()
        let decoyQueue = "/ipcx-decoy-\(tag)"
        let decoyMemory = "/ipcx-decoy-\(tag)"
        let decoySemaphore = "/ipcx-decoy-sem-\(tag)"
        let queue = try PosixMessageQueue.create(decoyQueue, maximumMessages: 1, messageSize: 8)
        try Syscall.close(queue)
        try Syscall.close(try PosixSharedMemory.create(decoyMemory, size: 8))
        try PosixSemaphore.create(decoySemaphore, value: 0).close()
        let untagged = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o600)
        // Paths: a FIFO and a bound socket under another prefix, and a harness-named FIFO of a live process.
        let decoyFIFO = "/tmp/ipcx-decoy-fifo-\(tag)"
        let decoySocketPath = "/tmp/ipcx-decoy-socket-\(tag)"
        let liveFIFO = "/tmp/ipch-\(tag)-decoy-fifo"
        try KernelFIFO.create(at: decoyFIFO)
        try KernelFIFO.create(at: liveFIFO)
        let decoySocket = try KernelUnixSocket.bound(.dgram, to: .path(decoySocketPath))
        let liveRun = RunNamespace()
        let liveKey = liveRun.sysvKey()
        try liveRun.record(.sysvSemaphore, RunNamespace.keyName(liveKey))
        let liveSet = try SystemVSemaphores.create(key: liveKey, values: [0])
        defer {
            try? Syscall.mqUnlink(decoyQueue)
            try? Syscall.shmUnlink(decoyMemory)
            try? Syscall.semUnlink(decoySemaphore)
            try? Syscall.msgRemove(untagged)
            try? Syscall.semRemove(liveSet)
            liveRun.removeAll()
            try? Syscall.close(decoySocket)
            for path in [decoyFIFO, decoySocketPath, liveFIFO] { unlink(path) }
        }

        // Drivers running scenarios of every kind, each stopped while its run's objects exist, then killed.
        let scenarios = [
            ("posix-mq-priority", "posix-mq"), ("posix-shm-words", "posix-shm"), ("posix-sem-named", "posix-sem"),
            ("sysv-msg-selection", "sysv-msg"), ("sysv-sem-undo", "sysv-sem"), ("sysv-shm-attach-count", "sysv-shm"),
            ("fifo-basic", "path"), ("unix-dgram-bound-path", "path"), ("unix-stream-listener-path", "path"),
        ]
        var left: [(kind: String, name: String, driver: pid_t)] = []
        for (scenario, kind) in scenarios {
            var caught = false
            for _ in 0..<5 where !caught {
                let driver = try start(["run", scenario, "--runs", "100000", "--seed", "9", "--out", "/tmp/ipch-clean-test-\(tag)"])
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline {
                    kill(driver.processIdentifier, SIGSTOP)
                    let present = records(ofRunsBy: driver.processIdentifier).filter { $0.kind == kind && exists($0.kind, $0.name) }
                    if !present.isEmpty {
                        caught = true
                        break
                    }
                    kill(driver.processIdentifier, SIGCONT)
                    usleep(2000)  // poll the stopped-and-resumed driver again; no result depends on this delay
                }
                kill(driver.processIdentifier, SIGKILL)
                driver.waitUntilExit()
                let leftovers = records(ofRunsBy: driver.processIdentifier)
                if caught { left += leftovers.map { ($0.kind, $0.name, driver.processIdentifier) } }
            }
            #expect(caught, "never caught a \(scenario) run with its objects")
        }
        #expect(left.contains { exists($0.kind, $0.name) })

        // Another clean may take some leftovers first: RunNamespaceTests runs one in this process alongside, and
        // other checkouts' suites on this machine run theirs (same user, same ledger directory). A leftover whose
        // ledger was gone before this clean started is not required in its report.
        let ledgersBefore = (try? Syscall.directoryEntries(RunNamespace.ledgerDirectory)) ?? []
        let clean = try CommandLineTests().run("clean")
        #expect(clean.status == 0)
        for (kind, name, driver) in left {
            #expect(!exists(kind, name), "\(kind) \(name) survived clean")
            // Every leftover of a killed driver is reported (it was there when the driver died, or clean saw its
            // record and found it already gone; either way it is listed).
            guard ledgersBefore.contains(where: { $0.hasPrefix("ipch-\(driver)-") }) else { continue }
            #expect(clean.output.contains("\(kind) \(name)"), "\(kind) \(name) not in the report:\n\(clean.output)")
        }
        #expect(left.contains { clean.output.contains("\($0.kind) \($0.name)") }, "clean reported none of the leftovers")
        #expect(exists("posix-mq", decoyQueue))
        #expect(exists("posix-shm", decoyMemory))
        #expect(exists("posix-sem", decoySemaphore))
        #expect((try? Syscall.msgStatus(untagged)) != nil)
        #expect((try? Syscall.semStatus(liveSet)) != nil)
        for path in [decoyFIFO, decoySocketPath, liveFIFO] { #expect(Syscall.exists(path), "\(path) did not survive clean") }
        #expect(!clean.output.contains("ipcx-decoy"))
        #expect(!clean.output.contains(liveFIFO))
    }

    @Test func aRunThatFailsRemovesEveryObjectItCreated() throws {
        // A replay whose only operation the worker cannot perform: the driver fails (exit 2) after creating one
        // object of every kind.
        let kinds: [(String, String, String)] = [
            ("posix-mq", "open", #"{"maxMessages":2,"messageSize":8}"#), ("sysv-msg", "use", #"{"capacity":64}"#),
            ("posix-shm", "map", #"{"words":2}"#), ("sysv-shm", "attach", #"{"words":2}"#),
            ("posix-sem", "use", #"{"value":0,"named":true}"#), ("sysv-sem", "use", #"{"values":[0]}"#),
            ("robust-mutex", "use", "{}"),
            ("fifo", "open", "{}"), ("unix-socket", "bound", #"{"type":"dgram","shape":"bound","address":"path"}"#),
            ("unix-socket", "listen", #"{"type":"seqpacket","shape":"listener","address":"path"}"#),
            ("eventfd", "hold", "{}"), ("signal", "receive", #"{"signals":["SIGUSR2"]}"#),
        ]
        let objects = kinds.enumerated().map { index, kind in
            #"{"name":"o\#(index)","kind":"\#(kind.0)","params":\#(kind.2)}"#
        }.joined(separator: ",")
        let holds = kinds.enumerated().map { index, kind in #""o\#(index)":["\#(kind.1)"]"# }.joined(separator: ",")
        let trace = [
            #"{"format":"ipc-trace","version":1,"model":"posix-mq","params":{"objects":{"o0":{"maxMessages":2,"messageSize":8,"holders":[1]}}},"mechanism":"kernel.posix-mq","seed":"1","strategy":"random","harness":"0.1.0","mode":"real","workload":{"objects":[\#(objects)],"processes":[{"id":1,"holds":{\#(holds)}}]}}"#,
            #"{"index":0,"time":5,"process":1,"type":"spawn","value":{"pid":4101}}"#,
            #"{"index":1,"time":10,"process":1,"type":"invoke","f":"send","object":"o0","value":{"data":"a","priority":1}}"#,
        ].joined(separator: "\n") + "\n"
        let path = "/tmp/ipch-failing-run-\(getpid()).jsonl"
        try trace.write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let keysBefore = Set(["sysv-msg", "sysv-sem", "sysv-shm"].flatMap { kind in sysvKeys(kind).map { "\(kind) \($0)" } })
        let shmBefore = Set(try Syscall.directoryEntries("/dev/shm"))
        let tmpBefore = Set(try Syscall.directoryEntries("/tmp"))

        let driver = Process()
        driver.executableURL = URL(fileURLWithPath: Self.executable)
        driver.arguments = ["replay", path]
        // Its workers cannot start: the run fails once every object exists (a trace the rules refuse is refused
        // before anything is created).
        driver.environment = ProcessInfo.processInfo.environment.merging(["IPC_HARNESS_WORKER": "/bin/false"]) { $1 }
        driver.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        driver.standardError = errors
        try driver.runHoldingOffAgreementTests()
        let pid = driver.processIdentifier
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        driver.waitUntilExit()
        #expect(driver.terminationStatus == 2)
        #expect(message.hasPrefix("error: "), "\(message)")
        #expect(records(ofRunsBy: pid).isEmpty)
        #expect(try Syscall.directoryEntries(RunNamespace.ledgerDirectory).allSatisfy { !$0.hasPrefix("ipch-\(pid)-") })
        #expect(try Syscall.directoryEntries("/dev/shm").filter { !shmBefore.contains($0) && $0.contains("ipch-\(pid)-") }.isEmpty)
        #expect(try Syscall.directoryEntries("/tmp").filter { !tmpBefore.contains($0) && $0.hasPrefix("ipch-\(pid)-") }.isEmpty)
        // Any tagged key that appeared belongs to a run of this test process (other suites run alongside).
        let liveNames = Set(((try? Syscall.directoryEntries(RunNamespace.ledgerDirectory)) ?? [])
            .filter { $0.hasPrefix("ipch-\(getpid())-") }
            .flatMap { file in ((try? String(contentsOfFile: "\(RunNamespace.ledgerDirectory)/\(file)", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) })
        for kind in ["sysv-msg", "sysv-sem", "sysv-shm"] {
            for key in sysvKeys(kind) where UInt32(bitPattern: key) >> 24 == 0x49 && !keysBefore.contains("\(kind) \(key)") {
                #expect(liveNames.contains("\(kind) \(RunNamespace.keyName(key))"), "\(kind) key \(key) outlived the failed run")
            }
        }
    }
}
