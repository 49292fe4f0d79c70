/// `bench mechanisms --html FILE`: one self-contained page (inline SVG, no scripts, no external files, like the
/// trace report) with the latency curves on log–log axes (fitted lines dashed, each T marked), throughput, the
/// hybrid against its two parts, batching, head-of-line blocking and false sharing, and the text report below.
extension MechanismBenchmark {
    public static func html(_ result: Result) -> String {
        let mechanisms = result.mechanisms
        let color = Dictionary(uniqueKeysWithValues: (BenchMechanism.allCases).enumerated().map { ($1, SVGChart.palette[$0 % SVGChart.palette.count]) })
        let sizes = result.options.sizes.map { Double($0) }
        // Powers of 16 from the smallest size to the largest: 1 B, 16 B, 256 B, 4 KiB, 64 KiB, 1 MiB.
        let sizeTicks = sizes.enumerated().filter { $0.offset % 4 == 0 || $0.offset == sizes.count - 1 }.map(\.element)

        var latency = SVGChart(title: "One-way latency against message size", xLabel: "message size (bytes)", yLabel: "latency (ns), median", xScale: .logarithmic, yScale: .logarithmic)
        latency.tickText = { SVGChart.bytes($0) }
        latency.xTicks = sizeTicks
        for mechanism in mechanisms {
            latency.series.append(.init(name: mechanism.mechanism.rawValue, points: mechanism.points.map { (Double($0.size), $0.latency) }, color: color[mechanism.mechanism]!))
        }
        for mechanism in mechanisms {
            guard let fit = mechanism.fit, let low = mechanism.points.first?.size, let high = mechanism.points.last?.size else { continue }
            let range = sizes.filter { $0 >= Double(low) && $0 <= Double(high) }
            latency.series.append(.init(name: "fit " + mechanism.mechanism.rawValue, points: range.map { ($0, fit.latency(at: $0)) }, dashed: true, color: color[mechanism.mechanism]!))
        }
        for crossover in result.crossovers {
            if let bytes = crossover.crossover.bytes, bytes >= 1 {
                latency.markers.append(.init(x: bytes, label: "T " + crossover.copy.rawValue, color: color[crossover.copy]!))
            }
        }

        var throughput = SVGChart(title: "Stream throughput against message size", xLabel: "message size (bytes)", yLabel: "bytes per second", xScale: .logarithmic, yScale: .logarithmic)
        throughput.tickText = { SVGChart.bytes($0) }
        throughput.xTicks = sizeTicks
        for mechanism in mechanisms {
            throughput.series.append(.init(name: mechanism.mechanism.rawValue, points: mechanism.points.map { (Double($0.size), $0.bytesPerSecond) }, color: color[mechanism.mechanism]!))
        }

        var hybrid = SVGChart(title: "Hybrid channel against its parts", xLabel: "message size (bytes)", yLabel: "latency (ns), median", xScale: .logarithmic, yScale: .logarithmic)
        hybrid.tickText = { SVGChart.bytes($0) }
        hybrid.xTicks = sizeTicks
        for part in mechanisms + [result.hybrid].compactMap({ $0 }) where [.pipe, .sharedBufferPipeNotification, .hybrid].contains(part.mechanism) {
            hybrid.series.append(.init(name: part.mechanism == .hybrid ? "hybrid (T = \(SVGChart.bytes(Double(result.hybridThreshold))))" : part.mechanism.rawValue, points: part.points.map { (Double($0.size), $0.latency) }, color: color[part.mechanism]!))
        }
        if result.hybridThreshold > 0 {
            hybrid.markers.append(.init(x: Double(result.hybridThreshold), label: "T = \(SVGChart.bytes(Double(result.hybridThreshold)))", color: "#444"))
        }

        var batchRate = SVGChart(title: "Batching: throughput against messages per notification", xLabel: "messages per send / notification", yLabel: "messages per second", xScale: .logarithmic, yScale: .logarithmic)
        batchRate.tickText = { SVGChart.compact($0) }
        batchRate.xTicks = result.options.batches.map(Double.init)
        var batchLatency = SVGChart(title: "Batching: latency of a batch (first write to last receipt)", xLabel: "messages per send / notification", yLabel: "latency (ns), median", xScale: .logarithmic, yScale: .logarithmic)
        batchLatency.xTicks = result.options.batches.map(Double.init)
        for mechanism in [BenchMechanism.ring, .pipe] {
            let points = result.batching.filter { $0.mechanism == mechanism }
            batchRate.series.append(.init(name: mechanism.rawValue, points: points.map { (Double($0.batch), $0.messagesPerSecond) }, color: color[mechanism]!))
            batchLatency.series.append(.init(name: mechanism.rawValue, points: points.map { (Double($0.batch), $0.batchLatency) }, color: color[mechanism]!))
        }

        var headOfLine = SVGChart(title: "Head-of-line blocking: throughput per consumer that is not stalled", xLabel: "consumers stalled", yLabel: "messages per second", xScale: .linear, yScale: .linear)
        headOfLine.tickText = { $0 == 0 ? "none" : $0 == 1 ? "consumer 1" : "" }
        headOfLine.xTicks = [0, 1]
        for (index, design) in HeadOfLineBenchmark.Design.allCases.enumerated() {
            let rows = result.headOfLine.filter { $0.configuration.design == design }
            headOfLine.series.append(.init(name: design.rawValue, points: rows.map { ($0.configuration.stalled ? 1 : 0, $0.throughputPerConsumer) }, color: SVGChart.palette[index]))
        }

        var falseSharing = SVGChart(title: "False sharing: ring throughput against the distance of its indices", xLabel: "bytes between the two words", yLabel: "per second (log)", xScale: .logarithmic, yScale: .logarithmic)
        falseSharing.tickText = { SVGChart.bytes($0) }
        falseSharing.xTicks = result.falseSharing.map { Double($0.gap) }
        falseSharing.series.append(.init(name: "ring msg/s", points: result.falseSharing.map { (Double($0.gap), $0.messagesPerSecond) }, color: SVGChart.palette[0]))
        falseSharing.series.append(.init(name: "own counters stores/s", points: result.falseSharing.map { (Double($0.gap), $0.countsPerSecond) }, color: SVGChart.palette[1]))

        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>ipc-harness bench mechanisms</title>
            <style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330} h1{font-size:20px} h2{font-size:16px;margin:28px 0 8px}
            pre{background:#f4f5f8;padding:12px;overflow-x:auto;font-size:12px} svg.chart{display:block;margin:8px 0 16px}</style></head><body>
            <h1>ipc-harness bench mechanisms</h1>
            <p>Dashed lines: the fitted L(s) = a + b·s of each mechanism. Dotted verticals: the crossover T of a copying mechanism with the shared-memory ring.</p>

            """
        for (heading, chart) in [
            ("Latency", latency), ("Throughput", throughput), ("Hybrid channel", hybrid), ("Batching", batchRate),
            ("", batchLatency), ("Head-of-line blocking", headOfLine), ("False sharing", falseSharing),
        ] {
            if !heading.isEmpty { html += "<h2>\(HTMLReport.escape(heading))</h2>\n" }
            html += chart.render()
        }
        html += "<h2>Figures</h2>\n<pre>\(HTMLReport.escape(text(result)))</pre>\n</body></html>\n"
        return html
    }
}
