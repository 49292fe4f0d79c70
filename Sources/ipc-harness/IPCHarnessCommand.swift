import ArgumentParser
import Glibc
import IPCHarness

/// `ipc-harness`: lists the subcommands; each subcommand is one call into the library.
@main
struct IPCHarnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipc-harness",
        abstract: "Property-based correctness and fault-injection testing for inter-process communication.",
        discussion: "Exit status: 0 no violation, 1 violation (trace written), 2 bad input or usage, 3 undecided.",
        subcommands: [List.self, Run.self, Fuzz.self, Check.self, Shrink.self, Replay.self, Report.self, Clean.self, Bench.self]
    )

    /// Runs the command; errors print one line on standard error. Usage errors exit 2 (not ArgumentParser's 64).
    static func main() {
        if CommandLine.arguments.dropFirst().first == WorkerLocator.selfServeArgument { WorkerMain.run() }
        StopSignals.install()
        ProcessSetup.lineBufferedOutput()
        ProcessSetup.ignoreBrokenPipes()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            StopSignals.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                StopSignals.exit(0)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            printError("error: \(message)")
            StopSignals.exit(2)
        }
    }
}

func printError(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// A failure the user must fix: printed as one line, exit status 2.
struct UsageFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
