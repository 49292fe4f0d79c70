/// What a report draws of a long trace: a window of at most ``maximumEvents`` consecutive events, placed on the
/// first operation the checker blames (or at the start), so that a page stays small whatever the trace's length
/// (a 200 MB trace once gave 456 MB of HTML); the page says what it left out.
extension TraceTimeline {
    static let maximumEvents = 2_000

    /// The event indices drawn.
    var window: Range<Int> { firstIndex..<(firstIndex + shownCount) }

    /// This timeline cut to at most `maximumEvents` events around `focus` (an event index).
    func cut(around focus: Int?) -> TraceTimeline {
        guard eventCount > Self.maximumEvents else { return self }
        let start = Swift.max(0, Swift.min((focus ?? 0) - Self.maximumEvents / 4, eventCount - Self.maximumEvents))
        let range = start..<(start + Self.maximumEvents)
        var cut = self
        cut.firstIndex = start
        cut.shownCount = Self.maximumEvents
        cut.operations = operations.filter {
            range.contains($0.invokeIndex) || ($0.invokeIndex < start && $0.endIndex >= start)
        }
        cut.marks = marks.filter { range.contains($0.index) }
        return cut
    }

    /// The sentence that says what was left out; nil when everything is drawn.
    var leftOut: String? {
        guard shownCount < eventCount else { return nil }
        return
            "This trace has \(eventCount) events; this page draws events \(firstIndex)–\(firstIndex + shownCount - 1) (trace lines \(firstIndex + 2)–\(firstIndex + shownCount + 1)) and their \(operations.count) operations, and leaves the rest out. Every payload is cut to \(HTMLReport.maximumText) characters."
    }
}
