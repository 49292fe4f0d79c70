import Foundation
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `mknod`, `mknodat`, `mkfifoat` and `mkfifo` of a FIFO's name, measured on this kernel (C probes first, as root and
/// as user 65534; LTP `mknod01`–`09`, `mknodat01`–`02`, `mkfifo01`–`02`, `mkfifoat01`–`02`, Open POSIX `mkfifo` as
/// the checklist), each fact also asked of the fifo model (``FIFOModel+Creation``).
@Suite struct FIFOCreationFactsTests {
    /// A directory of its own, open to everyone, holding a FIFO `fifo` (and, for the unprivileged facts, a
    /// set-group-ID directory `sgid` of group 0).
    final class Directory {
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-nodes"
        var fifo: String { path + "/fifo" }
        var free: String { path + "/free" }
        init() throws {
            guard mkdir(path, 0o777) == 0, chmod(path, 0o777) == 0, mkdir(path + "/sgid", 0o777) == 0,
                  chmod(path + "/sgid", 0o2777) == 0 else { throw Errno(rawValue: errno) }
            try KernelFIFO.create(at: fifo)
        }
        deinit {
            for name in ["fifo", "free", "sgid/a", "sgid/b", "own", "whiteout"] { unlink(path + "/" + name) }
            rmdir(path + "/sgid")
            rmdir(path)
        }
    }

