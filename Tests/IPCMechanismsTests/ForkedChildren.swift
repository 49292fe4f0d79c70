import Glibc
import IPCSyscalls
import SystemPackage

/// Children forked from the test process that make C calls and report numbers: a fact about processes — a umask, a
/// user, two creators racing — measured without leaving the test process (as ``MessageQueueForkFactsTests``'s child).
enum ForkedChildren {
    /// Forks `count` children that wait at one gate — a pipe whose write end this process closes once all exist, so
    /// their reads return together — then each runs `body` with its index and `slots` result slots (-1 until set), and
    /// sends the slots back. Returns each child's slots, by index, once all are reaped; nil when a pipe, a fork, a
    /// report or a child's exit failed. No sleep: the gate only lines the children up.
    ///
    /// `body` makes C calls only: a child forked from a threaded process must not enter the Swift runtime.
    static func run(count: Int, slots: Int, _ body: (Int, UnsafeMutablePointer<Int>) -> Void) -> [[Int]]? {
        let size = (1 + slots) * MemoryLayout<Int>.size  // the index, then the slots: one write, under PIPE_BUF
        let message = UnsafeMutablePointer<Int>.allocate(capacity: 1 + slots)
        defer { message.deallocate() }
        var children = [pid_t](repeating: -1, count: count)
        // The pipes are made and their children's ends closed while no other test forks or spawns: no other child
        // holds the gate open (its read would then wait for that child) or the report's write end.
        let reports = Syscall.withoutConcurrentSpawns { () -> FileDescriptor? in
            guard let gate = try? Syscall.pipe() else { return nil }
            guard let report = try? Syscall.pipe() else {
                close(gate.read.rawValue)
                close(gate.write.rawValue)
                return nil
            }
            for index in 0..<count {
                message.initialize(repeating: -1, count: 1 + slots)
                let child = fork()
                if child == 0 {
                    close(gate.write.rawValue)
                    var byte: UInt8 = 0
                    _ = read(gate.read.rawValue, &byte, 1)  // end of file: every child exists
                    message[0] = index
                    body(index, message + 1)
                    _ = write(report.write.rawValue, message, size)
                    _exit(0)
                }
                children[index] = child
            }
            close(gate.read.rawValue)
            close(gate.write.rawValue)
            close(report.write.rawValue)
            return report.read
        }
        guard let reports else { return nil }
        defer { close(reports.rawValue) }
        var results = [[Int]?](repeating: nil, count: count)
        for _ in 0..<count {
            var received = 0
            while received < size {
                let got = read(reports.rawValue, UnsafeMutableRawPointer(message) + received, size - received)
                if got <= 0 { break }
                received += got
            }
            guard received == size, (0..<count).contains(message[0]) else { break }
            results[message[0]] = Array(UnsafeBufferPointer(start: message + 1, count: slots))
        }
        var succeeded = children.allSatisfy { $0 > 0 }
        for child in children where child > 0 {
            var status: CInt = 0
            succeeded = waitpid(child, &status, 0) == child && status == 0 && succeeded
        }
        guard succeeded else { return nil }
        let reported = results.compactMap { $0 }
        return reported.count == count ? reported : nil
    }
}
