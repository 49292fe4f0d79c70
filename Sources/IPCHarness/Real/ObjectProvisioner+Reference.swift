import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

extension ObjectProvisioner {
    /// A reference implementation's shared memory (an anonymous memory file, initialised here, handed to every
    /// holder of the `memory` role) and its copy channels (a pipe each; `send:N` holders get a write end,
    /// `receive:N` holders a read end, each its own open file description), of the ``CopyChannelKind`` the
    /// object's `channel` parameter names (pipes by default).
    static func provisionReference(
        _ object: Workload.Object, _ workload: Workload, _ provisioned: inout ProvisionedObjects, _ nextTarget: inout CInt
    ) throws {
        guard case .string(let implementation)? = object.parameters["implementation"] else {
            throw HarnessError("reference object \(object.name) names no implementation")
        }
        let construction: any ReferenceConstruction
        do {
            construction = try ReferenceConstructions.make(implementation, setup: object.parameters["setup"])
        } catch {
            throw HarnessError("reference object \(object.name): \(error.message)")
        }
        let memory = try Syscall.memfdCreate("\(RunNamespace.prefix)\(object.name)")
        provisioned.driverCopies.append(memory)
        try Syscall.truncate(memory, size: construction.size)
        do {
            let mapping = try MappedSharedAccess(descriptor: memory, size: construction.size)
            for (offset, value) in construction.initialWords { mapping.store(offset, value, .sequentiallyConsistent) }
        }
        let kind = try CopyChannelKind.named(object.parameters["channel"])
        var channels: [(receive: FileDescriptor, send: FileDescriptor)] = []
        for _ in 0..<construction.channels {
            let channel = try kind.create()
            provisioned.driverCopies += [channel.receive, channel.send]
            channels.append(channel)
        }
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            var setup: JSONObject = [
                "kind": "reference", "setup": object.parameters["setup"] ?? .null, "process": .int(process.id),
                "channel": .string(kind.rawValue),
            ]
            if roles.contains("memory") {
                provisioned.descriptors[process.id, default: []].append((memory, nextTarget))
                setup["memory"] = .int(Int(nextTarget))
                nextTarget += 1
            }
            var ends = JSONObject()
            for role in roles {
                let parts = role.split(separator: ":")
                guard parts.count == 2, let channel = Int(parts[1]), channels.indices.contains(channel) else { continue }
                let forWriting = parts[0] == "send"
                let end = try kind.openEnd(forWriting ? channels[channel].send : channels[channel].receive, forSending: forWriting)
                provisioned.driverCopies.append(end)
                provisioned.descriptors[process.id, default: []].append((end, nextTarget))
                var pair = ends[String(channel)]?.objectValue ?? JSONObject()
                pair[forWriting ? "write" : "read"] = .int(Int(nextTarget))
                ends[String(channel)] = .object(pair)
                nextTarget += 1
                if forWriting {
                    // The sender also holds (and never uses) a read end: a channel lives as long as anyone who
                    // holds it, as the simulation's does, so a receiver that finished its program early does not
                    // turn the sender's next send into EPIPE.
                    let keeper = try kind.openEnd(channels[channel].receive, forSending: false)
                    provisioned.driverCopies.append(keeper)
                    provisioned.descriptors[process.id, default: []].append((keeper, nextTarget))
                    nextTarget += 1
                }
            }
            setup["channels"] = .object(ends)
            provisioned.setups[process.id, default: JSONObject()][object.name] = .object(setup)
        }
    }
}
