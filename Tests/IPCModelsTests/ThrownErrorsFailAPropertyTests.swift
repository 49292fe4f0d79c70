import PropertyBased
import Synchronization
import Testing
import TestSupport

/// The library's `propertyCheck` swallows what a property's body throws; TestSupport's `checkProperty`, which our
/// property tests call instead, hands it on — to `recordThrown`, which records it as an issue, unless a test of
/// `checkProperty` itself catches it here (an issue recorded inside the library's own issue handling does not reach
/// `withKnownIssue`, so these tests look at what `checkProperty` hands on instead).
@Suite struct ThrownErrorsFailAPropertyTests {
    struct Thrown: Error {}

    final class Caught: Sendable {
        let count = Mutex(0)
        func note(_ error: any Error, _ location: SourceLocation) { if error is Thrown { count.withLock { $0 += 1 } } }
        var total: Int { count.withLock { $0 } }
    }

    @Test func anErrorThrownByAPropertysBodyIsHandedOn() async {
        let caught = Caught()
        await checkProperty(count: 3, input: Gen.int(in: 0...9), perform: { _ in throw Thrown() }, onError: caught.note)
        #expect(caught.total > 0)
    }

    @Test func soItIsWithSeveralGenerators() async {
        let caught = Caught()
        await checkProperty(count: 3, input: Gen.int(in: 0...9), Gen.bool, perform: { _, _ in throw Thrown() }, onError: caught.note)
        #expect(caught.total > 0)
        let three = Caught()
        await checkProperty(
            count: 3, input: Gen.int(in: 0...9), Gen.bool, Gen.int(in: 1...2), perform: { _, _, _ in throw Thrown() },
            onError: three.note)
        #expect(three.total > 0)
    }

    @Test func aBodyThatThrowsNothingHandsOnNothing() async {
        let caught = Caught()
        await checkProperty(count: 20, input: Gen.int(in: 0...9), perform: { value in #expect((0...9).contains(value)) }, onError: caught.note)
        #expect(caught.total == 0)
    }
}
