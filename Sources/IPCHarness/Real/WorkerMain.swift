import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

/// The worker process: receives operations over the control channel (descriptor 3), performs them on the
/// kernel objects it was given with the implementation under test, and reports how each ended.
///
/// A second thread watches the control channel and ends the worker if the driver disappears, so a crashed
/// driver never leaves workers blocked forever on each other's pipes.
public enum WorkerMain {
    public static func run() -> Never {
        Syscall.ignoreBrokenPipeSignal()
        startDriverWatch()
        let channel = ControlChannel(descriptor: FileDescriptor(rawValue: ControlChannel.workerDescriptor))
        var bindings: [String: any WorkerBinding] = [:]
        var process = 0
        BindingFailure.install { message in fail(channel, message) }
        while true {
            let received: ControlChannel.Received
            do {
                received = try channel.receive()
            } catch {
                fail(channel, "\(error)")
            }
            guard case .message(let message) = received else { exit(0) }
            switch message["type"] {
            case .string("setup")?:
                do {
                    (process, bindings) = try makeBindings(message)
                } catch {
                    fail(channel, error.message)
                }
                if case .bool(let restart)? = message["interrupt"]?["restart"] {
                    do {
                        try Syscall.installInterruptingHandler(for: SIGUSR1, restart: restart)
                    } catch {
                        fail(channel, "cannot install the SIGUSR1 handler: \(error)")
                    }
                }
                reply(channel, ["type": "ready"])
            case .string("op")?:
                guard case .string(let object)? = message["object"], case .string(let f)? = message["f"] else {
                    fail(channel, "an op message needs 'object' and 'f'")
                }
                guard var binding = bindings[object] else { fail(channel, "this worker holds no object '\(object)'") }
                let call = Call(process: process, object: object, f: f, value: message["value"])
                do {
                    let directive = try OperationDirective(message: message)
                    // The fault is announced as it fires, in a message of its own ahead of the reply, so that
                    // the driver learns it even if this worker is killed before it can reply.
                    let injector = directive.fault.map { fault in
                        FirstCallInjector(fault, exempt: channel.descriptor) { fired in
                            var announcement = fired.json.objectValue ?? JSONObject()
                            announcement["type"] = "fault"
                            reply(channel, .object(announcement))
                        }
                    }
                    FaultInjection.installProcessWide(injector)
                    let outcome = try binding.perform(call)
                    FaultInjection.installProcessWide(nil)
                    bindings[object] = binding
                    // Killed after the calls returned, before the result is reported: the driver sees an
                    // operation whose effect happened but whose outcome it never learns.
                    if directive.dieAfter { Glibc.kill(getpid(), SIGKILL) }
                    reply(channel, outcome.reply)
                } catch {
                    fail(channel, "\(f) on \(object): \(error.message)")
                }
            case .string("exit")?:
                for name in bindings.keys.sorted() { bindings[name]!.prepareForExit() }
                exit(0)
            default:
                fail(channel, "unknown message \(message)")
            }
        }
    }

    /// Each held object's binding, made by its kind for the implementation the driver names.
    private static func makeBindings(_ message: JSONValue) throws(BindingError) -> (Int, [String: any WorkerBinding]) {
        guard case .object(let objects)? = message["objects"] else { throw BindingError("a setup message needs 'objects'") }
        let context = try WorkerContext(setup: message)
        var bindings: [String: any WorkerBinding] = [:]
        for member in objects.sorted(by: { $0.key < $1.key }) {
            let (name, entry) = (member.key, member.value)
            guard case .string(let kindName)? = entry["kind"], case .string(let implementation)? = entry["implementation"] else {
                throw BindingError("object '\(name)' has no kind or implementation")
            }
            guard let kind = KindRegistry.kind(named: kindName) else {
                throw BindingError("this worker knows no kind of object named '\(kindName)' (known: \(KindRegistry.kinds.map { $0.name }.joined(separator: ", "))): build the worker with the components that define it")
            }
            var roles: [String] = []
            if case .array(let names)? = entry["roles"] {
                roles = names.compactMap { if case .string(let role) = $0 { role } else { nil } }
            }
            let object = WorkerObject(
                name: name, kind: kindName, roles: roles, setup: entry["setup"]?.objectValue ?? JSONObject(),
                modelParameters: entry["model"] ?? .null, context: context)
            bindings[name] = try kind.workerBinding(for: object, implementation: implementation)
        }
        return (context.process, bindings)
    }

    private static func reply(_ channel: ControlChannel, _ message: JSONValue) {
        do {
            try channel.send(message)
        } catch {
            exit(0)  // The driver is gone.
        }
    }

    @Sendable private static func fail(_ channel: ControlChannel, _ message: String) -> Never {
        try? channel.send(["type": "error", "message": .string(message)])
        exit(2)
    }

    private static func startDriverWatch() {
        // Signals are for the worker's main thread (the one inside the operations), never this one. A new thread
        // starts with its creator's mask, so block everything around the creation: blocking them from inside the
        // thread left a window, until it first ran, in which a process-directed signal the main thread had blocked
        // could be delivered to it (seen on a loaded machine: a worker killed by the SIGRTMIN+1 it sent itself).
        var all = sigset_t()
        sigfillset(&all)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        var thread = pthread_t()
        pthread_create(&thread, nil, { _ in
            var watched = pollfd(fd: ControlChannel.workerDescriptor, events: 0, revents: 0)
            while true {
                let result = poll(&watched, 1, -1)
                if result > 0 && watched.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { _exit(70) }
                if result < 0 && errno != EINTR { _exit(71) }
            }
        }, nil)
    }
}
