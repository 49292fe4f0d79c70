import CIPCShims
import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The mode of a queue `mq_open` makes, and what it lets another user do (measured first with a C probe, which also
/// mounted `/dev/mqueue` and found the entry's mode the descriptor's). The umask is the whole process's and a user is
/// best left by a whole process, so each fact runs in a forked child (``ForkedChildren``) that makes C calls only;
/// the posix-mq model (`"exists": false`, the setup's `"umask"`, the `open`'s `"mode"`) then judges what it saw.
@Suite struct MessageQueueModeFactsTests {
    typealias Model = PosixMessageQueueModel

    static let umasks = [0, 0o022, 0o077, 0o026, 0o777]
    static let modes = [0o666, 0o644, 0o777, 0o600, 0, 0o7777]

    /// A model of queue `q`, made in the trace by creators of `umask`, with the processes' `users`.
    static func model(umask: Int, users: JSONValue = [:]) throws -> Model {
        try Model(parameters: ["objects": ["q": ["exists": false, "umask": Permissions.text(ofMode: umask), "users": users]]])
    }

    /// `mq_open`'s result code in a child's slot (0: done, else the errno) as the model's output.
    static func output(_ code: Int) -> Model.Output { code == 0 ? .done : .failed(errorCode(Errno(rawValue: CInt(code)))) }

    /// `mq_open(O_CREAT)` makes a queue whose mode (`fstat` of the descriptor: a queue descriptor is a file's on Linux)
    /// is the mode asked less the creator's umask — 0666 under 022 gives 0644, under 026 0640, under 0777 nothing —
    /// as `open(2)` does. The kernel keeps the bits above 0777 (07777 under 022 gives 07755), which the trace's
    /// `"mode"` takes too (`CreationModeBitsFactsTests`). The model gives the new queue the same permission bits.
    @Test func aNewQueuesModeIsTheModeAskedLessTheUmask() throws {
        let name = "/ipch-test-\(getpid())-mode-\(UInt32.random(in: 0...UInt32.max))"
        let umasks = Self.umasks
        let modes = Self.modes
        let seen = try #require(name.withCString { name in
            ForkedChildren.run(count: 1, slots: umasks.count * modes.count) { _, slots in
                var slot = 0
                for mask in umasks {
                    for mode in modes {
                        umask(mode_t(mask))
                        let queue = ipc_mq_create_default(name, O_RDWR | O_EXCL | O_CLOEXEC, UInt32(mode))
                        var status = stat()
                        if queue >= 0 && fstat(queue, &status) == 0 { slots[slot] = Int(status.st_mode & 0o7777) }
                        if queue >= 0 { ipc_mq_close(queue) }
                        ipc_mq_unlink(name)
                        slot += 1
                    }
                }
            }
        }?.first)
        #expect(seen == umasks.flatMap { mask in modes.map { $0 & ~mask } })
        for (index, mode) in seen.enumerated() where Self.modes[index % modes.count] <= 0o777 {
            let asked = Self.modes[index % modes.count]
            let model = try Self.model(umask: umasks[index / modes.count])
            let created = model.transitions(model.initialState(of: "q"), .open(process: 1, creation: .init(exclusive: true, mode: asked)))
            #expect(created.first?.state.permissions.mode == mode, "mode \(String(asked, radix: 8)) umask \(String(umasks[index / modes.count], radix: 8))")
        }
    }

    /// What user 65534 (a child that left root for it) can do with queues root's children made: one made 0666 under
    /// umask 022 (0644) opens `O_RDONLY` only — `O_WRONLY`, `O_RDWR` and `O_CREAT` without `O_EXCL` fail `EACCES`,
    /// `O_CREAT | O_EXCL` `EEXIST` first, `mq_unlink` `EACCES` (not the owner); one made 0666 under umask 0 opens
    /// `O_RDWR`; and `O_CREAT` on an existing queue does nothing with its mode — made 0600, opened again with `O_CREAT`
    /// and 0666, it stays 0600 and refuses the other user. A queue the user makes with mode 0 is its own (`fstat`) and
    /// its create's descriptor works, but the user cannot open it again (`EACCES`: the owner's bits are none); it
    /// may unlink it (the owner).
    @Test func anotherUserMeetsTheModeTheQueueWasMadeWith() throws {
        let base = "/ipch-test-\(getpid())-user-\(UInt32.random(in: 0...UInt32.max))"
        let names = (0..<4).map { strdup("\(base)-\($0)")! }
        defer {
            for name in names {
                ipc_mq_unlink(name)
                free(name)
            }
        }
        // Root's child: 0666 under 022; 0600, then O_CREAT 0666 again; 0666 under 0. Slots: each mode (fstat).
        let made = try #require(ForkedChildren.run(count: 1, slots: 3) { _, slots in
            umask(0o022)
            let readable = ipc_mq_create_default(names[0], O_RDWR | O_EXCL | O_CLOEXEC, 0o666)
            let narrow = ipc_mq_create_default(names[1], O_RDWR | O_EXCL | O_CLOEXEC, 0o600)
            let again = ipc_mq_create_default(names[1], O_RDWR | O_CLOEXEC, 0o666)
            umask(0)
            let open = ipc_mq_create_default(names[2], O_RDWR | O_EXCL | O_CLOEXEC, 0o666)
            for (slot, queue) in [readable, again, open].enumerated() {
                var status = stat()
                if queue >= 0 && fstat(queue, &status) == 0 { slots[slot] = Int(status.st_mode & 0o777) }
            }
        }?.first)
        #expect(made == [0o644, 0o600, 0o666])
        // User 65534's child: the result of each call (0 or the errno); then its own queue's owner and mode.
        let tried = try #require(ForkedChildren.run(count: 1, slots: 14) { _, slots in
            func code(_ result: CInt) -> Int { result >= 0 ? 0 : Int(errno) }
            guard ipc_thread_credentials(65534, 65534) == 0 else { return }  // the only thread: the process's user
            umask(0o022)
            slots[0] = code(ipc_mq_open(names[0], O_RDONLY | O_CLOEXEC))
            slots[1] = code(ipc_mq_open(names[0], O_WRONLY | O_CLOEXEC))
            slots[2] = code(ipc_mq_open(names[0], O_RDWR | O_CLOEXEC))
            slots[3] = code(ipc_mq_create_default(names[0], O_RDWR | O_CLOEXEC, 0o666))
            slots[4] = code(ipc_mq_create_default(names[0], O_RDONLY | O_EXCL | O_CLOEXEC, 0o666))
            slots[5] = code(ipc_mq_unlink(names[0]))
            slots[6] = code(ipc_mq_open(names[1], O_RDONLY | O_CLOEXEC))
            slots[7] = code(ipc_mq_open(names[2], O_RDWR | O_CLOEXEC))
            let own = ipc_mq_create_default(names[3], O_RDWR | O_EXCL | O_CLOEXEC, 0)
            slots[8] = code(own)
            var status = stat()
            if own >= 0 && fstat(own, &status) == 0 {
                (slots[9], slots[10]) = (Int(status.st_uid), Int(status.st_mode & 0o777))
            }
            slots[11] = code(ipc_mq_open(names[3], O_RDONLY | O_CLOEXEC))
            var flags = 0, maxmsg = 0, msgsize = 0, curmsgs = 0
            slots[12] = code(ipc_mq_getattr(own, &flags, &maxmsg, &msgsize, &curmsgs))
            slots[13] = code(ipc_mq_unlink(names[3]))
        }?.first)
        #expect(tried == [0, Int(EACCES), Int(EACCES), Int(EACCES), Int(EEXIST), Int(EACCES), Int(EACCES), 0, 0, 65534, 0, Int(EACCES), 0, 0])
        guard tried.count == 14 else { return }

        // The model, of each queue: root's process 1 creates, user 65534's process 2 tries.
        let other: JSONValue = ["2": 65534]
        let readable: [(input: Model.Input, output: Model.Output)] = [
            (.open(process: 1, creation: .init(exclusive: true, mode: 0o666)), .done),
            (.open(process: 2, access: .read), Self.output(tried[0])),
            (.open(process: 2, access: .write), Self.output(tried[1])),
            (.open(process: 2), Self.output(tried[2])),
            (.open(process: 2, creation: .init(exclusive: false, mode: 0o666)), Self.output(tried[3])),
            (.open(process: 2, access: .read, creation: .init(exclusive: true, mode: 0o666)), Self.output(tried[4])),
            (.unlink(process: 2), Self.output(tried[5])),
        ]
        #expect(DirectedHistory(model: try Self.model(umask: 0o022, users: other), object: "q").firstRefusal(readable) == nil)
        // The wrong belief that the umask is not applied (0666 stays 0666): the write open would succeed.
        #expect(DirectedHistory(model: try Self.model(umask: 0, users: other), object: "q").firstRefusal(readable)?.hasPrefix("call 2") == true)
        let recreated: [(input: Model.Input, output: Model.Output)] = [
            (.open(process: 1, creation: .init(exclusive: true, mode: 0o600)), .done),
            (.open(process: 1, creation: .init(exclusive: false, mode: 0o666)), .done),
            (.open(process: 2, access: .read), Self.output(tried[6])),
        ]
        let narrow = DirectedHistory(model: try Self.model(umask: 0o022, users: other), object: "q")
        #expect(narrow.firstRefusal(recreated) == nil)
        // The wrong belief that O_CREAT on the existing queue gives it the new mode: the read open would succeed.
        var widened = recreated
        widened[2].output = .done
        #expect(narrow.firstRefusal(widened)?.hasPrefix("call 2") == true)
        let open: [(input: Model.Input, output: Model.Output)] = [
            (.open(process: 1, creation: .init(exclusive: true, mode: 0o666)), .done), (.open(process: 2), Self.output(tried[7])),
        ]
        #expect(DirectedHistory(model: try Self.model(umask: 0, users: other), object: "q").firstRefusal(open) == nil)
        let own: [(input: Model.Input, output: Model.Output)] = [
            (.open(process: 1, creation: .init(exclusive: true, mode: 0)), Self.output(tried[8])),
            (.open(process: 1, access: .read), Self.output(tried[11])),
            (.getAttributes(process: 1), tried[12] == 0 ? .attributes(.init(messages: 0, maxMessages: 10, messageSize: 8192)) : Self.output(tried[12])),
            (.unlink(process: 1), Self.output(tried[13])),
        ]
        #expect(DirectedHistory(model: try Self.model(umask: 0o022, users: ["1": 65534]), object: "q").firstRefusal(own) == nil)
    }
}
