import Glibc
@testable import IPCHarness
import IPCModels
import IPCSyscalls
import Testing

/// Issue 14, item 6: `fifo-permission` made a 0666 FIFO in /tmp, which `nobody` opened to steal and inject bytes,
/// and its workers ran as `nobody`, whom anything else running as `nobody` may signal or trace.
@Suite struct PrivateFIFOTests {
    @Test func theOpenedUpFIFOLivesWhereOnlyItsWorkersCanReachIt() throws {
        guard getuid() == 0 else {
            print("skipped: the fifo-permission workload needs root")
            return
        }
        var generator = SeededGenerator(seed: 1)
        let workload = KernelRuleScenarios.workload(&generator)
        var objects = try ObjectProvisioner.provision(workload)
        defer {
            objects.closeDriverCopies()
            objects.removeNamedObjects()
        }
        guard case .object(let setup)? = objects.setups[1]?["f0"], case .string(let path)? = setup["path"],
            case .integer(let user)? = setup["user"]
        else {
            Issue.record("no path or user in \(String(describing: objects.setups[1]))")
            return
        }
        #expect(user != 65534, "the workers run as nobody")
        #expect(UnusedUser.range.contains(UInt32(user)))
        let directory = String(path[..<path.lastIndex(of: "/")!])
        let status = try Syscall.fileStatus(directory)
        #expect(status.kind == .directory && status.owner == 0 && status.permissions == 0o710)
        #expect(try Syscall.fileStatus(path).kind == .fifo)

        if access("/usr/bin/setpriv", X_OK) == 0 {
            // Another local user cannot even reach the FIFO's name.
            let attacker = try Syscall.spawn(
                SpawnRequest(
                    path: "/usr/bin/setpriv",
                    arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/test", "-e", path]))
            #expect(try Syscall.wait(attacker) == .exited(code: 1), "nobody reached \(path)")
            // The workers' user can (and the FIFO's own mode decides the rest).
            let worker = try Syscall.spawn(
                SpawnRequest(
                    path: "/usr/bin/setpriv",
                    arguments: ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "/usr/bin/test", "-p", path]))
            #expect(try Syscall.wait(worker) == .exited(code: 0), "the workers' user cannot reach \(path)")
        } else {
            print("skipped the attacker: setpriv is not installed")
        }
        objects.removeNamedObjects()
        #expect(access(directory, F_OK) != 0, "\(directory) outlived its run")
    }
}
