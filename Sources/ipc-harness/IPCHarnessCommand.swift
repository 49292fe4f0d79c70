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
        ProcessSetup.ignoreBrokenPipes()
        do {
            var command = try parseCheckAlone() ?? parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Glibc.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            printError("error: \(message)")
            Glibc.exit(2)
        }
    }
}

extension IPCHarnessCommand {
    /// `ipc-harness check …` parsed by the check command alone: parsing from the root builds the whole tree of
    /// subcommands by reflection first, which was a fifth of a 1k-operation check's time. The same definitions
    /// parse the same arguments, so values are accepted and refused as before; a request for help goes to the
    /// root, whose usage lines name the whole command.
    static func parseCheckAlone() throws -> (any ParsableCommand)? {
        let arguments = CommandLine.arguments.dropFirst()
        guard arguments.first == "check", !arguments.contains(where: { $0 == "-h" || $0 == "--help" || $0 == "help" }) else {
            return nil
        }
        return try Check.parseAsRoot(Array(arguments.dropFirst()))
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
