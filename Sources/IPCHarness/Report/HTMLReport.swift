import IPCModels

/// `ipc-harness report <trace> --html FILE`: one self-contained HTML file (no scripts, no external files) that
/// draws a trace: processes as lanes, operations as bars from invoke to completion, kills, faults and exits marked,
/// the operations that contradict each other highlighted, and the longest linearizable prefix numbered.
///
/// The horizontal axis is the event index, not time: real-mode times span microseconds (an operation) to
/// milliseconds (a process start), and ordering is what linearizability is about.
public enum HTMLReport {
    /// The most characters of any one value (a payload, an explanation line) a page shows.
    static let maximumText = 200

    public static func render(_ trace: Trace, report: CheckReport?, title: String) -> String {
        let core = Set(report?.objects.flatMap(\.coreEventIndices) ?? [])
        let timeline = TraceTimeline(trace).cut(around: core.min())
        var order: [Int: Int] = [:]
        for object in report?.objects ?? [] {
            for (position, index) in object.linearizedEventIndices.enumerated() { order[index] = position + 1 }
        }
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>\(style)</style></head><body>
            <h1>\(escape(title))</h1>

            """
        html += summary(trace, report: report)
        if let leftOut = timeline.leftOut { html += "<p id=\"left-out\"><strong>Left out:</strong> \(escape(leftOut))</p>\n" }
        html += timelineSVG(timeline, core: core, order: order)
        html += legend
        html += operationTable(timeline, core: core, order: order)
        html += "</body></html>\n"
        return html
    }

    private static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330}
        h1{font-size:20px;margin:0 0 12px} h2{font-size:16px;margin:24px 0 8px}
        .verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:600;color:#fff}
        .verdict-ok{background:#2e7d32} .verdict-violation{background:#c62828} .verdict-unknown{background:#8d6e00}
        table.meta td{padding:1px 12px 1px 0;vertical-align:top} table.meta td:first-child{color:#5b6475}
        pre{background:#f4f5f8;padding:12px;overflow-x:auto;white-space:pre-wrap}
        .scroll{overflow-x:auto;border:1px solid #dde1e8;background:#fff}
        table.ops{border-collapse:collapse;font:12px ui-monospace,monospace}
        table.ops th,table.ops td{border-bottom:1px solid #e4e7ee;padding:3px 8px;text-align:left;vertical-align:top}
        tr.core td{background:#fdecea} .legend span{display:inline-block;margin-right:16px}
        .swatch{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle;border:1px solid #555}
        """

    private static func summary(_ trace: Trace, report: CheckReport?) -> String {
        let header = trace.header
        var rows: [(String, String)] = [
            ("model", header.model), ("mechanism", header.mechanism), ("seed", header.seed), ("strategy", header.strategy),
        ]
        if let mode = header.mode { rows.append(("mode", mode)) }
        if let scenario = header.scenario { rows.append(("scenario", scenario)) }
        rows.append(("events", String(trace.events.count)))
        var html = "<table class=\"meta\">"
        for (key, value) in rows { html += "<tr><td>\(escape(key))</td><td>\(escape(value))</td></tr>" }
        html += "</table>\n"
        if let report {
            html += "<h2>Verdict <span class=\"verdict verdict-\(report.result.rawValue)\" id=\"verdict\">\(report.result.rawValue)</span></h2>\n"
            html += "<pre id=\"explanation\">\(escape(report.explanation))</pre>\n"
        }
        return html
    }

    private static let laneHeight = 34
    private static let top = 28
    private static let left = 96

    private static func timelineSVG(_ timeline: TraceTimeline, core: Set<Int>, order: [Int: Int]) -> String {
        let step = max(8, min(40, 1600 / max(1, timeline.shownCount)))
        let width = left + (timeline.shownCount + 1) * step + 24
        let height = top + timeline.processes.count * laneHeight + 16
        let window = timeline.window
        func x(_ index: Int) -> Int { left + (min(max(index, window.lowerBound - 1), window.upperBound) - window.lowerBound) * step + step / 2 }
        func y(_ process: Int) -> Int { top + (timeline.processes.firstIndex(of: process) ?? 0) * laneHeight }

        var svg = "<h2>Timeline</h2>\n<div class=\"scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" id=\"timeline\" font-family=\"ui-monospace,monospace\" font-size=\"11\">\n"
        // Event-index ruler.
        let tick = max(1, 10 / max(1, step / 8))
        for index in stride(from: window.lowerBound, to: window.upperBound, by: tick) {
            svg += "<line x1=\"\(x(index))\" y1=\"\(top - 6)\" x2=\"\(x(index))\" y2=\"\(height - 8)\" stroke=\"#eef0f4\"/>"
            svg += "<text x=\"\(x(index))\" y=\"\(top - 10)\" text-anchor=\"middle\" fill=\"#8a93a6\">\(index)</text>\n"
        }
        for process in timeline.processes {
            let lane = y(process)
            svg += "<g class=\"lane\" data-process=\"\(process)\"><text x=\"8\" y=\"\(lane + 20)\" fill=\"#1d2330\">process \(process)</text>"
            svg += "<line x1=\"\(left)\" y1=\"\(lane + laneHeight - 2)\" x2=\"\(width - 12)\" y2=\"\(lane + laneHeight - 2)\" stroke=\"#dde1e8\"/></g>\n"
        }
        for operation in timeline.operations {
            let lane = y(operation.process)
            let start = x(operation.invokeIndex) - step / 2 + 1
            let end = x(operation.endIndex) + step / 2 - 1
            let isCore = core.contains(operation.invokeIndex)
            let (fill, dash) = colors(operation.outcome)
            let stroke = isCore ? "#c62828" : "#4a5266"
            let strokeWidth = isCore ? 3 : 1
            svg += "<g class=\"op\(isCore ? " core" : "")\" data-invoke=\"\(operation.invokeIndex)\">"
            svg += "<title>\(escape(shortened(describe(operation))))</title>"
            svg += "<rect x=\"\(start)\" y=\"\(lane + 6)\" width=\"\(max(4, end - start))\" height=\"\(laneHeight - 14)\" rx=\"3\" fill=\"\(isCore ? "#f8c9c4" : fill)\" stroke=\"\(stroke)\" stroke-width=\"\(strokeWidth)\"\(dash)/>"
            let label = (order[operation.invokeIndex].map { "\($0). " } ?? "") + operation.f
            svg += "<text x=\"\(start + 4)\" y=\"\(lane + 22)\" fill=\"#1d2330\">\(escape(String(label.prefix(max(1, (end - start) / 7)))))</text></g>\n"
        }
        for mark in timeline.marks {
            let cx = x(mark.index)
            let lane = y(mark.process)
            svg += "<g class=\"mark \(mark.type.rawValue)\"><title>\(escape(shortened(mark.label)))</title>"
            switch mark.type {
            case .kill:
                svg += "<path d=\"M\(cx - 6) \(lane + 6) L\(cx + 6) \(lane + 22) M\(cx + 6) \(lane + 6) L\(cx - 6) \(lane + 22)\" stroke=\"#c62828\" stroke-width=\"3\"/>"
            case .fault:
                svg += "<path d=\"M\(cx) \(lane + 4) L\(cx + 7) \(lane + 18) L\(cx - 7) \(lane + 18) Z\" fill=\"#ef8f00\" stroke=\"#7a4a00\"/>"
            case .exit:
                svg += "<rect x=\"\(cx - 2)\" y=\"\(lane + 4)\" width=\"4\" height=\"\(laneHeight - 10)\" fill=\"#1d2330\"/>"
            default:
                svg += "<circle cx=\"\(cx)\" cy=\"\(lane + 14)\" r=\"4\" fill=\"#4a5266\"/>"
            }
            svg += "</g>\n"
        }
        svg += "</svg></div>\n"
        return svg
    }

    private static func colors(_ outcome: Trace.EventType?) -> (String, String) {
        switch outcome {
        case .ok?: ("#cfe8d2", "")
        case .fail?: ("#ffe2b3", "")
        case .info?: ("#e3e5ea", " stroke-dasharray=\"4 3\"")
        default: ("#ffffff", " stroke-dasharray=\"2 2\"")
        }
    }

    private static let legend = """
        <p class="legend"><span><span class="swatch" style="background:#cfe8d2"></span>ok</span>
        <span><span class="swatch" style="background:#ffe2b3"></span>fail (errno)</span>
        <span><span class="swatch" style="background:#e3e5ea;border-style:dashed"></span>indeterminate (info)</span>
        <span><span class="swatch" style="background:#f8c9c4;border:2px solid #c62828"></span>cannot all have happened</span>
        <span>N. = position in the longest linearizable prefix</span>
        <span style="color:#c62828;font-weight:700">✕</span> kill <span style="color:#ef8f00">▲</span> fault ▮ exit ● spawn</p>

        """

    private static func operationTable(_ timeline: TraceTimeline, core: Set<Int>, order: [Int: Int]) -> String {
        var html = "<h2>Operations</h2>\n<table class=\"ops\" id=\"operations\"><tr><th>lines</th><th>process</th><th>object</th><th>operation</th><th>outcome</th><th>linearized</th></tr>\n"
        for operation in timeline.operations {
            let lines = operation.completionIndex.map { "\(operation.invokeIndex + 2)–\($0 + 2)" } ?? "\(operation.invokeIndex + 2)–"
            html += "<tr\(core.contains(operation.invokeIndex) ? " class=\"core\"" : "")><td>\(lines)</td><td>\(operation.process)</td><td>\(escape(operation.object))</td>"
            html += "<td>\(cell(operation.f + " " + (operation.arguments.map { "\($0)" } ?? "")))</td><td>\(cell(outcome(operation)))</td>"
            html += "<td>\(order[operation.invokeIndex].map(String.init) ?? "")</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// A table cell's text: at most 100 characters shown, up to ``maximumText`` in a tooltip.
    private static func cell(_ text: String) -> String {
        guard text.count > 100 else { return escape(text) }
        return "<span title=\"\(escape(shortened(text)))\">\(escape(String(text.prefix(100))))…</span>"
    }

    /// At most ``maximumText`` characters of `text`, saying how long it was when it was longer.
    static func shortened(_ text: String) -> String {
        let utf8 = text.utf8.count
        guard utf8 > maximumText else { return text }
        return String(text.prefix(maximumText)) + "… (\(utf8) bytes in all)"
    }

    private static func outcome(_ operation: TraceTimeline.Operation) -> String {
        switch operation.outcome {
        case .ok?: "ok " + (operation.results.map { "\($0)" } ?? "")
        case .fail?: "fail " + (operation.error ?? "")
        case .info?: "info (unknown)"
        default: "never completed"
        }
    }

    private static func describe(_ operation: TraceTimeline.Operation) -> String {
        "process \(operation.process): \(operation.f) on \(operation.object) \(operation.arguments.map { "\($0)" } ?? "") → \(outcome(operation)) [line \(operation.invokeIndex + 2)]"
    }

    /// Escapes text for HTML element content and attribute values, and for SVG (XML takes the same entities): the
    /// one copy, which the benchmarks' charts and pages (Bench, a layer above Report) use too.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
