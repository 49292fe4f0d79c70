import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Each fragile client next to its robust twin, under the one fault that exposes it (injected with a task-local
/// fault plan, on a real pipe).
@Suite struct FragileClientsTests {
    func pipeHolding(_ text: String) throws -> (read: FileDescriptor, write: FileDescriptor) {
        let ends = try KernelPipe.create()
        _ = try KernelPipe.write(ends.write, Array(text.utf8), nonblocking: false)
        return ends
    }

    func drain(_ descriptor: FileDescriptor) throws -> String {
        var all: [UInt8] = []
        while case .completed(let chunk) = try KernelPipe.read(descriptor, max: 4096, nonblocking: true), !chunk.isEmpty {
            all += chunk
        }
        return String(decoding: all, as: UTF8.self)
    }

    @Test func aReadInterruptedOnceIsEndOfFileOnlyToTheFragileReader() throws {
        let ends = try pipeHolding("data")
        defer {
            try? Syscall.close(ends.read)
            try? Syscall.close(ends.write)
        }
        let interruptOnce = FaultPlan(rules: [.counted(.read, errno: .interrupted)])
        var fragile = EndOfFileOnInterruptReader()
        let fragileGot = try FaultInjection.$taskInjector.withValue(interruptOnce) { try fragile.read(max: 10, from: ends.read) }
        #expect(fragileGot.isEmpty)  // "end of file", with four bytes waiting

        let again = FaultPlan(rules: [.counted(.read, errno: .interrupted)])
        var robust = RetryingReader()
        let robustGot = try FaultInjection.$taskInjector.withValue(again) { try robust.read(max: 10, from: ends.read) }
        #expect(String(decoding: robustGot, as: UTF8.self) == "data")
    }

    @Test func aShortWriteLosesTheTailOnlyForTheFragileWriter() throws {
        let ends = try KernelPipe.create()
        defer {
            try? Syscall.close(ends.read)
            try? Syscall.close(ends.write)
        }
        let shortOnce = FaultPlan(rules: [FaultPlan.Rule(call: .write, action: .shorten(to: 3), count: 1)])
        var fragile = ShortWriteIgnoringWriter()
        let claimed = try FaultInjection.$taskInjector.withValue(shortOnce) { try fragile.write(Array("message".utf8), to: ends.write) }
        #expect(claimed == 7)
        #expect(try drain(ends.read) == "mes")

        let shortAgain = FaultPlan(rules: [FaultPlan.Rule(call: .write, action: .shorten(to: 3), count: 1)])
        var robust = BlockingWriteAllWriter()
        let written = try FaultInjection.$taskInjector.withValue(shortAgain) { try robust.write(Array("message".utf8), to: ends.write) }
        #expect(written == 7)
        #expect(try drain(ends.read) == "message")
    }
}
