import Foundation
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Who may `chmod`, `fchmod`, `chown`, `lchown` and `fchown` a FIFO, what the set-ID bits become, and what a later
/// `open` is judged by, measured on this kernel (C probes first, as root and as user 65534 in a forked child, C calls
/// only; LTP's `fchmod`/`fchown`/`chown` tests on a FIFO as the checklist), each fact also asked of the fifo model
/// (``FIFOModel+Ownership``).
@Suite struct FIFOOwnershipFactsTests {
    /// A directory holding FIFOs of root's and of user 65534's.
    final class Directory {
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-owners"
        init() throws {
            guard mkdir(path, 0o755) == 0 else { throw Errno(rawValue: errno) }
        }
        /// A FIFO `name` of `mode`, owned by `user` and `group`.
        func fifo(_ name: String, mode: mode_t, user: uid_t = 0, group: gid_t = 0) throws -> String {
            let fifo = path + "/" + name
            try KernelFIFO.create(at: fifo)
            try Syscall.changeOwner(fifo, user: user, group: group)
            try Syscall.changeMode(fifo, mode)
            return fifo
        }
        deinit {
            for name in ["root", "rootSetUID", "user", "userInRootsGroup", "clear", "keep", "gone"] { unlink(path + "/" + name) }
            rmdir(path)
        }
    }

    /// What the child reports, by slot.
    enum Slot: Int, CaseIterable {
        case chmodOfRoots, fchmodOfRoots, fchownOfRootsToItself, chownOfRootsKeepingAll, chownOfRootsSetUIDKeepingAll
        case chownOfItsOwnToRoot, itsOwnChmod6777, itsOwnChownToItself, chmodSetGroupIDOutsideTheGroup
        case openForReadingOf0044, fstatAfterFchmodAndFchown
    }

