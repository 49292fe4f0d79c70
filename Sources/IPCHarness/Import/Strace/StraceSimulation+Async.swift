import IPCModels

/// `O_ASYNC` (signal-driven I/O) and the calls that go with it — `fcntl(F_SETFL)` with `O_ASYNC`, `F_SETOWN`,
/// `F_SETSIG` — as the models that have them take them.
///
/// A pipe's (`pipe` model) and a socket pair's (`unix-socket` model) are their models' `fcntl` operations: `F_SETFL`
/// with `"async"`, `F_SETOWN` with the owner named by the trace's process number, `F_SETSIG`. The signals they make
/// the kernel send are the models' to keep; the importer records no `sigtimedwait` of them (a signal receiver that
/// takes one with `rt_sigtimedwait` leaves the check: no `kill` of the log sent it), so they are never judged against
/// the log, and nothing else a model judges depends on them. An eventfd drops `O_ASYNC` (measured,
/// `KernelEventCounterDescriptorFactsTests`: `F_SETFL` succeeds, nothing is ever sent), so it stays checked with no
/// operation. Every other object with `O_ASYNC`, and every object but a pipe or a socket pair given an owner or a
/// signal, leaves the check, with the reason.
extension StraceSimulation {
    /// `fcntl(fd, F_SETFL, flags)` that succeeded: `O_ASYNC` turned on or off.
    mutating func simulateAsyncFlag(_ call: StraceLog.Call, fd: Int, flags: Int64, succeeded: Bool) {
        guard succeeded, let entry = descriptors.entry(pid: call.pid, fd: fd) else { return }
        let file = descriptors[file: entry.file]
        let async = flags & 0o20000 != 0
        // Only calls that set O_ASYNC or clear it where it was set: the others are followed as before (O_NONBLOCK
        // per call).
        guard async || file.async else { return }
        descriptors[file: entry.file].async = async
        guard let object = file.object else { return }
        switch objects[object].kind {
        case .pipe:
            // The pipe model's F_SETFL needs O_NONBLOCK too, which it keeps per process and end and adds to each
            // call's own: `excludePipesWhoseNonblockingTheModelCannotFollow` checks that no blocking call of that
            // process's end follows while the model has it set.
            let value: JSONObject = [
                "end": .string(file.end), "cmd": "F_SETFL", "nonblocking": .bool(flags & 0o4000 != 0), "async": .bool(async),
            ]
            record(object, call, f: "fcntl", value: .object(value), outcome: .ok(nil))
        case .socketPair:
            // The unix-socket model's F_SETFL leaves an absent "nonblocking" as it was (its calls carry their own).
            record(object, call, f: "fcntl", value: ["end": .string(file.end), "cmd": "F_SETFL", "async": .bool(async)], outcome: .ok(nil))
        case .eventfd:
            break
        default:
            objects[object].exclude(
                "fcntl(F_SETFL, O_ASYNC) at line \(call.line): signal-driven I/O on a \(objects[object].kind.model) object is not imported (the pipe and unix-socket models have it)")
        }
    }

    /// `fcntl(fd, F_SETOWN, owner)` or `fcntl(fd, F_SETSIG, signal)` that succeeded.
    mutating func simulateOwnerOrSignal(_ call: StraceLog.Call, fd: Int, command: Int64, argument: Int64?) {
        guard let entry = descriptors.entry(pid: call.pid, fd: fd), let object = descriptors[file: entry.file].object else { return }
        let end = descriptors[file: entry.file].end
        let name = command == 8 ? "F_SETOWN" : "F_SETSIG"
        switch objects[object].kind {
        case .pipe, .socketPair: break
        default:
            objects[object].exclude("fcntl(\(name)) at line \(call.line): not in the \(objects[object].kind.model) model")
            return
        }
        guard let argument else {
            objects[object].exclude("fcntl(\(name)) at line \(call.line) shows no argument the importer can read")
            return
        }
        var value: JSONObject = ["end": .string(end), "cmd": .string(name)]
        if command == 10 {
            value["signal"] = .integer(argument)
        } else if argument == 0 {
            value["owner"] = "none"
        } else if argument > 0, descriptors.tableOf[Int(argument)] != nil || Int(argument) == call.pid {
            // A process of the log: its number is known once the log is read (StraceImporter resolves "ownerPid").
            value["owner"] = "process"
            value["ownerPid"] = .integer(argument)
        } else if argument > 0 {
            value["owner"] = "other"  // it succeeded: a process outside the log has that pid
        } else {
            objects[object].exclude("fcntl(F_SETOWN) at line \(call.line) names a process group, which the log does not say the members of")
            return
        }
        record(object, call, f: "fcntl", value: .object(value), outcome: .ok(nil))
    }

    /// `F_SETFL` that turns a pipe end's `O_DIRECT` (packet mode) on or off: the pipe model keeps it per process and
    /// end, where the log's is the open file description's, shared by every process holding it; the pipe leaves the
    /// check. (`pipe2` with `O_DIRECT` is the model's `"packet"` pipe.)
    mutating func simulatePacketMode(_ call: StraceLog.Call, fd: Int, flags: Int64) {
        guard let entry = descriptors.entry(pid: call.pid, fd: fd) else { return }
        let direct = flags & 0o40000 != 0
        guard descriptors[file: entry.file].direct != direct else { return }
        descriptors[file: entry.file].direct = direct
        if let object = descriptors[file: entry.file].object, case .pipe = objects[object].kind {
            objects[object].exclude("fcntl(F_SETFL) at line \(call.line) turned O_DIRECT \(direct ? "on" : "off"): a description's packet mode is not imported")
        }
    }
}
