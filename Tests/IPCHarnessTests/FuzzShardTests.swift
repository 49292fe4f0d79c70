import IPCHarness
import Testing

@Suite struct FuzzShardPartitionTests {
    @Test(arguments: [("0/1", 0, 1), ("3/4", 3, 4), ("0/10000", 0, 10000)])
    func shardsParse(text: String, index: Int, count: Int) {
        #expect(FuzzShard(text) == FuzzShard(index: index, count: count))
    }

    @Test(arguments: ["4/4", "1", "-1/2", "a/b", "0/0", "1/2/3", "", "0/10001"])
    func badShardsDoNot(text: String) {
        #expect(FuzzShard(text) == nil)
    }

    /// No two shards run the same seed, and together they run the whole session's.
    @Test func shardsSplitTheSessionsFreshSeeds() {
        let whole = Set((0..<400).map { FuzzShard.whole.freshSeed(session: 42, draw: $0) })
        var union = Set<UInt64>()
        for index in 0..<4 {
            let seeds = Set((0..<100).map { FuzzShard(index: index, count: 4).freshSeed(session: 42, draw: $0) })
            #expect(seeds.count == 100)
            #expect(union.isDisjoint(with: seeds))
            union.formUnion(seeds)
        }
        #expect(union == whole)
        #expect(FuzzShard(index: 0, count: 4).choiceGenerator(session: 42) != FuzzShard(index: 1, count: 4).choiceGenerator(session: 42))
    }
}
