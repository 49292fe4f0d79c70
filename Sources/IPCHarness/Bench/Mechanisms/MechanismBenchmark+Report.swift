import IPCModels

/// The bench's result as text (the default), JSON (`--json`) and figures shared by both.
extension MechanismBenchmark {
    static func nanoseconds(_ value: Double) -> String {
        if abs(value) >= 1e6 { return BenchFigures.format(value / 1e6, 2) + " ms" }
        if abs(value) >= 1e3 { return BenchFigures.format(value / 1e3, 2) + " µs" }
        return BenchFigures.format(value, 0) + " ns"
    }

    /// "T = 3.2 KiB ± 0.4 KiB (repetitions 2.9 KiB–3.6 KiB)", or why there is no T.
    public static func describe(_ result: CrossoverResult) -> String {
        let spread = result.repetitions.compactMap(\.bytes)
        let others = result.repetitions.filter { $0.bytes == nil }.count
        var text: String
        switch result.crossover {
        case .at(let bytes):
            text = "T = \(SVGChart.bytes(bytes.rounded()))"
            if let error = result.standardError { text += " ± \(SVGChart.bytes((1.96 * error).rounded())) (95 %, from the fits)" }
        case .sharedMemoryAlways: text = "no T: \(result.shared.rawValue) is faster at every size"
        case .copyAlways: text = "no T: \(result.copy.rawValue) is faster at every size"
        }
        if let low = spread.min(), let high = spread.max() {
            text += "; repetitions \(SVGChart.bytes(low.rounded()))–\(SVGChart.bytes(high.rounded()))"
        }
        if others > 0 { text += "; \(others) of \(result.repetitions.count) repetitions had no crossover" }
        return text
    }