    @Test func onlyTheOwnerChangesTheModeAndAChownClearsTheSetIDBitsOfAnUnprivilegedCallerAndOfRoot() throws {
        let directory = try Directory()
        let fifos: [String] = [
            try directory.fifo("root", mode: 0o666), try directory.fifo("rootSetUID", mode: 0o4666),
            try directory.fifo("user", mode: 0o666, user: 65534, group: 65534),
            try directory.fifo("userInRootsGroup", mode: 0o666, user: 65534, group: 0),
        ]
        let paths: [UnsafeMutablePointer<CChar>] = fifos.map { strdup($0)! }
        defer { paths.forEach { free($0) } }
        let results = try #require(ForkedChildren.run(count: 1, slots: Slot.allCases.count) { _, slots in
            guard setgroups(0, nil) == 0, setgid(65534) == 0, setuid(65534) == 0 else { return }
            func result(_ value: CInt) -> Int { value < 0 ? -Int(errno) : Int(value) }
            func mode(_ path: UnsafeMutablePointer<CChar>) -> Int {
                var status = stat()
                return lstat(path, &status) == 0 ? Int(status.st_mode & 0o7777) : -Int(errno)
            }
            let unchanged = uid_t.max  // -1
            slots[Slot.chmodOfRoots.rawValue] = result(chmod(paths[0], 0o777))
            let roots = open(paths[0], O_RDONLY | O_NONBLOCK)
            slots[Slot.fchmodOfRoots.rawValue] = result(fchmod(roots, 0o777))
            slots[Slot.fchownOfRootsToItself.rawValue] = result(fchown(roots, 65534, unchanged))
            slots[Slot.chownOfRootsKeepingAll.rawValue] = result(chown(paths[0], unchanged, unchanged))
            slots[Slot.chownOfRootsSetUIDKeepingAll.rawValue] = result(chown(paths[1], unchanged, unchanged))
            slots[Slot.chownOfItsOwnToRoot.rawValue] = result(chown(paths[2], 0, unchanged))
            slots[Slot.itsOwnChmod6777.rawValue] = chmod(paths[2], 0o6777) == 0 ? mode(paths[2]) : -Int(errno)
            slots[Slot.itsOwnChownToItself.rawValue] = lchown(paths[2], 65534, unchanged) == 0 ? mode(paths[2]) : -Int(errno)
            slots[Slot.chmodSetGroupIDOutsideTheGroup.rawValue] = chmod(paths[3], 0o2777) == 0 ? mode(paths[3]) : -Int(errno)
            let own = open(paths[2], O_RDWR | O_NONBLOCK)
            guard own >= 0, chmod(paths[2], 0o044) == 0 else { return }
            let denied = open(paths[2], O_RDONLY | O_NONBLOCK)
            slots[Slot.openForReadingOf0044.rawValue] = denied < 0 ? -Int(errno) : 0
            var status = stat()
            guard fchmod(own, 0o6755) == 0, fchown(own, unchanged, unchanged) == 0, fstat(own, &status) == 0 else { return }
            slots[Slot.fstatAfterFchmodAndFchown.rawValue] = Int(status.st_mode & 0o7777)
        })[0]
        let eperm = -Int(EPERM)
        #expect(results == [eperm, eperm, eperm, 0, eperm, eperm, 0o6777, 0o777, 0o777, -Int(EACCES), 0o755])

        // The model: process 1 the non-owner, 2 the owner (both user 65534's stand-ins), 3 root.
        let setup = FIFOModel.Setup(mode: 0o666, owner: 2, privileged: [3])
        #expect(Self.accepts(setup, [(.chmod(process: 1, mode: 0o777), .failed(.EPERM))]))
        #expect(Self.accepts(setup, [
            (.open(process: 1, end: .read, nonblocking: true), .opened), (.fchmod(process: 1, end: .read, mode: 0o777), .failed(.EPERM)),
            (.chown(process: 1, call: .fchown, end: .read, owner: 1), .failed(.EPERM)),
            (.chown(process: 1, call: .chown, end: nil, owner: nil), .ownerChanged),
        ]))
        #expect(!Self.accepts(setup, [(.chown(process: 1, call: .chown, end: nil, owner: nil), .failed(.EPERM))]))
        var setUID = setup
        setUID.mode = 0o4666
        #expect(Self.accepts(setUID, [(.chown(process: 1, call: .chown, end: nil, owner: nil), .failed(.EPERM))]))
        #expect(!Self.accepts(setUID, [(.chown(process: 1, call: .chown, end: nil, owner: nil), .ownerChanged)]))
        #expect(Self.accepts(setup, [
            (.chown(process: 2, call: .chown, end: nil, owner: 3), .failed(.EPERM)),
            (.chmod(process: 2, mode: 0o6777), .modeChanged), (.open(process: 2, end: .read, nonblocking: true), .opened),
            (.status(process: 2, end: .read), .status(type: "S_IFIFO", mode: 0o6777, size: 0)),
            (.chown(process: 2, call: .lchown, end: nil, owner: 2), .ownerChanged),
            (.status(process: 2, end: .read), .status(type: "S_IFIFO", mode: 0o777, size: 0)),
            // Its group unknown, the owner's set-group-ID may go (chmodSetGroupIDOutsideTheGroup).
            (.chmod(process: 2, mode: 0o2777), .modeChanged), (.status(process: 2, end: .read), .status(type: "S_IFIFO", mode: 0o777, size: 0)),
            (.chmod(process: 2, mode: 0o044), .modeChanged),
            (.open(process: 2, end: .read, nonblocking: true), .failed(.EACCES)), (.open(process: 1, end: .read, nonblocking: true), .opened),
            (.fchmod(process: 2, end: .read, mode: 0o6755), .modeChanged), (.chown(process: 2, call: .fchown, end: .read, owner: nil), .ownerChanged),
            (.status(process: 2, end: .read), .status(type: "S_IFIFO", mode: 0o755, size: 0)),
        ]))
        // The owner judged by the others' bits would be let in.
        #expect(!Self.accepts(setup, [(.chmod(process: 2, mode: 0o044), .modeChanged), (.open(process: 2, end: .read, nonblocking: true), .opened)]))
    }

    /// Root's `chown`, even to the owner and group it already has (-1, -1), clears set-user-ID, and set-group-ID only
    /// with group execute; `fchmod` and `fchown` work through a descriptor after the name is unlinked.
    @Test func rootsChownClearsTheSetIDBitsAndTheDescriptorCallsOutliveTheName() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let directory = try Directory()
            let clear = try directory.fifo("clear", mode: 0o6777)
            let keep = try directory.fifo("keep", mode: 0o6767)
            try Syscall.changeOwner(clear, user: uid_t.max, group: gid_t.max, following: true)
            try Syscall.changeOwner(keep, user: 0, group: 0, following: true)
            #expect(Syscall.permissions(of: clear) == 0o777)
            #expect(Syscall.permissions(of: keep) == 0o2767)
            let gone = try directory.fifo("gone", mode: 0o600)
            let descriptor = try KernelFIFO.open(gone, for: .readWrite, nonblocking: true)
            defer { try? descriptor.close() }
            try Syscall.unlink(gone)
            try Syscall.changeMode(descriptor, 0o4644)
            try Syscall.changeOwner(descriptor, user: 65534, group: gid_t.max)
            #expect(try KernelPipe.status(descriptor).mode == 0o644)

            var setup = FIFOModel.Setup(mode: 0o6777)
            #expect(Self.accepts(setup, [
                (.chown(process: 1, call: .chown, end: nil, owner: nil), .ownerChanged), (.openReadWrite(process: 1, nonblocking: true), .opened),
                (.status(process: 1, end: .read), .status(type: "S_IFIFO", mode: 0o777, size: 0)),
            ]))
            setup.mode = 0o6767
            #expect(Self.accepts(setup, [
                (.chown(process: 1, call: .chown, end: nil, owner: 1), .ownerChanged), (.openReadWrite(process: 1, nonblocking: true), .opened),
                (.status(process: 1, end: .read), .status(type: "S_IFIFO", mode: 0o2767, size: 0)), (.unlink(process: 1), .unlinked),
                (.chmod(process: 1, mode: 0o644), .failed(.ENOENT)), (.fchmod(process: 1, end: .write, mode: 0o4644), .modeChanged),
                (.chown(process: 1, call: .fchown, end: .read, owner: 2), .ownerChanged),
                (.status(process: 1, end: .read), .status(type: "S_IFIFO", mode: 0o644, size: 0)),
            ]))
        }
    }

    /// Whether some path through the model takes every call with its output (a checker's question, one object).
    static func accepts(_ setup: FIFOModel.Setup, _ calls: [(FIFOModel.Input, FIFOModel.Output)]) -> Bool {
        let model = FIFOModel(fifos: [("f0", setup)])
        var states: Set<FIFOModel.State> = [model.initialState(of: "f0")]
        for (input, output) in calls {
            states = Set(states.flatMap { model.step($0, input, output) }.compactMap { step in
                if case .completed(let next) = step { next } else { nil }
            })
        }
        return !states.isEmpty
    }
}
