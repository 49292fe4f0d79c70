import CIPCShims
import Glibc
import IPCModels
import Testing

/// The bits above 0777 (`S_ISUID` 04000, `S_ISGID` 02000, sticky 01000) of a POSIX create's mode (measured with a C
/// probe first, as root and as user 65534; forked children, C calls only). The umask never touches them, and the kernel
/// keeps them for `mq_open` and `shm_open`, root or not: 07777 under 022 is 07755 (`fstat`). `sem_open` differs for a
/// creator without `CAP_FSETID`: glibc fills the new file with a `write` before it links it into place, and that write
/// clears `S_ISUID`, and `S_ISGID` when the group may execute (the kernel's `file_remove_privs`) — user 65534's 07777
/// is 01755, 02777 is 0755, 02767 stays 02745; root's are kept. The file is the creator's user's and group's (`/dev/shm`
/// is not setgid), so the creator is never outside its group. The posix-mq and posix-sem models give a created object
/// these modes (``PosixSemaphoreModel/createdMode(_:umask:byRoot:)``); the posix-shm model still refuses such a mode.
@Suite struct CreationModeBitsFactsTests {
    static let modes = [0o7777, 0o2777, 0o4700, 0o2767]

    @Test func bitsAboveThePermissionBitsAreKeptButGlibcsSemaphoreWriteClearsThemForANonRootCreator() throws {
        let base = "/ipch-test-\(getpid())-bits-\(UInt32.random(in: 0...UInt32.max))"
        let names = (0..<8).map { PosixCreationNames("\(base)-\($0)") }
        defer { names.forEach { $0.release() } }
        let modes = Self.modes
        // Child 0 stays root, child 1 becomes user 65534 (its only thread: the process's user); 3 slots per mode.
        let seen = try #require(ForkedChildren.run(count: 2, slots: 3 * modes.count) { index, slots in
            if index == 1 && ipc_thread_credentials(65534, 65534) != 0 { return }
            umask(0o022)
            for (slot, mode) in modes.enumerated() { names[index * 4 + slot].create(mode: mode, into: slots + 3 * slot) }
        })
        let root = modes.flatMap { mode in [mode & ~0o022, mode & ~0o022, mode & ~0o022] }
        #expect(seen[0] == root)
        #expect(seen[1] == [0o7755, 0o1755, 0o7755, 0o2755, 0o755, 0o2755, 0o4700, 0o700, 0o4700, 0o2745, 0o2745, 0o2745])

        // The models, for the two posix-mq and posix-sem creators (process 1 root, process 2 user 65534).
        let models = PosixCreationModels(umask: "0022", users: ["2": 65534])
        for (slot, mode) in modes.enumerated() {
            let byRoot = Array(try models.modes(creator: 1, mode: mode).modes.prefix(2))
            let byUser = Array(try models.modes(creator: 2, mode: mode).modes.prefix(2))
            #expect(byRoot == [seen[0][3 * slot], seen[0][3 * slot + 1]] as [Int?])
            #expect(byUser == [seen[1][3 * slot], seen[1][3 * slot + 1]] as [Int?])
        }
    }
}
