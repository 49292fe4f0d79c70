import IPCModels
import Testing

/// What a violation report shows of a segment's words: all of a small one, only the words not 0 of a large one (a
/// 4 KiB segment is 512 words, which once filled a whole screen).
@Suite struct SharedMemoryDescriptionTests {
    @Test func aLargeSegmentShowsOnlyItsWordsThatAreNotZero() {
        let model = SystemVSharedMemoryModel(segments: [("g", .init(words: 512, attached: [1], permissions: Permissions()))])
        var state = model.initialState(of: "g")
        #expect(model.describe(state).hasPrefix("words (512 of them, all 0);"))
        state.words[3] = 7
        state.words[511] = -1
        #expect(model.describe(state).hasPrefix("words (512 of them, those not 0: [3: 7, 511: -1]);"))
        let small = SystemVSharedMemoryModel(segments: [("g", .init(words: 4, attached: [1], permissions: Permissions()))])
        #expect(small.describe(small.initialState(of: "g")).hasPrefix("words [0, 0, 0, 0];"))
    }
}
