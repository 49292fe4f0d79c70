extension PipeModel {
    /// One page of the pipe's ring: the unread bytes and where they start within the page.
    public struct Page: Hashable, Sendable {
        /// Where the first unread byte sits in the page; reads advance it, so free space at the front of a
        /// partly read page is not reused (merges only append at the end).
        public var offset: Int
        public var bytes: ArraySlice<UInt8>
        /// Written by a writer in packet mode (`O_DIRECT`): nothing merges into it, and a read that reaches it
        /// takes it alone (what the read's buffer cannot hold is discarded) and returns.
        public var packet = false
        /// A file's or the caller's page lent by `splice` or `vmsplice`: one slot however few bytes, and nothing merges
        /// into it (the kernel gives it no `PIPE_BUF_FLAG_CAN_MERGE`).
        public var lent = false
    }

    /// One open file description of a pipe's end, named by the end and the lowest process sharing it.
    public struct Description: Hashable, Sendable, Comparable {
        public var end: End
        public var holder: Int

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.end.rawValue, lhs.holder) < (rhs.end.rawValue, rhs.holder)
        }
    }

    /// Bytes a process's blocking write has already put into the pipe while it waits to put in the rest.
    public struct WriteProgress: Hashable, Sendable {
        public var process: Int
        public var written: Int
    }

    /// A pipe's contents and who holds it.
    public struct State: Hashable, Sendable {
        /// How many pages the pipe may hold (capacity / page size); `F_SETPIPE_SZ` changes it.
        public internal(set) var slots: Int
        /// Pages in the ring, oldest first.
        public internal(set) var pages: [Page] = []
        /// Processes holding a read end, once per end held.
        public internal(set) var readers: [Int]
        /// Processes holding a write end, once per end held.
        public internal(set) var writers: [Int]
        /// Blocking writes in progress, by process.
        public internal(set) var inProgress: [WriteProgress] = []
        /// Groups of processes sharing one description of each end they hold (from the setup).
        public let shared: [[Int]]
        /// Groups of processes sharing one implicit epoll instance (from the setup; see ``Setup/sharedEpoll``).
        public let sharedEpoll: [[Int]]
        /// The descriptions with `O_NONBLOCK` set, sorted.
        public internal(set) var nonblocking: [Description] = []
        /// The descriptions with `O_DIRECT` set (packet mode for their writes), sorted.
        public internal(set) var direct: [Description] = []
        /// What is known of processes' descriptor tables: free numbers below `RLIMIT_NOFILE` (see ``DescriptorLimit``).
        public internal(set) var descriptorLimits: [DescriptorLimit] = []
        /// The descriptors whose `FD_CLOEXEC` is set or not known, sorted; the rest have it clear.
        public internal(set) var descriptorFlags: [DescriptorFlag] = []
        /// The descriptions' owners (`F_SETOWN`), sorted; the rest have none (see ``PipeModel+Owner``).
        public internal(set) var owners: [OwnerRecord] = []
        /// The descriptions' `F_SETSIG` signals other than 0, sorted.
        public internal(set) var signals: [SignalRecord] = []
        /// The descriptions with `O_ASYNC` set, sorted (see ``PipeModel+Async``).
        public internal(set) var async: [Description] = []
        /// The I/O signals sent and not yet taken, oldest first.
        public internal(set) var pending: [PendingSignal] = []
        /// The signals whose takes are not judged, sorted.
        public internal(set) var unjudgedSignals: [UnjudgedSignal] = []
        /// Processes that exited (an owner that is one of them may be gone).
        public internal(set) var exited: [Int] = []
        /// Each process's registrations of its ends on its epoll instance for this pipe, sorted (see ``PipeModel+Epoll``).
        public internal(set) var epoll: [EpollRegistration] = []
        /// Processes whose epoll calls the model no longer judges: a registered end's number was closed while its
        /// description stayed open, or named while the process held two descriptors of it.
        public internal(set) var epollUnjudged: [Int] = []
        /// The epoll instances processes keep by name, sorted (see ``PipeModel+NestedEpoll``).
        public internal(set) var epollInstances: [EpollInstance] = []
        /// Registrations in kept instances, and of instances in the implicit ones, sorted.
        public internal(set) var nestedEpoll: [NestedEpollRegistration] = []
        /// False until the `pipe` call of a pipe made during the run (see ``Setup/createdBy``) succeeds.
        public internal(set) var created = true
        /// The pages the pipe's user may take (``PipeUserPages``; nil: every caller privileged). Fixed for the trace.
        public internal(set) var userPages: PipeUserPages? = nil
        /// Bytes ever written: the stream position just after the last buffered byte.
        public private(set) var endPosition = 0
        /// A fingerprint of the buffered bytes: the sum of byte × 31^(stream position), wrapping. Kept up to date
        /// as bytes go in and out (work the copy does anyway), so hashing a state costs the same however full the
        /// pipe is, yet tells apart buffers that hold the same writes in different orders.
        private var fingerprint: UInt64 = 0

        init(slots: Int, readers: [Int], writers: [Int], shared: [[Int]] = [], sharedEpoll: [[Int]] = []) {
            self.slots = slots
            self.readers = readers
            self.writers = writers
            self.shared = shared
            self.sharedEpoll = sharedEpoll
        }

        /// Whose implicit epoll instance `process`'s is: its ``sharedEpoll`` group's first member, or itself. The
        /// registrations of a shared instance carry that process.
        public func epollOwner(_ process: Int) -> Int {
            sharedEpoll.first { $0.contains(process) }?.first ?? process
        }

        /// This state with `owner`'s implicit instance no longer judged: its registrations dropped, the owner listed in
        /// ``epollUnjudged``.
        func stoppingEpoll(of owner: Int) -> State {
            var next = self
            next.epoll.removeAll { $0.process == owner }
            if !next.epollUnjudged.contains(owner) {
                next.epollUnjudged.append(owner)
                next.epollUnjudged.sort()
            }
            return next
        }

        /// The processes whose implicit instance is `owner`'s (itself alone when it shares none).
        func epollSharers(of owner: Int) -> [Int] {
            sharedEpoll.first { $0.contains(owner) } ?? [owner]
        }

        /// The description through which `process` reaches `end`.
        public func description(of process: Int, _ end: End) -> Description {
            Description(end: end, holder: shared.first { $0.contains(process) }?.first ?? process)
        }

        func isNonblocking(_ process: Int, _ end: End) -> Bool {
            nonblocking.contains(description(of: process, end))
        }

        func isDirect(_ process: Int, _ end: End) -> Bool {
            direct.contains(description(of: process, end))
        }

        /// Sets or clears a flag on the description `process` reaches `end` through (for everyone sharing it).
        mutating func setFlag(_ flag: WritableKeyPath<State, [Description]>, of process: Int, _ end: End, _ on: Bool) {
            let key = description(of: process, end)
            if flag == \.async {
                // The pipe's fasync list, in the kernel's order: `fasync_insert_entry` puts a description at the head
                // when O_ASYNC turns on and leaves it where it is while it stays on, and `kill_fasync` signals from the
                // head — so the description enabled last is signalled first, and of two sending the same standard
                // signal its siginfo is the one kept (measured, `KernelPipeAsyncFactsTests`; a random agreement
                // sequence found the sorted order's false violation).
                if !on { async.removeAll { $0 == key } } else if !async.contains(key) { async.insert(key, at: 0) }
                return
            }
            self[keyPath: flag].removeAll { $0 == key }
            if on {
                self[keyPath: flag].append(key)
                self[keyPath: flag].sort()
            }
        }

        /// How many unread bytes the pipe holds.
        public var bufferedCount: Int { pages.reduce(0) { $0 + $1.bytes.count } }

        /// All unread bytes, oldest first.
        public var buffered: [UInt8] { pages.flatMap { Array($0.bytes) } }

        func progress(of process: Int) -> Int? {
            inProgress.first { $0.process == process }?.written
        }

        mutating func setProgress(of process: Int, _ written: Int?) {
            inProgress.removeAll { $0.process == process }
            if let written { inProgress.append(WriteProgress(process: process, written: written)) }
        }

        /// Appends bytes to the last page.
        mutating func appendToLastPage(_ bytes: ArraySlice<UInt8>) {
            fingerprint &+= Self.fingerprint(of: bytes, at: endPosition)
            endPosition += bytes.count
            pages[pages.count - 1].bytes.append(contentsOf: bytes)
        }

        /// Appends a fresh page holding `bytes`.
        mutating func appendPage(_ bytes: ArraySlice<UInt8>, packet: Bool = false, lent: Bool = false) {
            fingerprint &+= Self.fingerprint(of: bytes, at: endPosition)
            endPosition += bytes.count
            pages.append(Page(offset: 0, bytes: bytes, packet: packet, lent: lent))
        }

        /// Removes and returns up to `count` bytes from the front, freeing pages that become empty. A packet page
        /// ends the read: it is taken alone, and what did not fit in the read is discarded with it — unless `packets`
        /// is false (`splice` and `vmsplice` take bytes across packets, leaving a packet partly taken a packet).
        mutating func consume(_ count: Int, packets: Bool = true) -> [UInt8] {
            let start = endPosition - bufferedCount
            var taken: [UInt8] = []
            var removed: [UInt8] = []
            while taken.count < count, !pages.isEmpty {
                let want = count - taken.count
                if packets && pages[0].packet {
                    taken.append(contentsOf: pages[0].bytes.prefix(want))
                    removed.append(contentsOf: pages[0].bytes)
                    pages.removeFirst()
                    break
                }
                if pages[0].bytes.count <= want {
                    taken.append(contentsOf: pages[0].bytes)
                    removed.append(contentsOf: pages[0].bytes)
                    pages.removeFirst()
                } else {
                    taken.append(contentsOf: pages[0].bytes.prefix(want))
                    removed.append(contentsOf: pages[0].bytes.prefix(want))
                    pages[0].bytes.removeFirst(want)
                    pages[0].offset += want
                }
            }
            fingerprint &-= Self.fingerprint(of: removed[...], at: start)
            return taken
        }

        private static func fingerprint(of bytes: ArraySlice<UInt8>, at position: Int) -> UInt64 {
            var power = Self.power(position)
            var sum: UInt64 = 0
            for byte in bytes {
                sum &+= UInt64(byte) &* power
                power &*= 31
            }
            return sum
        }

        private static func power(_ exponent: Int) -> UInt64 {
            var result: UInt64 = 1
            var base: UInt64 = 31
            var remaining = exponent
            while remaining > 0 {
                if remaining & 1 == 1 { result &*= base }
                base &*= base
                remaining >>= 1
            }
            return result
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(fingerprint)
            hasher.combine(endPosition)
            hasher.combine(pages.count)
            hasher.combine(readers)
            hasher.combine(writers)
            hasher.combine(inProgress)
            hasher.combine(slots)
            hasher.combine(nonblocking)
            hasher.combine(direct)
            hasher.combine(descriptorLimits)
            hasher.combine(created)
            hasher.combine(descriptorFlags)
            hasher.combine(owners)
            hasher.combine(signals)
            hasher.combine(exited)
            hasher.combine(epoll)
            hasher.combine(epollUnjudged)
            hasher.combine(epollInstances)
            hasher.combine(nestedEpoll)
            for (index, page) in pages.enumerated() where page.packet { hasher.combine(index) }
            for (index, page) in pages.enumerated() where page.lent { hasher.combine(-1 - index) }
        }
    }

    public func abandon(_ state: State, _ input: Input) -> State {
        var next = state
        next.setProgress(of: input.process, nil)
        return next
    }

    public func estimatedSize(of state: State) -> Int {
        // Pages share storage with the operations' payloads until a merge copies one; count the copies.
        160 + state.pages.count * 48 + (state.pages.last?.bytes.count ?? 0) + (state.readers.count + state.writers.count) * 8
    }

    public func describe(_ state: State) -> String {
        var parts = ["\(state.bufferedCount) bytes in \(state.pages.count) of \(state.slots) pages"]
        if state.bufferedCount > 0 { parts[0] += " " + Payload.preview(state.buffered) }
        parts.append("readers \(state.readers)")
        parts.append("writers \(state.writers)")
        if state.slots * pageSize != 65536 { parts[0] += " (capacity \(state.slots * pageSize))" }
        if state.pages.contains(where: \.packet) { parts.append("\(state.pages.filter(\.packet).count) packets") }
        if state.pages.contains(where: \.lent) { parts.append("\(state.pages.filter(\.lent).count) pages lent by splice or vmsplice") }
        for registration in state.epoll {
            parts.append(
                "process \(registration.process)'s epoll: the \(registration.end.rawValue) end for \(registration.events)"
                    + (registration.disabled ? " (disabled)" : "") + (registration.edgeTriggered ? ", news \(registration.news)" : "") + (registration.missable ? ", may have missed a wake" : "") + (registration.listed ? ", listed" : ""))
        }
        for instance in state.epollInstances { parts.append("process \(instance.process) keeps epoll instance \(instance.name)") }
        for registration in state.nestedEpoll {
            parts.append(
                "process \(registration.process)'s \(registration.target.instance): \(registration.target.target) for \(registration.events)"
                    + (registration.disabled ? " (disabled)" : "") + (registration.edgeTriggered ? ", news \(registration.news)" : ""))
        }
        if !state.epollUnjudged.isEmpty { parts.append("epoll of processes \(state.epollUnjudged) not judged") }
        for description in state.nonblocking { parts.append("\(description.end.rawValue) end of process \(description.holder): O_NONBLOCK") }
        for description in state.direct { parts.append("\(description.end.rawValue) end of process \(description.holder): O_DIRECT") }
        for record in state.owners {
            parts.append("\(record.description.end.rawValue) end of process \(record.description.holder): owner \(record.owner)" + (record.mayBeGone ? " (may be gone)" : ""))
        }
        for record in state.signals {
            parts.append("\(record.description.end.rawValue) end of process \(record.description.holder): F_SETSIG \(record.signal)")
        }
        for description in state.async { parts.append("\(description.end.rawValue) end of process \(description.holder): O_ASYNC") }
        for pending in state.pending {
            parts.append("\(pending.taken) pending for process \(pending.process)\(pending.thread ? "'s thread" : "")")
        }
        for unjudged in state.unjudgedSignals {
            parts.append("signal \(unjudged.signal) of \(unjudged.process.map { "process \($0)" } ?? "every process") not judged")
        }
        for flag in state.descriptorFlags {
            parts.append("a \(flag.end.rawValue) end of process \(flag.process): FD_CLOEXEC \(flag.known ? "set" : "not known")")
        }
        for progress in state.inProgress {
            parts.append(
                progress.written == 0
                    ? "process \(progress.process) sleeps in a blocking write"
                    : "process \(progress.process) has written \(progress.written) bytes of a blocking write")
        }
        return parts.joined(separator: "; ")
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .write(_, let data, let nonblocking):
            call = "write \(Payload.preview(data)) (\(data.count) bytes\(nonblocking ? ", nonblocking" : ""))"
        case .writeAll(_, let data, _):
            call = "write-all \(Payload.preview(data)) (\(data.count) bytes)"
        case .read(_, let max, let nonblocking):
            call = "read up to \(max) bytes\(nonblocking ? " (nonblocking)" : "")"
        case .close(_, let end):
            call = "close the \(end.rawValue) end"
        case .available:
            call = "FIONREAD (bytes in the pipe)"
        case .exit:
            call = "exit (closes every end it holds)"
        case .fcntl(_, let end, let command):
            if case .ioctl(let request) = command { call = "ioctl(\(end.rawValue) end, \(request))" } else { call = "fcntl(\(end.rawValue) end, \(command))" }
        case .unseekable(_, let end, let unseekable):
            call = "\(unseekable.name) on the \(end.rawValue) end\(unseekable.position.described(whence: unseekable.readsWhence))"
        case .readiness(_, let end, let readiness):
            call = "\(readiness) on the \(end.rawValue) end"
        case .writev(_, let pieces):
            call = "writev \(Payload.preview(Array(pieces.joined()))) (\(pieces.map { String($0.count) }.joined(separator: " + ")) bytes)"
        case .readv(_, let sizes):
            call = "readv up to \(sizes.map(String.init).joined(separator: " + ")) bytes"
        case .status(_, let end):
            call = "fstat of the \(end.rawValue) end"
        case .create(_, let flags):
            call = flags.description
        case .splice(_, let splice):
            call = splice.description
        case .epoll(_, let epoll):
            call = epoll.description
        case .nestedEpoll(_, let epoll):
            call = epoll.description
        case .takeSignal(_, let signals, let wait):
            call = "\(wait ? "sigwaitinfo" : "sigtimedwait") for signals \(signals)"
        }
        var result: String
        switch output {
        case nil: result = "?"
        case .wrote(let count)?: result = "wrote \(count)"
        case .read(let bytes)?:
            if bytes.isEmpty, case .read(_, let max, _) = scalar(input) ?? input, max > 0 {
                result = "0 (end of file)"
            } else {
                result = "\(Payload.preview(bytes)) (\(bytes.count) bytes)"
            }
        case .closed?, .exited?: result = "ok"
        case .available(let count)?: result = "\(count) bytes"
        case .duplicated?: result = "a new descriptor"
        case .descriptorFlags(let closeOnExec)?: result = closeOnExec ? "FD_CLOEXEC" : "0"
        case .owner(let report)?: result = "owner \(report)"
        case .ownerEx(let type, let report)?: result = "\(type) owner \(report)"
        case .signal(let signal)?: result = "signal \(signal)"
        case .created?: result = "both ends"
        case .epollCreated(let closeOnExec)?: result = "a new epoll instance" + (closeOnExec.map { $0 ? " (FD_CLOEXEC)" : " (no FD_CLOEXEC)" } ?? "")
        case .status(let type, let mode, let size)?: result = "\(type), mode 0\(String(mode, radix: 8)), size \(size)"
        case .flags(let nonblocking, let direct)?:
            result = [nonblocking ? "O_NONBLOCK" : nil, direct ? "O_DIRECT" : nil].compactMap { $0 }.joined(separator: "|")
            if result.isEmpty { result = "no flags" }
        case .asyncFlags(let nonblocking, let direct, let async)?:
            result = [nonblocking ? "O_NONBLOCK" : nil, direct ? "O_DIRECT" : nil, async ? "O_ASYNC" : nil].compactMap { $0 }.joined(separator: "|")
            if result.isEmpty { result = "no flags" }
        case .signalTaken(let taken)?: result = "\(taken)"
        case .size(let size)?: result = "\(size) bytes"
        case .flagsSet?: result = "ok"
        case .positioned(let count)?: result = "\(count)"
        case .moved(let count)?: result = "moved \(count)"
        case .ready(let events)?: result = events.isEmpty ? "0 (nothing ready)" : "\(events)"
        case .selected(let readable, let writable)?:
            result = [readable ? "readable" : nil, writable ? "writable" : nil].compactMap { $0 }.joined(separator: ", ")
            if result.isEmpty { result = "0 (nothing ready)" }
        case .epollControlled?: result = "ok"
        case .epollEvents(let reports)?: result = reports.isEmpty ? "0 (nothing reported)" : reports.map(\.description).joined(separator: ", ")
        case .nestedEpollEvents(let reports)?: result = reports.map { "\($0.target.name) \($0.events)" }.joined(separator: ", ")
        case .failed(let code)?: result = code.rawValue
        }
        return "\(call) → \(result)"
    }
}
