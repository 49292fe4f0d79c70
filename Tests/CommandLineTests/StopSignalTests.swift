import Foundation
import Glibc
import IPCHarness
import IPCSyscalls
import TestSupport
import Testing

/// Issue 14, items 11 and 14: SIGINT, SIGTERM and SIGHUP skipped every clean-up (12 of 18 stops left ledgers and
/// queues behind), and output into a pipe came in blocks, so a stopped run had printed nothing.
@Suite(.serialized) struct StopSignalTests {
    let clean = CleanCommandTests()

    func start(_ arguments: [String], output: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = arguments
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.runHoldingOffAgreementTests()
        return process
    }

    /// A stopped driver, caught while objects of its run exist, is told to stop: it removes them and its ledger and
    /// exits 128 + the signal.
    @Test(arguments: [(SIGINT, 130), (SIGTERM, 143), (SIGHUP, 129)] as [(Int32, Int32)])
    func aStopSignalRemovesTheRunsObjectsAndExitsWithItsStatus(signal: Int32, status: Int32) throws {
        var caught: [(kind: String, name: String)] = []
        for _ in 0..<5 where caught.isEmpty {
            let driver = try start([
                "run", "posix-mq-priority", "--runs", "100000", "--seed", "9", "--out",
                "/tmp/ipch-stop-test-\(getpid())",
            ])
            let pid = driver.processIdentifier
            for _ in 0..<15_000 where caught.isEmpty {
                kill(pid, SIGSTOP)
                caught = clean.records(ofRunsBy: pid).filter { clean.exists($0.kind, $0.name) }
                if caught.isEmpty {
                    kill(pid, SIGCONT)
                    usleep(2000)  // poll the resumed driver again; no result depends on this delay
                }
            }
            kill(pid, signal)
            kill(pid, SIGCONT)
            driver.waitUntilExit()
            guard !caught.isEmpty else { continue }
            #expect(driver.terminationReason == .exit && driver.terminationStatus == status)
            for record in caught {
                #expect(!clean.exists(record.kind, record.name), "\(record.kind) \(record.name) left behind")
            }
            #expect(clean.records(ofRunsBy: pid).isEmpty, "the ledger of \(pid) is left")
        }
        #expect(!caught.isEmpty, "never caught a run with its objects")
    }

    /// Output into a pipe comes line by line: the first line is there while the command still runs, and survives
    /// its being stopped.
    @Test func outputIntoAPipeComesLineByLine() throws {
        let output = Pipe()
        let fuzz = try start(
            ["fuzz", "--time", "1h", "--mode", "sim", "--out", "/tmp/ipch-stop-test-\(getpid())"], output: output)
        var descriptor = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
        // A bound so that a block-buffered CLI fails the test rather than hanging it; nothing is measured.
        let ready = poll(&descriptor, 1, 120_000)
        kill(fuzz.processIdentifier, SIGTERM)
        fuzz.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(ready == 1)
        #expect(text.hasPrefix("fuzzing "), "\(text)")
        #expect(fuzz.terminationStatus == 143)
    }
}
