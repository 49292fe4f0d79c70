import IPCMechanisms

/// A user's single-producer, single-consumer hand-off slot in shared memory for messages of up to 8 bytes: the
/// producer writes the message word, raises the full flag and wakes a consumer asleep on it; the consumer sees the
/// flag, reads the word, then lowers the flag. Written once over ``SharedMemory``.
///
/// The flag is what publishes the message, so the producer must raise it with a *releasing* store (and the consumer
/// read it with an acquiring load). `publishesRelaxed` is the bug: with a relaxed store nothing orders the message
/// word before the flag, and on weak memory (Arm, POWER; the harness's simulation) the consumer can see the flag
/// and still read the old word. Under sequential consistency both versions are correct — only a simulation with
/// weak memory catches it.
///
/// Layout: the flag word on the first cache line, the message word on the second.
public struct HandoffSlot<Memory: SharedMemory> {
    public let memory: Memory
    public let publishesRelaxed: Bool
    static var flagOffset: Int { 0 }
    static var messageOffset: Int { 64 }
    public static var size: Int { 128 }

    public init(memory: Memory, publishesRelaxed: Bool) {
        self.memory = memory
        self.publishesRelaxed = publishesRelaxed
    }

    /// Hands `message` (1 to 8 bytes, the last not zero) over; false while the slot is still full.
    public func put(_ message: [UInt8]) -> Bool {
        guard memory.load(Self.flagOffset, .acquiring) == 0 else { return false }
        memory.store(Self.messageOffset, OneSlotMailbox<Memory>.word(message), .relaxed)
        memory.store(Self.flagOffset, 1, publishesRelaxed ? .relaxed : .releasing)
        memory.wake(Self.flagOffset, count: 1)
        return true
    }

    /// Takes the message, sleeping while the slot is empty.
    public func takeWaiting() -> [UInt8] {
        while true {
            if let message = take() { return message }
            memory.wait(Self.flagOffset, whileEquals: 0)
        }
    }

    /// Takes the message; nil while the slot is empty.
    public func take() -> [UInt8]? {
        guard memory.load(Self.flagOffset, .acquiring) == 1 else { return nil }
        let word = memory.load(Self.messageOffset, .relaxed)
        memory.store(Self.flagOffset, 0, .releasing)
        return OneSlotMailbox<Memory>.bytes(word)
    }
}
