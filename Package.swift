// swift-tools-version: 6.1
//
// IPCHarness: a property-based correctness and fault-injection harness for inter-process communication.
// The layering (arrows point down only) is described in README.md and ../shared/DESIGN.md:
//
//   ipc-harness (CLI) = IPCHarnessCommand      IPCHarnessTesting (links Testing)     ipc-harness-worker
//            \                                    /                                  /
//             IPCHarness (kinds, drive, schedule, trace, check, replay, bench)   IPCHarnessWorker (+ CIPCInterposer)
//            /               \
//   IPCMechanisms           IPCModels (Models/: pure, no Glibc, no Foundation)
//         |
//   IPCSyscalls (one fault-injection point per call)
//         |
//   CIPCShims (C)    CURCU (C, liburcu)        CCoroutine (C: the simulation's virtual processes, under IPCHarness)
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "IPCHarness",
    products: [
        .library(name: "IPCModels", targets: ["IPCModels"]),
        .library(name: "IPCHarness", targets: ["IPCHarness"]),
        // The shared-memory protocol (SharedMemory, MemoryOrdering) and its MAP_SHARED implementation, for a user's
        // production code: a construction written against it needs nothing else of the harness.
        .library(name: "IPCMechanisms", targets: ["IPCMechanisms"]),
        .library(name: "IPCHarnessTesting", targets: ["IPCHarnessTesting"]),
        // A user's own worker executable (their kinds and clients; the libc interposer) and their own CLI.
        .library(name: "IPCHarnessWorker", targets: ["IPCHarnessWorker"]),
        .library(name: "IPCHarnessCommand", targets: ["IPCHarnessCommand"]),
        .executable(name: "ipc-harness", targets: ["ipc-harness"]),
        .executable(name: "ipc-harness-worker", targets: ["ipc-harness-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64", from: "1.2.0"),
        // Without its default trait, EnableShrinking: a property over the kernel that fails once under load is shrunk
        // by rerunning it, the reruns pass, and the report then names an input that did not fail and drops the
        // disagreement the test recorded (issues are suppressed while shrinking). Unshrunk, the failing run's own
        // issue is reported with its full input. A test may still ask for `.shrinking`.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1", traits: []),
        // Percentiles of the mechanisms bench's latencies (HDR histograms: fixed relative precision over a wide range).
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // C shims: GNU-only calls, macros and variadics Swift's Glibc module cannot reach.
        .target(name: "CIPCShims", cSettings: [.define("_GNU_SOURCE")]),
        // Coroutines for the simulation's virtual processes: a hand-written context switch (x86-64), guard-paged
        // stacks, crashes caught per coroutine.
        .target(name: "CCoroutine", cSettings: [.define("_GNU_SOURCE")]),
        // The timed loops of `bench mechanisms` (one message through each mechanism, raw system calls, memcpy into
        // the shared-memory ring): C so that the figures are the mechanisms' and not a Swift caller's.
        .target(name: "CIPCMechanismBench", cSettings: [.define("_GNU_SOURCE")]),
        .target(
            name: "CURCU",
            cSettings: [.define("_GNU_SOURCE"), .define("_LGPL_SOURCE")],
            linkerSettings: [
                .linkedLibrary("urcu-memb"), .linkedLibrary("urcu-qsbr"), .linkedLibrary("urcu-common"),
            ]
        ),

        // liburcu's memb read side inlined, as C programs get it with _LGPL_SOURCE: for `bench rcu` only.
        .target(
            name: "CURCUInline", cSettings: [.define("_GNU_SOURCE"), .define("_LGPL_SOURCE")],
            linkerSettings: [.linkedLibrary("urcu-memb"), .linkedLibrary("urcu-common")]
        ),

        .target(
            name: "IPCSyscalls",
            dependencies: ["CIPCShims", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strictSwift
        ),
        .target(
            name: "IPCModels",
            dependencies: [.product(name: "ExtrasBase64", package: "swift-extras-base64")],
            path: "Models",
            swiftSettings: strictSwift
        ),
        // Shared memory across processes uses the toolchain's Synchronization module (see MappedSharedMemory).
        // CURCU: liburcu for the RCU adapters.
        .target(
            name: "IPCMechanisms",
            dependencies: ["IPCSyscalls", "CIPCShims", "CURCU"],
            swiftSettings: strictSwift
        ),
        .target(
            name: "IPCHarness",
            dependencies: [
                "IPCModels", "IPCMechanisms", "IPCSyscalls", "CURCU", "CURCUInline", "CCoroutine", "CIPCMechanismBench",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                // A fuzzing record's coverage hashes as one base64 string (FuzzRecord).
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
            ],
            swiftSettings: strictSwift
        ),
        .target(name: "IPCHarnessTesting", dependencies: ["IPCHarness"], swiftSettings: strictSwift),
        // Definitions of the IPC calls that take precedence over libc's in a worker executable, so that faults
        // reach code calling libc directly. Linked only through IPCHarnessWorker.
        .target(name: "CIPCInterposer", cSettings: [.define("_GNU_SOURCE")]),
        .target(
            name: "IPCHarnessWorker",
            dependencies: [
                "IPCHarness", "IPCSyscalls", "CIPCInterposer", "CIPCShims",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "IPCHarnessCommand",
            dependencies: [
                "IPCHarness", "IPCHarnessWorker", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(name: "ipc-harness", dependencies: ["IPCHarnessCommand"], swiftSettings: strictSwift),
        .executableTarget(name: "ipc-harness-worker", dependencies: ["IPCHarnessWorker"], swiftSettings: strictSwift),

        // What several test targets share (not a product).
        // Every posix_spawn of the test process takes the spawn gate (Tests/CSpawnGate/spawn_gate.c says why).
        .target(name: "CSpawnGate", dependencies: ["CIPCShims"], path: "Tests/CSpawnGate", cSettings: [.define("_GNU_SOURCE")]),
        .target(
            name: "TestSupport",
            dependencies: ["IPCSyscalls", "CSpawnGate", .product(name: "PropertyBased", package: "swift-property-based")],
            path: "Tests/TestSupport", swiftSettings: strictSwift
        ),
        .testTarget(
            name: "IPCModelsTests",
            dependencies: ["IPCModels", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strictSwift
        ),
        .testTarget(name: "IPCSyscallsTests", dependencies: ["IPCSyscalls"], swiftSettings: strictSwift),
        .testTarget(name: "CURCUTests", dependencies: ["CURCU", "TestSupport"], swiftSettings: strictSwift),
        .testTarget(
            name: "IPCMechanismsTests",
            dependencies: [
                "IPCMechanisms", "IPCSyscalls", "IPCModels", "CURCU", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "IPCHarnessTests",
            dependencies: [
                "IPCHarness", "IPCModels", "ipc-harness-worker", "TestSupport", "CIPCMechanismBench",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "IPCHarnessTestingTests",
            dependencies: ["IPCHarnessTesting", "ipc-harness-worker"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TraceCorpusTests",
            dependencies: ["IPCHarness", "ipc-harness-worker"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CommandLineTests",
            dependencies: ["ipc-harness", "ipc-harness-worker", "IPCHarness", "IPCMechanisms", "IPCSyscalls", "IPCHarnessCommand", "TestSupport"],
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)
