import CIPCMechanismBench
import CIPCShims
import Glibc
import IPCSyscalls
import SystemPackage

/// One sender/receiver pair of one mechanism: this process sends, a peer process receives, every size of the
/// plan in turn. Named objects are this pair's own (a fresh ``RunNamespace``: private names, mode 0600, in the
/// ledger) and are removed when the pair ends, however it ends.
struct MechanismPair {
    var mechanism: BenchMechanism
    var sizes: [Int]
    var batch = 1
    var threshold = 0
    var latencyMessages: Int
    var throughputMessages: Int
    var throughputBytes: Int
    var receiverCPU: Int32?
    /// Nanoseconds the sender waits after each acknowledgement (latency phase), so the receiver is asleep.
    var pauseNanoseconds = 50_000

    /// One size's figures from one pair.
    struct Sample: Sendable {
        var size: Int
        /// One per latency batch: from the sender's stamp before its send to the receiver's after its receive.
        var latencies: [UInt64]
        var streamNanoseconds: UInt64
        /// Messages in the stream (batches × batch).
        var streamMessages: Int
    }

    func run(worker: WorkerCommand) throws(HarnessError) -> [Sample] {
        precondition(!sizes.isEmpty && sizes.count <= Int(IPCMB_MAX_SIZES))
        let namespace = RunNamespace()
        defer { namespace.removeAll() }
        var plan = ipcmb_plan()
        plan.mechanism = mechanism.code
        plan.receiver_cpu = receiverCPU ?? -1
        plan.size_count = Int32(sizes.count)
        plan.batch = Int32(batch)
        withUnsafeMutableBytes(of: &plan.sizes) { raw in
            for (index, size) in sizes.enumerated() { raw.storeBytes(of: Int64(size), toByteOffset: index * 8, as: Int64.self) }
        }
        plan.latency_messages = Int32(latencyMessages)
        plan.pause_ns = Int32(pauseNanoseconds)
        plan.throughput_messages = Int32(throughputMessages)
        plan.throughput_bytes = Int64(throughputBytes)
        plan.threshold = mechanism == .hybrid ? Int64(threshold) : 0
        let largest = sizes.max()!
        plan.slot_bytes = Int64(largest)
        switch mechanism {
        case .ring, .ringPolling:
            // At most 4 MiB of slots (at least 2, and room for two batches): like the hybrid's 4 buffers, so that
            // a 1 MiB message does not cycle through 16 MiB of cold memory that the other paths never touch.
            plan.slots = Int32(Swift.max(2 * batch, Swift.min(256, Swift.max(2, (4 << 20) / (largest + 8)))))
            plan.region_bytes = Int64(256 + Int(plan.slots) * (largest + 8))
        case .hybrid, .sharedBufferPipeNotification:
            plan.slots = 4
            plan.region_bytes = Int64(64 * 4 + 4 * (largest + 8))
        default:
            break
        }
        plan.region_bytes = (plan.region_bytes + 4095) / 4096 * 4096
        switch mechanism {
        case .fifo: try setName(&plan, namespace.path("bench-fifo"), kind: .path, in: namespace)
        case .posixMessageQueue: try setName(&plan, namespace.posixName("bench-mq"), kind: .posixMessageQueue, in: namespace)
        case .systemVMessageQueue: plan.sysv_id = try Self.createSystemVQueue(in: namespace)
        default: break
        }

        var endpoints = ipcmb_endpoints()
        let created = ipcmb_create(&plan, &endpoints)
        let opened = [endpoints.sender.0, endpoints.sender.1, endpoints.receiver.0, endpoints.receiver.1, endpoints.region]
        defer { Set(opened.filter { $0 >= 0 }).forEach { _ = close($0) } }
        guard created == 0 else { throw HarnessError("\(mechanism.rawValue): cannot create the objects: \(Errno(rawValue: created))") }

        let controlBytes = ipcmb_control_bytes(&plan)
        let controlDescriptor = ipc_memfd_create("ipch-bench-control")
        guard controlDescriptor >= 0 else { throw HarnessError("memfd_create: \(Errno(rawValue: errno))") }
        defer { close(controlDescriptor) }
        guard ftruncate(controlDescriptor, off_t(controlBytes)) == 0, let mapping = ipcmb_map(controlDescriptor, controlBytes) else {
            throw HarnessError("cannot map the bench's control block: \(Errno(rawValue: errno))")
        }
        defer { ipcmb_unmap(mapping, controlBytes) }
        let control = mapping.assumingMemoryBound(to: ipcmb_control.self)
        control.pointee.plan = plan

        var descriptors: [(FileDescriptor, CInt)] = [(FileDescriptor(rawValue: controlDescriptor), 3)]
        if endpoints.receiver.0 >= 0 { descriptors.append((FileDescriptor(rawValue: endpoints.receiver.0), 4)) }
        if endpoints.receiver.1 >= 0 { descriptors.append((FileDescriptor(rawValue: endpoints.receiver.1), 5)) }
        if endpoints.region >= 0 { descriptors.append((FileDescriptor(rawValue: endpoints.region), 6)) }
        let controlAddress = UInt(bitPattern: mapping)
        let peer = try BenchPeer.start(.pair, descriptors: descriptors, worker: worker) {
            ipcmb_abandon(UnsafeMutablePointer<ipcmb_control>(bitPattern: controlAddress))
        }
        var senderEnds: [CInt] = [endpoints.sender.0, endpoints.sender.1]
        let sent = ipcmb_run_sender(control, &senderEnds, endpoints.region)
        if sent != 0 {
            // The receiver may be blocked on a message that will never come: end it.
            _ = kill(peer.pid, SIGKILL)
        }
        let status = peer.join()
        let received = control.pointee.receiver_error
        if received != 0 { throw HarnessError("\(mechanism.rawValue): the receiver failed: \(Errno(rawValue: received))") }
        if sent != 0 { throw HarnessError("\(mechanism.rawValue): the sender failed: \(Errno(rawValue: sent))") }
        guard status == .exited(code: 0) else {
            throw HarnessError("\(mechanism.rawValue): the receiving process \(status.map { "\($0)" } ?? "could not be waited for")")
        }
        let results = ipcmb_results(control)!
        return sizes.indices.map { index in
            let base = Int(ipcmb_result_index(&plan, Int32(index)))
            return Sample(
                size: sizes[index], latencies: (0..<latencyMessages).map { results[base + $0] },
                streamNanoseconds: results[base + latencyMessages],
                streamMessages: Int(ipcmb_throughput_count(&plan, Int32(index))) * batch)
        }
    }

    private func setName(_ plan: inout ipcmb_plan, _ name: String, kind: RunNamespace.Kind, in namespace: RunNamespace) throws(HarnessError) {
        try namespace.record(kind, name)
        let bytes = Array(name.utf8)
        precondition(bytes.count < Int(IPCMB_NAME_BYTES))
        withUnsafeMutableBytes(of: &plan.name) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
    }

    /// A System V queue under a fresh ledgered key.
    static func createSystemVQueue(in namespace: RunNamespace) throws(HarnessError) -> Int32 {
        let key = namespace.sysvKey()
        try namespace.record(.sysvMessageQueue, RunNamespace.keyName(key))
        let id = ipcmb_create_sysv(key)
        guard id >= 0 else {
            let error = Errno(rawValue: errno)
            namespace.withdraw(.sysvMessageQueue, RunNamespace.keyName(key))
            throw HarnessError("msgget: \(error)")
        }
        return id
    }
}
