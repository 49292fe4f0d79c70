import Foundation
import Glibc

/// A full descriptor table, for the `EMFILE` facts. Only in an exit test's child process: the limit is the whole
/// process's, and the test runner's threads would fail their own opens.
enum DescriptorExhaustion {
    /// Lowers `RLIMIT_NOFILE` to a little above the highest open descriptor and opens `/dev/null` until the kernel
    /// says `EMFILE`: the numbers taken, lowest first. Exits the process with 10 (the limit was refused) or 11 (the
    /// opens ended otherwise) when it cannot.
    /// Takes every number still free into `taken`, the limit as it is: an exit test's own runtime may close a
    /// descriptor of its own after ``fillTable()`` (fresh-clone CI runs saw a number come free in three of these
    /// children), so a check that needs the table full refills it first.
    static func refill(_ taken: inout [CInt]) {
        while case let extra = open("/dev/null", O_RDONLY | O_CLOEXEC), extra >= 0 { taken.append(extra) }
    }

    /// Whether `check` held on one of `attempts` tries, the table refilled before each. A number the runtime frees
    /// between the refill and the call makes one try see a free number (the fresh-clone CI run on 07231af: a
    /// signalfd made, where the table was to be full); the kernel's rule holds on every try, so a kernel or a fact
    /// that is wrong still fails them all. `check` must leave whatever it was given open (it fills the hole); it is
    /// handed `taken`, to free a number of its own.
    static func holdsWithFullTable(_ taken: inout [CInt], attempts: Int = 4, _ check: (inout [CInt]) -> Bool) -> Bool {
        for _ in 0..<attempts {
            refill(&taken)
            if check(&taken) { return true }
        }
        return false
    }

    static func fillTable() -> [CInt] {
        let highest = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) }.max() ?? 2
        var limits = rlimit(rlim_cur: rlim_t(highest + 8), rlim_max: rlim_t(highest + 8))
        guard setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits) == 0 else { exit(10) }
        var taken: [CInt] = []
        while true {
            let descriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
            if descriptor < 0 { break }
            taken.append(descriptor)
        }
        guard errno == EMFILE else { exit(11) }
        return taken
    }
}