    public static func text(_ result: Result) -> String {
        let options = result.options
        var lines: [String] = []
        let placement = result.placement.note
            ?? "sender on CPU \(result.placement.senderCPU!), receiver on CPU \(result.placement.receiverCPU!)"
        lines.append("bench mechanisms: \(placement); \(options.repetitions) interleaved repetitions; \(options.latencyMessages) one-way latencies per size and repetition (the next sent after the last was received), then a back-to-back stream of up to \(options.throughputMessages) messages / \(SVGChart.bytes(Double(options.throughputBytes))); \(BenchFigures.format(result.seconds, 1)) s")
        lines.append("")
        lines.append("one-way latency: median over repetitions of each repetition's median [their range], HDR percentiles of all; stream throughput")
        lines.append("mechanism".alignedLeft(18) + "size".alignedRight(8) + "median".alignedRight(12) + "range".alignedRight(24) + "p99".alignedRight(12) + "msg/s".alignedRight(12) + "MiB/s".alignedRight(10))
        for mechanism in result.mechanisms + [result.hybrid].compactMap({ $0 }) {
            for point in mechanism.points {
                lines.append(
                    mechanism.mechanism.rawValue.alignedLeft(18) + SVGChart.bytes(Double(point.size)).alignedRight(8)
                        + nanoseconds(point.latency).alignedRight(12)
                        + "\(nanoseconds(point.spread.lowerBound))–\(nanoseconds(point.spread.upperBound))".alignedRight(24)
                        + nanoseconds(point.percentiles.p99).alignedRight(12)
                        + SVGChart.compact(point.messagesPerSecond.rounded()).alignedRight(12)
                        + BenchFigures.format(point.bytesPerSecond / 1_048_576, 1).alignedRight(10))
            }
            for (size, reason) in mechanism.unsupported {
                lines.append(mechanism.mechanism.rawValue.alignedLeft(18) + SVGChart.bytes(Double(size)).alignedRight(8) + "  not carried: \(reason)")
            }
        }
        lines.append("")
        lines.append("fit L(s) = a + b·s (least squares weighted by 1/L², on the linear region: points more than 25 % off the line dropped):")
        lines.append("mechanism".alignedLeft(18) + "a".alignedRight(12) + "± (1 se)".alignedRight(12) + "b (ns/B)".alignedRight(12) + "± (1 se)".alignedRight(12) + "residual".alignedRight(10) + "  1/b".alignedRight(12) + "  sizes left out")
        for mechanism in result.mechanisms + [result.hybrid].compactMap({ $0 }) {
            guard let fit = mechanism.fit else {
                lines.append(mechanism.mechanism.rawValue.alignedLeft(18) + "  (too few sizes to fit)")
                continue
            }
            let bandwidth = fit.b > 0 ? BenchFigures.format(1 / fit.b, 2) + " GB/s" : "—"
            lines.append(
                mechanism.mechanism.rawValue.alignedLeft(18) + nanoseconds(fit.a).alignedRight(12) + nanoseconds(fit.standardErrorA).alignedRight(12)
                    + BenchFigures.format(fit.b, 4).alignedRight(12) + BenchFigures.format(fit.standardErrorB, 4).alignedRight(12)
                    + (BenchFigures.format(fit.relativeResidual * 100, 1) + " %").alignedRight(10) + bandwidth.alignedRight(12)
                    + "  " + (fit.excluded.isEmpty ? "none" : fit.excluded.map { SVGChart.bytes($0) }.joined(separator: ", ")))
        }
        lines.append("")
        lines.append("crossover with the shared-memory ring (shm-ring, notification included): below T the copying mechanism is faster")
        for crossover in result.crossovers {
            lines.append("  " + crossover.copy.rawValue.alignedLeft(16) + describe(crossover))
        }
        if let hybrid = result.hybridCrossover {
            lines.append("hybrid channel: its parts pipe and shm+pipe-notify (the seed's T = (a_s + b_q·d)/(b_q − b_s), d = 9): \(describe(hybrid)); ran with T = \(SVGChart.bytes(Double(result.hybridThreshold)))\(options.threshold == .measured ? " (measured)" : " (given)")")
        }
        lines.append("")
        lines.append("batching: \(options.batchMessageBytes)-byte messages, k per send call / notification; latency from the batch's first write to its last receipt")
        lines.append("mechanism".alignedLeft(18) + "k".alignedRight(5) + "msg/s".alignedRight(12) + "× k=1".alignedRight(9) + "latency".alignedRight(12) + "added".alignedRight(12))
        for mechanism in [BenchMechanism.ring, .pipe] {
            let points = result.batching.filter { $0.mechanism == mechanism }
            guard let first = points.first else { continue }
            for point in points {
                lines.append(
                    mechanism.rawValue.alignedLeft(18) + String(point.batch).alignedRight(5) + SVGChart.compact(point.messagesPerSecond.rounded()).alignedRight(12)
                        + BenchFigures.format(point.messagesPerSecond / first.messagesPerSecond, 1).alignedRight(9)
                        + nanoseconds(point.batchLatency).alignedRight(12) + nanoseconds(point.batchLatency - first.batchLatency).alignedRight(12))
            }
        }
        lines.append("")
        lines.append("false sharing: polling SPSC ring, 8-byte messages, tail and head words `gap` bytes apart (8: one cache line)")
        let padded = result.falseSharing.first { $0.gap >= 64 }
        func ratios(_ value: Double, _ best: Double, _ paddedValue: Double?, _ paddedBest: Double?) -> String {
            guard let paddedValue, let paddedBest, paddedValue > 0, paddedBest > 0 else { return "" }
            return " (×\(BenchFigures.format(value / paddedValue, 2)) of 64-byte padding; best repetitions ×\(BenchFigures.format(best / paddedBest, 2)))"
        }
        for point in result.falseSharing {
            let range = "\(SVGChart.compact((point.repetitions.min() ?? 0).rounded()))–\(SVGChart.compact((point.repetitions.max() ?? 0).rounded()))"
            lines.append("  ring, gap \(String(point.gap).alignedRight(3)) B: \(SVGChart.compact(point.messagesPerSecond.rounded())) msg/s [\(range)]" + ratios(point.messagesPerSecond, point.bestMessagesPerSecond, padded?.messagesPerSecond, padded?.bestMessagesPerSecond))
        }
        lines.append("  for comparison, two processes each storing to its own counter, the counters `gap` bytes apart:")
        for point in result.falseSharing {
            let range = "\(SVGChart.compact((point.counterRepetitions.min() ?? 0).rounded()))–\(SVGChart.compact((point.counterRepetitions.max() ?? 0).rounded()))"
            lines.append("  counters, gap \(String(point.gap).alignedRight(3)) B: \(SVGChart.compact(point.countsPerSecond.rounded())) stores/s per process [\(range)]" + ratios(point.countsPerSecond, point.bestCountsPerSecond, padded?.countsPerSecond, padded?.bestCountsPerSecond))
        }
        lines.append("")
        lines.append("head-of-line blocking: 1 producer, 3 consumers, consumer 1 stalled or not; figures for consumers 2 and 3; \(BenchFigures.format(options.headOfLineSeconds, 1)) s windows")
        for design in HeadOfLineBenchmark.Design.allCases {
            let rows = result.headOfLine.filter { $0.configuration.design == design }
            let baseline = rows.first { !$0.configuration.stalled }?.throughputPerConsumer
            for row in rows {
                let ratio = baseline.map { " (×\(BenchFigures.format(row.throughputPerConsumer / Swift.max($0, 1e-9), 3)) of no stall)" } ?? ""
                let latency = row.latency.count > 0 ? "latency p50 \(nanoseconds(row.latency.p50)), p99 \(nanoseconds(row.latency.p99))" : "nothing delivered"
                lines.append("  \(design.rawValue.alignedLeft(16)) \((row.configuration.stalled ? "1 stalled" : "no stall").alignedLeft(10)) \(SVGChart.compact(row.throughputPerConsumer.rounded())) msg/s per consumer\(ratio); \(latency); \(SVGChart.compact(row.refusalsPerSecond.rounded())) refused sends/s")
            }
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ result: Result) -> String {
        func fitJSON(_ fit: LatencyFit?) -> JSONValue {
            guard let fit else { return .null }
            return [
                "a": .number(fit.a), "b": .number(fit.b), "aStandardError": .number(fit.standardErrorA),
                "bStandardError": .number(fit.standardErrorB), "relativeResidual": .number(fit.relativeResidual),
                "sizesExcluded": .array(fit.excluded.map { .number($0) }),
            ]
        }
        func mechanismJSON(_ mechanism: MechanismResult) -> JSONValue {
            [
                "mechanism": .string(mechanism.mechanism.rawValue), "summary": .string(mechanism.mechanism.summary),
                "points": .array(mechanism.points.map { point in
                    [
                        "size": .integer(Int64(point.size)), "latency": .number(point.latency),
                        "latencyRange": [.number(point.spread.lowerBound), .number(point.spread.upperBound)],
                        "p50": .number(point.percentiles.p50), "p90": .number(point.percentiles.p90),
                        "p99": .number(point.percentiles.p99), "max": .number(point.percentiles.max),
                        "messagesPerSecond": .number(point.messagesPerSecond), "bytesPerSecond": .number(point.bytesPerSecond),
                    ]
                }),
                "unsupported": .array(mechanism.unsupported.map { ["size": .integer(Int64($0.size)), "reason": .string($0.reason)] }),
                "fit": fitJSON(mechanism.fit),
            ]
        }
        func crossoverJSON(_ crossover: CrossoverResult) -> JSONValue {
            [
                "copy": .string(crossover.copy.rawValue), "shared": .string(crossover.shared.rawValue),
                "T": crossover.crossover.bytes.map(JSONValue.number) ?? .null,
                "kind": .string({ switch crossover.crossover { case .at: "crossover"; case .copyAlways: "copy-always"; case .sharedMemoryAlways: "shared-always" } }()),
                "standardError": crossover.standardError.map(JSONValue.number) ?? .null,
                "repetitions": .array(crossover.repetitions.map { $0.bytes.map(JSONValue.number) ?? .null }),
                "text": .string(describe(crossover)),
            ]
        }
        let object: JSONValue = [
            "seconds": .number(result.seconds),
            "placement": [
                "senderCPU": result.placement.senderCPU.map { .integer(Int64($0)) } ?? .null,
                "receiverCPU": result.placement.receiverCPU.map { .integer(Int64($0)) } ?? .null,
                "note": result.placement.note.map(JSONValue.string) ?? .null,
            ],
            "repetitions": .integer(Int64(result.options.repetitions)),
            "mechanisms": .array(result.mechanisms.map(mechanismJSON)),
            "crossovers": .array(result.crossovers.map(crossoverJSON)),
            "hybrid": [
                "crossover": result.hybridCrossover.map(crossoverJSON) ?? .null,
                "threshold": .integer(Int64(result.hybridThreshold)),
                "measured": .bool(result.options.threshold == .measured),
                "curve": result.hybrid.map(mechanismJSON) ?? .null,
            ],
            "batching": .array(result.batching.map {
                ["mechanism": .string($0.mechanism.rawValue), "batch": .integer(Int64($0.batch)), "messagesPerSecond": .number($0.messagesPerSecond), "batchLatency": .number($0.batchLatency)]
            }),
            "falseSharing": .array(result.falseSharing.map {
                [
                    "gap": .integer(Int64($0.gap)), "messagesPerSecond": .number($0.messagesPerSecond),
                    "repetitions": .array($0.repetitions.map(JSONValue.number)), "counterStoresPerSecond": .number($0.countsPerSecond),
                    "counterRepetitions": .array($0.counterRepetitions.map(JSONValue.number)),
                ]
            }),
            "headOfLine": .array(result.headOfLine.map {
                [
                    "design": .string($0.configuration.design.rawValue), "stalled": .bool($0.configuration.stalled),
                    "messagesPerSecondPerConsumer": .number($0.throughputPerConsumer), "delivered": .integer(Int64($0.latency.count)),
                    "p50": .number($0.latency.p50), "p99": .number($0.latency.p99), "refusalsPerSecond": .number($0.refusalsPerSecond),
                ]
            }),
        ]
        return object.description
    }
}