    /// Process 1 is root (the model's default: every process privileged), the FIFO's name there or not.
    static func modelOutputs(_ creation: FIFOModel.NodeCreation, linked: Bool, privileged: [Int]? = nil) -> [FIFOModel.Output?] {
        let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(privileged: privileged))])
        var state = model.initialState(of: "f0")
        if !linked, case .completed(let next)? = model.outcomes(of: .unlink(process: 1), in: state).first?.step { state = next }
        return model.outcomes(of: .makeNode(process: 1, creation: creation), in: state).map(\.output)
    }

    typealias Case = (creation: FIFOModel.NodeCreation, linked: Bool, expected: FIFOModel.Output)
    static let asRoot: [Case] = [
        // The type first, before the directory descriptor and the name, for root too.
        (.init(call: .mknod, type: .directory, mode: 0o755), true, .failed(.EPERM)),
        (.init(call: .mknod, type: .directory, mode: 0o755, missingDirectory: true), false, .failed(.EPERM)),
        (.init(call: .mknod, type: .symlink, mode: 0o755), true, .failed(.EINVAL)),
        (.init(call: .mknodat, type: .none, mode: 0o644, directory: .closed), false, .failed(.EINVAL)),
        (.init(call: .mknodat, type: .directory, mode: 0o644, directory: .file), true, .failed(.EPERM)),
        // Then the directory descriptor, before the name.
        (.init(call: .mknodat, mode: 0o644, directory: .closed), true, .failed(.EBADF)),
        (.init(call: .mkfifoat, mode: 0o644, directory: .file), true, .failed(ErrorCode("ENOTDIR"))),
        (.init(call: .mkfifoat, mode: 0o644, missingDirectory: true, directory: .file), false, .failed(ErrorCode("ENOTDIR"))),
        // Then the name.
        (.init(call: .mknod, mode: 0o666, umask: 0o022), true, .failed(.EEXIST)),
        (.init(call: .mkfifoat, mode: 0o666, directory: .directory), true, .failed(.EEXIST)),
        (.init(call: .mknodat, type: .character, mode: 0o644, directory: .cwd, device: 0x103), true, .failed(.EEXIST)),
        (.init(call: .mkfifoat, mode: 0o666, missingDirectory: true, directory: .directory), false, .failed(.ENOENT)),
        // What is made: the umask takes permission bits only; set-ID and sticky bits stay; root makes a device.
        (.init(call: .mknod, mode: 0o7777, umask: 0o022), false, .made(mode: 0o7755)),
        (.init(call: .mkfifoat, mode: 0o666, directory: .directory), false, .made(mode: 0o666)),
        (.init(call: .mkfifoat, mode: 0o640, umask: 0o027, directory: .cwd), false, .made(mode: 0o640)),
        (.init(call: .mknodat, mode: 0o2770, umask: 0o007, directory: .directory), false, .made(mode: 0o2770)),
        (.init(call: .mknod, type: .regular, mode: 0o644), false, .made(mode: 0o644)),
        (.init(call: .mknod, type: .socket, mode: 0o600), false, .made(mode: 0o600)),
        (.init(call: .mknod, type: .character, mode: 0o640, device: 0x103), false, .made(mode: 0o640)),
        (.init(call: .mkfifo, mode: 0o1777, umask: 0o022), false, .made(mode: 0o1755)),
    ]

    @Test func theTypeComesFirstThenTheDirectoryDescriptorThenTheNameAndTheUmaskTakesPermissionBitsOnly() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let directory = try Directory()
            for (creation, linked, expected) in Self.asRoot {
                let directoryKind = KernelFIFO.NodeDirectory(rawValue: creation.directory.rawValue)!
                let kernel: FIFOModel.Output
                do {
                    kernel = .made(mode: try KernelFIFO.makeNode(
                        at: linked ? directory.fifo : directory.free, mode: creation.type.bits | creation.mode, device: creation.device,
                        umask: creation.umask, through: creation.call == .mknod || creation.call == .mkfifo ? .cwd : directoryKind,
                        missingDirectory: creation.missingDirectory))
                } catch {
                    kernel = .failed(errorCode(error))
                }
                #expect(kernel == expected, "\(creation)")
                #expect(Self.modelOutputs(creation, linked: linked) == [expected], "\(creation)")
            }
        }
    }

    /// The slots the unprivileged child reports.
    enum Slot: Int, CaseIterable {
        case character, whiteout, block, characterOverTheName, setGroupIDWithExecute, setGroupIDWithoutExecute, allBitsInItsOwn
    }

    /// As user 65534 (a forked child, C calls only): a device but a whiteout `EPERM` — after the name's `EEXIST` —
    /// and the set-group-ID bit stripped in a set-group-ID directory of a group it is not in, when group execute is
    /// asked too; in a directory that is not set-group-ID every bit is kept.
    @Test func anUnprivilegedCreatorMakesNoDeviceButAWhiteoutAndLosesSetGroupIDInAnotherGroupsDirectory() throws {
        let directory = try Directory()
        let names: [String] = ["free", "whiteout", "fifo", "sgid/a", "sgid/b", "own"]
        let paths: [UnsafeMutablePointer<CChar>] = names.map { strdup(directory.path + "/" + $0)! }
        defer { paths.forEach { free($0) } }
        let (character, block, fifo) = (mode_t(0o020000), mode_t(0o060000), mode_t(0o010000))  // S_IFCHR, S_IFBLK, S_IFIFO
        let results = try #require(ForkedChildren.run(count: 1, slots: Slot.allCases.count) { _, slots in
            guard setgroups(0, nil) == 0, setgid(65534) == 0, setuid(65534) == 0 else { return }
            umask(0)
            func made(_ path: UnsafeMutablePointer<CChar>, _ mode: mode_t, _ device: dev_t) -> Int {
                guard mknod(path, mode, device) == 0 else { return -Int(errno) }
                var status = stat()
                guard lstat(path, &status) == 0 else { return -Int(errno) }
                return Int(status.st_mode & 0o7777)
            }
            slots[Slot.character.rawValue] = made(paths[0], character | 0o644, 0x103)
            slots[Slot.whiteout.rawValue] = made(paths[1], character | 0o644, 0)
            slots[Slot.block.rawValue] = made(paths[0], block | 0o644, 0x700)
            slots[Slot.characterOverTheName.rawValue] = made(paths[2], character | 0o644, 0x103)
            slots[Slot.setGroupIDWithExecute.rawValue] = made(paths[3], fifo | 0o2777, 0)
            slots[Slot.setGroupIDWithoutExecute.rawValue] = made(paths[4], fifo | 0o2767, 0)
            slots[Slot.allBitsInItsOwn.rawValue] = made(paths[5], fifo | 0o7777, 0)
        })[0]
        let eperm = -Int(EPERM)
        #expect(results == [eperm, 0o644, eperm, -Int(EEXIST), 0o777, 0o2767, 0o7777])

        // The model: process 1 unprivileged; EACCES (the directory's permissions) is always allowed besides.
        func judged(_ creation: FIFOModel.NodeCreation, linked: Bool = false) -> [FIFOModel.Output?] {
            Self.modelOutputs(creation, linked: linked, privileged: []).filter { $0 != .failed(.EACCES) }
        }
        #expect(judged(.init(call: .mknod, type: .character, mode: 0o644, device: 0x103)) == [.failed(.EPERM)])
        #expect(judged(.init(call: .mknod, type: .character, mode: 0o644)) == [.made(mode: 0o644)])
        #expect(judged(.init(call: .mknod, type: .block, mode: 0o644, device: 0x700)) == [.failed(.EPERM)])
        #expect(judged(.init(call: .mknod, type: .character, mode: 0o644, device: 0x103), linked: true) == [.failed(.EEXIST)])
        // Which directory it is, the trace does not say: both for 02777, the bit kept without group execute.
        #expect(judged(.init(call: .mkfifo, mode: 0o2777)) == [.made(mode: 0o2777), .made(mode: 0o777)])
        #expect(judged(.init(call: .mkfifo, mode: 0o2767)) == [.made(mode: 0o2767)])
        #expect(judged(.init(call: .mkfifo, mode: 0o7777)).contains(.made(mode: 0o7777)))
    }
}
