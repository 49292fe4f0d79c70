import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `fchmod` and `fchown` of a POSIX shared memory object's descriptor, and `fstat` and `shm_open` after them, as this
/// kernel answers them (a C probe first; chmod(2), chown(2)), judged call for call by the posix-shm model
/// (``PosixSharedMemoryModel+Ownership``). Root's calls run here; the user nobody's (65534) in forked children that
/// drop to it, holding the descriptor inherited.
///
/// The kernel's surprise (not modelled: the model has no set-ID bits): `fchown` clears `S_ISUID` (and `S_ISGID` with
/// group execute) even with -1 for both, and so fails `EPERM` for a process not the owner where there is one to clear.
@Suite struct SharedMemoryOwnershipFactsTests {
    typealias Input = PosixSharedMemoryModel.Input
    typealias Output = PosixSharedMemoryModel.Output
    static let nobody = 65534

    static func stat(_ descriptor: FileDescriptor) throws -> Output {
        let status = try Syscall.fileStatus(descriptor)
        return .size(status.size, mode: Int(status.mode & 0o777), owner: Int(status.owner), group: Int(status.group))
    }

    @Test(.enabled(if: geteuid() == 0)) func onlyRootAndTheOwnerChangeModeAndOwner() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("ownership", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        let path = strdup(name)
        defer { free(path) }
        let none = uid_t.max  // -1: unchanged
        // Process 2, nobody, not the owner: every change EPERM, -1 for both done.
        let stranger = try #require(ForkedChildren.run(count: 1, slots: 3) { _, slots in
            guard setgid(65534) == 0, setuid(65534) == 0 else { return }
            slots[0] = fchmod(fd, 0o666) == 0 ? 0 : Int(errno)
            slots[1] = fchown(fd, 65534, none) == 0 ? 0 : Int(errno)
            slots[2] = fchown(fd, none, none) == 0 ? 0 : Int(errno)
        }).first
        #expect(stranger == [Int(EPERM), Int(EPERM), 0])
        // Root: any mode, any owner.
        #expect(fchmod(fd, 0o644) == 0 && fchown(fd, uid_t(Self.nobody), 0) == 0)
        let rootsView = try Self.stat(descriptor)
        #expect(rootsView == .size(4096, mode: 0o644, owner: Self.nobody, group: 0))
        // Process 2 is the owner now: its mode, its own group or the object's, its own user; not root's group or user.
        let owner = try #require(ForkedChildren.run(count: 1, slots: 5) { _, slots in
            guard setgid(65534) == 0, setuid(65534) == 0 else { return }
            slots[0] = fchmod(fd, 0o660) == 0 ? 0 : Int(errno)
            slots[1] = fchown(fd, none, 65534) == 0 ? 0 : Int(errno)
            slots[2] = fchown(fd, none, 0) == 0 ? 0 : Int(errno)
            slots[3] = fchown(fd, 0, none) == 0 ? 0 : Int(errno)
            slots[4] = fchown(fd, 65534, none) == 0 ? 0 : Int(errno)
        }).first
        #expect(owner == [0, 0, Int(EPERM), Int(EPERM), 0])
        let ownersView = try Self.stat(descriptor)
        #expect(ownersView == .size(4096, mode: 0o660, owner: Self.nobody, group: Self.nobody))
        // With no bits for the owner, its next open fails EACCES.
        #expect(fchmod(fd, 0) == 0)
        let opened = try #require(ForkedChildren.run(count: 1, slots: 1) { _, slots in
            guard setgid(65534) == 0, setuid(65534) == 0 else { return }
            let file = shm_open(path, O_RDONLY, 0)
            slots[0] = file >= 0 ? 0 : Int(errno)
        }).first
        #expect(opened == [Int(EACCES)])

        var setup = PosixSharedMemoryModel.Setup(words: 512, mapped: [1, 2])
        setup.permissions.users = [2: .init(uid: Self.nobody)]
        let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", setup)]), object: "s0")
        func failed(_ slot: Int?) -> Output { slot == 0 ? .done : .failed(slot == Int(EPERM) ? .EPERM : ErrorCode("errno \(slot ?? -1)")) }
        let calls: [(input: Input, output: Output)] = [
            (.changeMode(process: 2, mode: 0o666), failed(stranger?[0])), (.changeOwner(process: 2, owner: Self.nobody, group: nil), failed(stranger?[1])),
            (.changeOwner(process: 2, owner: nil, group: nil), failed(stranger?[2])), (.changeMode(process: 1, mode: 0o644), .done),
            (.changeOwner(process: 1, owner: Self.nobody, group: 0), .done), (.stat(process: 1), rootsView),
            (.changeMode(process: 2, mode: 0o660), failed(owner?[0])), (.changeOwner(process: 2, owner: nil, group: Self.nobody), failed(owner?[1])),
            (.changeOwner(process: 2, owner: nil, group: 0), failed(owner?[2])), (.changeOwner(process: 2, owner: 0, group: nil), failed(owner?[3])),
            (.changeOwner(process: 2, owner: Self.nobody, group: nil), failed(owner?[4])), (.stat(process: 1), ownersView),
            (.changeMode(process: 1, mode: 0), .done), (.open(process: 2, .init(readOnly: true)), opened == [Int(EACCES)] ? .failed(.EACCES) : .done),
        ]
        #expect(history.firstRefusal(calls) == nil)
    }
}
