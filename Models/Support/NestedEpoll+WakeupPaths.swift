/// `reverse_path_check` (`fs/eventpoll.c`): an `EPOLL_CTL_ADD` that would give a file too many wakeup paths — chains
/// of instances from an instance holding the file up to one no instance holds — of some length fails `EINVAL`, the
/// registration not made. Measured on this kernel (`EpollWakeupPathFactsTests`, a C probe first): paths that stop at
/// the instance holding the file are not counted; of those with 1, 2, 3 and 4 links above it, a file may have 500,
/// 100, 50 and 10. So an eventfd at the foot of a chain of four instances may see the chain's top added to 10 more
/// instances, and the 11th ADD fails — a trace of 15 instances, well within what a user's code makes.
///
/// The kernel checks the files below the new registration (the target, or every file in the target instance's tree)
/// after inserting it, counting every path of each, whoever's instances they go through; every path was made by such
/// a checked ADD, so the other files never pass a limit. `EINVAL` comes after `EEXIST` and `ELOOP` (`ep_insert`). The
/// implicit instance's plain ADD is checked as a kept one's: it may be nested too (every model with kept instances).
///
/// A model's leaf is one file for its process, but not always for another: a FIFO's or a queue's other opener holds
/// a file of its own, while a pipe's end inherited is the same file. So the paths through the adding process's own
/// instances decide (`EINVAL` when they alone pass a limit), and those through other processes' may (both allowed);
/// so do two registrations of one end in one instance (a FIFO end opened twice: two files, each with its own paths).
extension NestedEpoll {
    /// The most wakeup paths a file may have with 1, 2, 3 and 4 links above the instance holding it (`path_limits`;
    /// its first entry, for no link, is never applied).
    public static let wakeupPathLimits = [1: 500, 2: 100, 3: 50, 4: 10]
}

extension NestedEpollState {
    /// Whether `process`'s ADD of `target`, already stored in this state, gives a leaf below it more wakeup paths of
    /// some length than the kernel allows: counting only `process`'s own instances, or every process's.
    func exceedsWakeupPaths(below target: NestedEpoll.Target<Leaf>, process: Int, everyProcess: Bool) -> Bool {
        let leaves: Set<Leaf>
        switch target {
        case .end(let leaf): leaves = [leaf]
        case .instance(let name): leaves = leavesRegistered(below: name, process: process, bound: NestedEpoll.maximumNesting + 1)
        }
        return leaves.contains { leaf in
            var counts: [Int: Int] = [:]
            for (holder, instance) in instances(holding: leaf) where everyProcess || holder == process {
                if countWakeupPaths(from: instance, process: holder, links: 0, into: &counts) { return true }
            }
            return false
        }
    }

    /// `reverse_path_check` after `process`'s ADD of `target` succeeded in the model, leaving this state (`before`: the
    /// state it was made in): nil when every leaf below it fits; true when the paths through `process`'s own instances
    /// pass a limit (`EINVAL`, nothing registered); false when only others' might, or uncounted ones (both allowed).
    /// For the implicit instance's plain ADD as for a kept one's: the implicit instance may be nested too.
    func wakeupPathRefusal(afterAdding target: NestedEpoll.Target<Leaf>, process: Int, before: Self) -> Bool? {
        guard hasNesting else { return nil }
        if exceedsWakeupPaths(below: target, process: process, everyProcess: false) {
            // Sure only while each of the process's instances holds one registration of a leaf: two (a FIFO end's
            // older open beside its newer one) are two files, each with its own paths.
            return !holdsSeveralFilesOfALeaf(process: process)
        }
        if before.wakeupPathsUncertain || exceedsWakeupPaths(below: target, process: process, everyProcess: true) { return false }
        return nil
    }

    /// Whether one of `process`'s instances holds two registrations of one leaf (two opens of it: two files).
    private func holdsSeveralFilesOfALeaf(process: Int) -> Bool {
        let keys = epoll.filter { $0.process == process }.map { "\(implicitEpoll) \($0.target)" }
            + nestedEpoll.filter { $0.process == process && $0.target.target.instanceName == nil }.map { "\($0.target.instance) \($0.target.target)" }
        return Set(keys).count < keys.count
    }

    /// Whether a process whose epoll calls the model no longer follows may hold instances whose paths it cannot count.
    var wakeupPathsUncertain: Bool { !epollUnjudged.isEmpty }

    /// Every leaf registered in `instance` or in an instance below it.
    private func leavesRegistered(below instance: String, process: Int, bound: Int) -> Set<Leaf> {
        guard bound > 0 else { return [] }
        var found: Set<Leaf> = []
        for registration in registrations(of: instance, process: process) {
            switch registration.target.target {
            case .end(let leaf): found.insert(leaf)
            case .instance(let child): found.formUnion(leavesRegistered(below: child, process: process, bound: bound - 1))
            }
        }
        return found
    }

    /// The instances, of any process, holding a registration of `leaf`.
    private func instances(holding leaf: Leaf) -> [(process: Int, instance: String)] {
        epoll.filter { $0.target == leaf }.map { ($0.process, implicitEpoll) }
            + nestedEpoll.filter { $0.target.target == .end(leaf) }.map { ($0.process, $0.target.instance) }
    }

    /// Counts the paths up from `instance` (`links` above the leaf's instance so far) into `counts` by their links;
    /// true as soon as one length passes its limit (or a path is longer than any the loop check lets be made).
    private func countWakeupPaths(from instance: String, process: Int, links: Int, into counts: inout [Int: Int]) -> Bool {
        let holders = parents(of: instance, process: process)
        if holders.isEmpty {
            guard links > 0 else { return false }
            guard let limit = NestedEpoll.wakeupPathLimits[links] else { return true }
            counts[links, default: 0] += 1
            return counts[links]! > limit
        }
        return holders.contains { countWakeupPaths(from: $0.target.instance, process: process, links: links + 1, into: &counts) }
    }

    /// A plain `epoll_ctl` ADD or MOD of `target` in the implicit instance that succeeded, leaving this state: the
    /// kept instances holding the implicit one take a wake, and an ADD that gives a leaf too many wakeup paths ends
    /// `failed` (`EINVAL`) instead of `controlled` (sure) or beside it (``wakeupPathRefusal(afterAdding:process:before:)``).
    func wakingParentsOfImplicit<Output>(
        after operation: Epoll.Operation, of target: Leaf?, process: Int, before: Self, controlled: Output, failed: Output
    ) -> [(output: Output?, next: Self)] {
        var refusal: [(output: Output?, next: Self)] = []
        if operation == .add, let target, let sure = wakeupPathRefusal(afterAdding: .end(target), process: process, before: before) {
            if sure { return [(failed, before)] }
            refusal = [(failed, before)]
        }
        return [(controlled, wakingParents(of: NestedEpoll.implicitInstance, process: process, level: .perhaps))] + refusal
    }
}
