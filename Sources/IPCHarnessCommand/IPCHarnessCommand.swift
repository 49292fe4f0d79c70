import ArgumentParser
import Glibc
public import IPCHarness
import IPCHarnessWorker
import Synchronization

/// The `ipc-harness` command line as a library: build your own, with your kinds, clients, models and scenarios
/// registered, in one line.
///
/// ```swift
/// // Sources/my-harness/main.swift (an executable target depending on the IPCHarnessCommand product)
/// import IPCHarnessCommand
/// import MyComponents
///
/// IPCHarnessCommand.main(MyComponents.all)
/// ```
///
/// It has every subcommand of `ipc-harness` (`list`, `run`, `fuzz`, `import`, `check`, `replay`, `shrink`,
/// `report`, `clean`, `bench`), over the built-in components and yours: your scenarios are listed and run, your traces
/// check, draw, replay and shrink. With components of your own it serves as its own worker process (it links the
/// harness's worker and interposer), so what it drives runs your code; `IPC_HARNESS_WORKER` names another.
/// `ipc-harness` is this with no components.
public enum IPCHarnessCommand {
    public static func main(_ components: HarnessComponents = .none) -> Never {
        if CommandLine.arguments.dropFirst().first == WorkerLocator.selfServeArgument { IPCHarnessWorker.run(components) }
        do {
            try components.register()
        } catch {
            printError("error: \(error.message)")
            exit(2)
        }
        CommandWorker.servesItself.withLock { $0 = !components.isEmpty }
        CommandLineText.commandName = HarnessCommandLine.configuration.commandName ?? "ipc-harness"
        HarnessCommandLine.main()
    }
}

/// The worker process this command line starts: the built-in worker beside it (or itself), or — when it carries
/// components of its own, which the built-in worker lacks — always itself.
enum CommandWorker {
    static let servesItself = Mutex(false)

    static func command() throws(HarnessError) -> WorkerCommand {
        if servesItself.withLock({ $0 }), getenv(WorkerLocator.environmentVariable) == nil {
            return try WorkerLocator.runningExecutableAsWorker()
        }
        return try WorkerLocator.workerCommand(runningExecutableCanServe: true)
    }
}

extension HarnessComponents {
    var isEmpty: Bool { kinds.isEmpty && clients.isEmpty && models.isEmpty && invariants.isEmpty && scenarios.isEmpty }
}

/// The root command: lists the subcommands; each subcommand is one call into the library.
struct HarnessCommandLine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "ipc-harness") } ?? "ipc-harness",
        abstract: "Property-based correctness and fault-injection testing for inter-process communication.",
        discussion: "Exit status: 0 no violation, 1 violation (trace written), 2 bad input or usage, 3 undecided.",
        subcommands: [List.self, Run.self, Fuzz.self, Import.self, Check.self, Shrink.self, Replay.self, Report.self, Clean.self, Bench.self]
    )

    /// Runs the command; errors print one line on standard error. Usage errors exit 2 (not ArgumentParser's 64).
    static func main() -> Never {
        StopSignals.install()
        ProcessSetup.lineBufferedOutput()
        ProcessSetup.ignoreBrokenPipes()
        do {
            var command = try parseCheckAlone() ?? parseAsRoot()
            try command.run()
            StopSignals.exit(0)
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

extension HarnessCommandLine {
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
