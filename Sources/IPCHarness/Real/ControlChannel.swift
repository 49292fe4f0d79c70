import IPCModels
import IPCSyscalls
import SystemPackage

/// One end of the control channel between the driver and a worker: a `SOCK_SEQPACKET` socket carrying one
/// JSON object per message, so message boundaries need no framing and a dead peer reads as end of file.
struct ControlChannel {
    /// The descriptor number the worker finds its end at.
    static let workerDescriptor: CInt = 3

    let descriptor: FileDescriptor

    func send(_ message: JSONValue) throws(Errno) {
        let bytes = message.serialized()
        _ = try bytes.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
            try Syscall.send(descriptor, UnsafeRawBufferPointer(raw))
        }
    }

    /// The next message; nil when the peer has closed its end. Blocks unless `dontWait` (then nil also means
    /// "nothing yet", told apart by ``Received``).
    func receive(dontWait: Bool = false) throws(ControlChannelError) -> Received {
        do {
            return try receiveOnce(dontWait: dontWait)
        } catch .peerReset {
            // A seqpacket peer that died with unread messages of ours is reported as ECONNRESET once, *before*
            // the messages it had sent us (a kernel fact, UnixSocketFactsTests): those are still to be read.
            do {
                return try receiveOnce(dontWait: dontWait)
            } catch .peerReset {
                return .closed
            }
        }
    }

    private func receiveOnce(dontWait: Bool) throws(ControlChannelError) -> Received {
        var probe: [UInt8] = [0]
        let flags = Syscall.MessageFlags.peek | Syscall.MessageFlags.truncate | (dontWait ? Syscall.MessageFlags.dontWait : 0)
        let length: Int
        do throws(Errno) {
            length = try probe.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
                try Syscall.receive(descriptor, into: UnsafeMutableRawBufferPointer(raw), flags: flags)
            }
        } catch .wouldBlock {
            return .nothingYet
        } catch .connectionReset {
            throw .peerReset
        } catch {
            throw .system(error)
        }
        if length == 0 { return .closed }
        var buffer = [UInt8](repeating: 0, count: length)
        let count: Int
        do {
            count = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
                try Syscall.receive(descriptor, into: UnsafeMutableRawBufferPointer(raw))
            }
        } catch {
            throw .system(error)
        }
        guard count == length else { throw .malformed("message of \(length) bytes arrived as \(count)") }
        do {
            return .message(try JSONParser.parse(buffer))
        } catch {
            throw .malformed("\(error)")
        }
    }

    enum Received {
        case message(JSONValue)
        case closed
        case nothingYet
    }
}

enum ControlChannelError: Error, CustomStringConvertible {
    case system(Errno)
    case malformed(String)
    /// The peer closed with messages of ours unread (ECONNRESET); ``ControlChannel/receive(dontWait:)`` reads on.
    case peerReset

    var description: String {
        switch self {
        case .peerReset: "control channel: reset by the peer"
        case .system(let errno): "control channel: \(errno)"
        case .malformed(let message): "control channel: malformed message: \(message)"
        }
    }
}

extension Outcome {
    /// An operation's outcome as a worker reports it: `{"type": "ok", "value": …}` or `{"type": "fail", "error": …}`.
    var reply: JSONValue {
        switch self {
        case .ok(let value):
            var object: JSONObject = ["type": "ok"]
            if let value { object["value"] = value }
            return .object(object)
        case .fail(let error):
            return ["type": "fail", "error": .string(error.rawValue)]
        }
    }
}
