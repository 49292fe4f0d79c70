import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `fstat` of pipe and FIFO descriptors, measured on this kernel: `S_IFIFO`; an anonymous pipe's permission bits are
/// 0600, a FIFO's are its inode's (a `chmod` shows through descriptors already open); `st_size` is 0 whatever the pipe
/// holds.
@Suite struct KernelDescriptorStatusFactsTests {
    @Test func aPipesEndsAreFIFOsOfMode0600AndSize0() throws {
        let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
        defer { try? Syscall.close(readEnd); try? Syscall.close(writeEnd) }
        _ = try KernelPipe.write(writeEnd, [1, 2, 3], nonblocking: true)
        for end in [readEnd, writeEnd] {
            let status = try KernelPipe.status(end)
            #expect(status.type == "S_IFIFO" && status.mode == 0o600 && status.size == 0, "\(status)")
        }
        let model = PipeModel(pipes: [("p", .init(readers: [1], writers: [2]))])
        let start = model.initialState(of: "p")
        #expect(model.outcomes(of: .status(process: 1, end: .read), in: start).map(\.output) == [.status(type: "S_IFIFO", mode: 0o600, size: 0)])
        #expect(model.outcomes(of: .status(process: 1, end: .write), in: start).map(\.output) == [.failed(.EBADF)])
    }

    @Test func aFIFOsModeIsItsInodesNow() throws {
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifo"
        try KernelFIFO.create(at: path)
        defer { unlink(path) }
        let reader = try KernelFIFO.open(path, for: .read, nonblocking: true)
        defer { try? Syscall.close(reader) }
        let writer = try KernelFIFO.open(path, for: .write, nonblocking: true)
        defer { try? Syscall.close(writer) }
        _ = try KernelPipe.write(writer, [1, 2, 3, 4], nonblocking: true)
        #expect(try KernelPipe.status(reader) == ("S_IFIFO", 0o600, 0))
        try Syscall.changeMode(path, 0o640)
        #expect(try KernelPipe.status(writer) == ("S_IFIFO", 0o640, 0))
    }
}
