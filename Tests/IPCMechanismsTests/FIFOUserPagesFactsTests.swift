import CIPCShims
import Foundation
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// A FIFO's buffer under `pipe-user-pages-soft` (16384 pages here), measured on this kernel in a forked child that
/// opens FIFOs root made as a user of its own (a C probe first; the pipe's facts: `KernelPipeUserPagesFactsTests`):
/// the buffer is made by the first opener and accounted to its real uid — see ``FIFOModel+UserPages``. Each fact is
/// also asked of the fifo model, with the pages the user's pipes account as `"userPages"`' `others`.
@Suite struct FIFOUserPagesFactsTests {
    enum Slot: Int, CaseIterable {
        case firstOpen, grow, secondOpener, reopened, privilegedOpen, growPrivilegedsBuffer, growRootsBuffer
    }

    @Test func theFirstOpenerPastTheSoftLimitGetsTwoPagesAndABufferRootMadeMayGrow() throws {
        let soft = try String(contentsOfFile: "/proc/sys/fs/pipe-user-pages-soft", encoding: .utf8)
        let hard = try String(contentsOfFile: "/proc/sys/fs/pipe-user-pages-hard", encoding: .utf8)
        try #require(soft.trimmingCharacters(in: .whitespacesAndNewlines) == "16384" && hard.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let base = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-pages"
        let (users, roots) = (base + "-users", base + "-roots")
        defer { unlink(users); unlink(roots) }
        for fifo in [users, roots] {
            try KernelFIFO.create(at: fifo)
            try Syscall.changeMode(fifo, 0o666)
        }
        let held = try KernelFIFO.open(roots, for: .readWrite, nonblocking: true)  // root's buffer, before the fork
        defer { try? held.close() }
        let paths: [UnsafeMutablePointer<CChar>] = [users, roots].map { (path: String) in strdup(path)! }
        defer { paths.forEach { free($0) } }
        let user = uid_t(400_000 + Int(getpid()) % 100_000)  // a user of its own: no other process's pipes count
        let ends = UnsafeMutablePointer<CInt>.allocate(capacity: 2)
        defer { ends.deallocate() }
        let results = try #require(ForkedChildren.run(count: 1, slots: Slot.allCases.count) { _, slots in
            func answer(_ result: CInt) -> Int { result >= 0 ? Int(result) : -Int(errno) }
            var limit = rlimit(rlim_cur: 4096, rlim_max: 4096)
            // Real uid the user (the buffers' account), saved 0, effective the user.
            guard setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, setgroups(0, nil) == 0, setgid(user) == 0,
                  setreuid(user, 0) == 0, seteuid(user) == 0 else { return }
            for _ in 0..<1024 { guard pipe(ends) == 0 else { return } }  // 1024 pipes of 16 pages: the user at 16384
            let reader = open(paths[0], O_RDONLY | O_NONBLOCK)
            slots[Slot.firstOpen.rawValue] = answer(ipc_get_pipe_size(reader))
            slots[Slot.grow.rawValue] = answer(ipc_set_pipe_size(reader, 65536))
            let writer = open(paths[0], O_WRONLY | O_NONBLOCK)
            slots[Slot.secondOpener.rawValue] = answer(ipc_get_pipe_size(writer))
            close(reader)
            close(writer)  // the last close: the buffer goes
            let again = open(paths[0], O_RDONLY | O_NONBLOCK)
            slots[Slot.reopened.rawValue] = answer(ipc_get_pipe_size(again))
            close(again)
            guard seteuid(0) == 0 else { return }  // effective root: privileged, the same real uid's account
            let privileged = open(paths[0], O_RDONLY | O_NONBLOCK)
            slots[Slot.privilegedOpen.rawValue] = answer(ipc_get_pipe_size(privileged))
            guard seteuid(user) == 0 else { return }
            slots[Slot.growPrivilegedsBuffer.rawValue] = answer(ipc_set_pipe_size(privileged, 131_072))  // the user's 16400
            let rootsBuffer = open(paths[1], O_RDONLY | O_NONBLOCK)
            slots[Slot.growRootsBuffer.rawValue] = answer(ipc_set_pipe_size(rootsBuffer, 131_072))
        })[0]
        let eperm = -Int(EPERM)
        #expect(results == [8192, eperm, 8192, 8192, 65536, eperm, 131_072])

        // The model: process 1 the child as the user, process 2 the child with effective uid 0 (privileged).
        let pages = FIFOModel.Setup(mode: 0o666, userPages: PipeUserPages(others: 16384, unprivileged: [1]))
        func size(_ process: Int, _ end: PipeModel.End, _ bytes: Int) -> (FIFOModel.Input, FIFOModel.Output) {
            (.fcntl(process: process, end: end, command: .getPipeSize), .size(bytes))
        }
        let run: [(FIFOModel.Input, FIFOModel.Output)] = [
            (.open(process: 1, end: .read, nonblocking: true), .opened), size(1, .read, 8192),
            (.fcntl(process: 1, end: .read, command: .setPipeSize(65536)), .failed(.EPERM)),
            (.open(process: 1, end: .write, nonblocking: true), .opened), size(1, .write, 8192),
            (.close(process: 1, end: .read), .closed), (.close(process: 1, end: .write), .closed),
            (.open(process: 1, end: .read, nonblocking: true), .opened), size(1, .read, 8192), (.close(process: 1, end: .read), .closed),
            (.open(process: 2, end: .read, nonblocking: true), .opened), size(2, .read, 65536),
            (.open(process: 1, end: .read, nonblocking: true), .opened), (.fcntl(process: 1, end: .read, command: .setPipeSize(131_072)), .failed(.EPERM)),
        ]
        #expect(FIFOOwnershipFactsTests.accepts(pages, run))
        // Without the user's pages every first opener's buffer is 16 pages: the child's 8192 is no longer allowed.
        #expect(!FIFOOwnershipFactsTests.accepts(FIFOModel.Setup(mode: 0o666), Array(run.prefix(2))))
        // Root's buffer (root not counted: a privileged first opener) grows for the user (others: root's pages, few).
        let rootsSetup = FIFOModel.Setup(mode: 0o666, userPages: PipeUserPages(others: 0, unprivileged: [1]))
        #expect(FIFOOwnershipFactsTests.accepts(rootsSetup, [
            (.openReadWrite(process: 2, nonblocking: true), .opened), (.open(process: 1, end: .read, nonblocking: true), .opened),
            (.fcntl(process: 1, end: .read, command: .setPipeSize(131_072)), .size(131_072)),
        ]))
    }
}
