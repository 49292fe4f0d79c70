import IPCModels

/// An eventfd a program makes itself: `eventfd`'s count and flags, as a user's event loop makes its wake-up counter.
extension EventCounterScenarios {
    /// 1-2 processes each make an eventfd of their own (`e0`, `e1`, role `create`) with a random count and flags —
    /// sometimes first with a bit the kernel refuses (`EINVAL`, nothing made, then again) — and use it: `F_GETFL`
    /// (`EFD_NONBLOCK`), `F_GETFD` (`EFD_CLOEXEC`), writes and reads (`EFD_SEMAPHORE` takes 1), nonblocking reads of 0.
    public static let madeDuringRun = Scenario.real(
        name: "eventfd-made-during-run", kind: EventCounterKind.self, implementation: "kernel.eventfd",
        summary: "1-2 processes each make an eventfd with eventfd(initval, EFD_SEMAPHORE|EFD_NONBLOCK|EFD_CLOEXEC, some with a bit it refuses: EINVAL), then F_GETFL, F_GETFD, writes and reads of it",
        makeWorkload: { generator in madeDuringRunWorkload(generator: &generator) })

    static func madeDuringRunWorkload(generator: inout SeededGenerator) -> Workload {
        ScenarioPrograms.eachMakesItsOwn(EventCounterKind.name, prefix: "e", most: 2, generator: &generator) { _, call, generator in
            let nonblocking = generator.chance(0.8)  // a blocking read of 0 would wait for ever: only one holder
            if generator.chance(0.2) {
                call("eventfd", ["flags": ["EFD_CLOEXEC"], "bits": .int(generator.pick([2, 1024, 4, Int(Int32.min)]))])
            }
            var value: JSONObject = ["initial": .int(generator.pick([0, 1, 5, Int(UInt32.max)]))]
            let flags = ["EFD_SEMAPHORE", "EFD_CLOEXEC"].filter { _ in generator.chance(0.5) } + (nonblocking ? ["EFD_NONBLOCK"] : [])
            value["flags"] = .array(flags.map { .string($0) })
            call("eventfd", .object(value))
            call("fcntl", ["cmd": "F_GETFL"])
            call("fcntl", ["cmd": "F_GETFD"])
            if !nonblocking { call("fcntl", ["cmd": "F_SETFL", "nonblocking": true]) }
            for _ in 0..<generator.next(in: 2...6) {
                if generator.chance(0.5) {
                    call("write", ["value": .int(generator.next(in: 0...3))])
                } else {
                    call("read", nil)
                }
            }
        }
    }
}
