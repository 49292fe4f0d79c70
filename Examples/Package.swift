// swift-tools-version: 6.1
//
// An example of testing your own IPC code with IPCHarness, as a separate package that depends on it by path.
// Copy it, point the dependency at IPCHarness (by path or URL), and replace ExampleIPC with your code.
//
//   ExampleIPC        your IPC code (a framing protocol over a socket, a token pool over a semaphore, a lock-free
//                     stack, a one-slot mailbox and a hand-off slot in shared memory), each with a broken twin;
//                     the kinds and models that describe it to the harness; your scenarios
//   example-worker    your worker executable: IPCHarnessWorker.run(ExampleComponents.all)
//   example-harness   your command line: IPCHarnessCommand.main(ExampleComponents.all) — run, fuzz, replay, shrink
//   ExampleIPCTests   swift test: your scenarios in real worker processes, with faults and kills, and your
//                     shared-memory code in the simulation
import Foundation
import PackageDescription

// A path dependency's identity is the last component of its path: the name of the directory IPCHarness is
// checked out in, whatever it is called (a URL dependency's identity is its repository's name instead).
let harness = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "IPCHarnessExamples",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .target(
            name: "ExampleIPC",
            dependencies: [
                .product(name: "IPCHarness", package: harness),
                .product(name: "IPCMechanisms", package: harness),
                .product(name: "IPCModels", package: harness),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "example-worker",
            dependencies: ["ExampleIPC", .product(name: "IPCHarnessWorker", package: harness)]
        ),
        .executableTarget(
            name: "example-harness",
            dependencies: ["ExampleIPC", .product(name: "IPCHarnessCommand", package: harness)]
        ),
        .testTarget(
            name: "ExampleIPCTests",
            dependencies: [
                "ExampleIPC", "example-worker", "example-harness",
                .product(name: "IPCHarnessTesting", package: harness),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
