import Foundation

/// Runs the example's command line, `example-harness` (SwiftPM builds it beside this test bundle, as the test target
/// depends on it), to its end: its exit status and standard output. Standard error passes through to the test's own,
/// so a refusal's one line shows in the test log. The one way every suite here starts the example's CLI.
func exampleHarness(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = bundle.deletingLastPathComponent()
    while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("example-harness").path),
        directory.path != "/"
    {
        directory.deleteLastPathComponent()
    }
    let process = Process()
    process.executableURL = directory.appendingPathComponent("example-harness")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func exampleHarness(_ arguments: String...) throws -> (status: Int32, output: String) {
    try exampleHarness(arguments)
}
