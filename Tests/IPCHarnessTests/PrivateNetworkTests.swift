import Glibc
@testable import IPCHarness
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Issue 14, item 5: any local user could list (`/proc/net/unix`), connect and send to the abstract names of
/// `unix-dgram-bound-abstract` and `unix-seqpacket-listener-abstract`, and that traffic turned a correct run into a
/// violation. A run with abstract names makes them in a network namespace of its own.
@Suite struct PrivateNetworkTests {
    func listed(_ text: String) -> Bool {
        LeftoverCleaner.readLines("/proc/self/net/unix").contains { $0.contains(text) }
    }

    @Test(arguments: ["unix-dgram-bound-abstract", "unix-seqpacket-listener-abstract"])
    func abstractNamesAreOutOfEveryoneElsesReach(scenario name: String) throws {
        guard getuid() == 0 else {
            print("skipped: a network namespace of the run's own needs root")
            return
        }
        let scenario = try #require(Scenarios.named(name))
        var generator = SeededGenerator(seed: 4)
        let workload = try #require(scenario.realSetup).makeWorkload(&generator)
        #expect(PrivateNetwork.isNeeded(for: workload))
        var objects = try PrivateNetwork.run(for: workload) { () throws(HarnessError) in
            try ObjectProvisioner.provision(workload)
        }
        defer {
            objects.closeDriverCopies()
            objects.removeNamedObjects()
        }
        let stem = objects.namespace.stem
        // The sockets exist (the driver holds them), yet outside the run's namespace nothing lists or reaches them.
        #expect(!objects.driverCopies.isEmpty)
        #expect(!listed(stem), "\(stem) is listed in this namespace's /proc/net/unix")
        let type: UnixSocketType = name.contains("dgram") ? .dgram : .seqpacket
        let address = UnixAddress.abstract(stem + (type == .dgram ? "s0-p1" : "s0"))
        if type == .dgram {
            let stranger = try Syscall.unixSocket(.dgram)
            defer { try? Syscall.close(stranger) }
            #expect(throws: Errno.connectionRefused) {
                _ = try KernelUnixSocket.send(stranger, Array("injected".utf8), to: address, nonblocking: true)
            }
        } else {
            #expect(throws: Errno.connectionRefused) {
                _ = try KernelUnixSocket.connect(.seqpacket, to: address, nonblocking: true)
            }
        }
    }

    @Test func aWorkloadWithoutAbstractNamesStaysInTheDriversNamespace() throws {
        let scenario = try #require(Scenarios.named("unix-dgram-bound-path"))
        var generator = SeededGenerator(seed: 4)
        #expect(!PrivateNetwork.isNeeded(for: try #require(scenario.realSetup).makeWorkload(&generator)))
    }
}
