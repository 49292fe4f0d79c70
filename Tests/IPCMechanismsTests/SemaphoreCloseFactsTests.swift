import Foundation
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `sem_close` of a named semaphore (glibc 2.36), measured: glibc maps a named semaphore once per process and
/// counts its `sem_open`s — a second `sem_open` returns the same address, which /proc/self/maps shows mapped until the last close —
/// so a `sem_close` gives up one handle: the other keeps working, and only the last unmaps it. A later `sem_open`
/// finds the semaphore with its value. `sem_close` of an address glibc does not know fails `EINVAL`. And
/// `sem_destroy` (why it is no operation): glibc's does nothing and returns 0, also a second time.
@Suite struct SemaphoreCloseFactsTests {
    /// Whether /proc/self/maps shows a mapping of a file under /dev/shm starting at `address` (glibc maps the
    /// semaphore's file there, under the temporary name it created it with).
    func mapped(_ address: UnsafeMutablePointer<sem_t>) throws -> Bool {
        // Read to the end: /proc reports a size of 0.
        let file = try #require(FileHandle(forReadingAtPath: "/proc/self/maps"))
        defer { try? file.close() }
        let maps = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        let start = String(UInt(bitPattern: address), radix: 16)
        return maps.split(separator: "\n").contains { $0.hasPrefix(start + "-") && $0.contains("/dev/shm/") }
    }

    @Test func eachCloseGivesUpOneHandleOfTheOneMapping() throws {
        let name = "/ipch-test-\(getpid())-sclose-\(UInt32.random(in: 0...UInt32.max))"
        let created = try PosixSemaphore.create(name, value: 3)
        defer { try? Syscall.semUnlink(name) }
        let again = try PosixSemaphore.open(name)
        #expect(again.pointer == created.pointer)
        #expect(try mapped(created.pointer))
        try Syscall.semClose(created.pointer)
        // The other handle is the same address, still mapped.
        #expect(try mapped(again.pointer))
        try again.post()
        #expect(try again.value() == 4)
        try Syscall.semClose(again.pointer)
        #expect(try !mapped(again.pointer))
        let reopened = try PosixSemaphore.open(name)
        #expect(try reopened.value() == 4)
        try Syscall.semClose(reopened.pointer)

        let model = PosixSemaphoreModel(semaphores: [("s", .init(value: 3, named: true))])
        var state = model.initialState(of: "s")
        for (input, expected) in [
            (PosixSemaphoreModel.Input.open(process: 1), PosixSemaphoreModel.Output.done), (.close(process: 1), .done),
            (.post(process: 1), .done), (.getValue(process: 1), .value(4)), (.close(process: 1), .done),
            (.open(process: 1), .done), (.getValue(process: 1), .value(4)), (.close(process: 1), .done),
        ] {
            // An open may also fail EMFILE: the model does not know the process's descriptor table.
            let transitions = model.transitions(state, input).filter { $0.output != .failed(ErrorCode("EMFILE")) }
            #expect(transitions.map(\.output) == [expected], "\(input)")
            state = try #require(transitions.first).state
        }
        // With no handle left, a close may fail EINVAL (or close another semaphore mapped at that address since).
        #expect(Set(model.transitions(state, .close(process: 1)).map(\.output)) == [.failed(.EINVAL), .done])
    }

    /// An address glibc never mapped as a semaphore (nor any other semaphore of this process: never one in
    /// anonymous memory) is not in its table: `EINVAL`, nothing touched.
    @Test func closingAnAddressGlibcDoesNotKnowFailsEINVAL() throws {
        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        let semaphore = memory.assumingMemoryBound(to: sem_t.self)
        try Syscall.semInit(semaphore, shared: true, value: 2)
        #expect(throws: Errno.invalidArgument) { try Syscall.semClose(semaphore) }
        #expect(try PosixSemaphore(pointer: semaphore).value() == 2)
    }

    /// glibc's `sem_destroy` checks nothing and changes nothing: 0, and 0 again, the value still readable — so a
    /// trace could only ever record success, and any use after it is undefined behaviour.
    @Test func semDestroyReturnsZeroEvenTwice() throws {
        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        let semaphore = memory.assumingMemoryBound(to: sem_t.self)
        try Syscall.semInit(semaphore, shared: true, value: 5)
        #expect(sem_destroy(semaphore) == 0)
        #expect(sem_destroy(semaphore) == 0)
        #expect(try PosixSemaphore(pointer: semaphore).value() == 5)
    }
}
