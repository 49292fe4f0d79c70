import Glibc

/// A line chart as inline SVG, for the benches' HTML pages: log or linear axes, one polyline per series (solid for
/// measurements, dashed for fitted lines), vertical markers (a crossover T), a legend. Pure: numbers in, text out,
/// so its scales and ticks are tested on fixed data.
public struct SVGChart: Sendable {
    public enum Scale: Sendable, Hashable {
        case linear
        /// Base-10 logarithmic; values ≤ 0 are not drawn.
        case logarithmic
    }

    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var dashed: Bool
        public var color: String

        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false, color: String) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.color = color
        }
    }

    public struct Marker: Sendable {
        public var x: Double
        public var label: String
        public var color: String
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: Scale
    public var yScale: Scale
    public var series: [Series] = []
    public var markers: [Marker] = []
    public var width = 900.0
    public var height = 520.0
    /// Space for the axes' labels (left, bottom) and the legend (right).
    public var margin = (left: 80.0, right: 210.0, top: 36.0, bottom: 56.0)
    /// The horizontal axis's ticks, when the decades (or round steps) will not do: message sizes read better at
    /// 1 B, 16 B, 256 B, 4 KiB… The axis then spans exactly from the lowest tick to the highest.
    public var xTicks: [Double]?
    /// Formats a tick's value (default: ``SVGChart/compact(_:)``).
    public var tickText: @Sendable (Double) -> String = { SVGChart.compact($0) }

    public init(title: String, xLabel: String, yLabel: String, xScale: Scale, yScale: Scale) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
    }

    /// A palette of distinguishable colours, cycled by series index.
    public static let palette = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
        "#393b79", "#637939",
    ]

    /// The range of the data on one axis, padded for a linear axis and widened to whole decades for a log one.
    static func domain(_ values: [Double], _ scale: Scale) -> (low: Double, high: Double) {
        let usable = scale == .logarithmic ? values.filter { $0 > 0 } : values
        guard var low = usable.min(), var high = usable.max() else { return (scale == .logarithmic ? 1 : 0, 1) }
        switch scale {
        case .logarithmic:
            low = power10(floorLog10(low))
            high = power10(ceilLog10(high))
            if high <= low { high = low * 10 }
        case .linear:
            low = Swift.min(low, 0)
            if high <= low { high = low + 1 }
            high += (high - low) * 0.05
        }
        return (low, high)
    }

    /// Maps `value` in `domain` onto `0...length` (0 at the domain's low end).
    static func position(_ value: Double, domain: (low: Double, high: Double), scale: Scale, length: Double) -> Double {
        switch scale {
        case .linear: return (value - domain.low) / (domain.high - domain.low) * length
        case .logarithmic: return (log10(value) - log10(domain.low)) / (log10(domain.high) - log10(domain.low)) * length
        }
    }

    /// The ticks: every decade on a log axis; on a linear one 5 to 10 round steps (1, 2 or 5 × 10ⁿ).
    static func ticks(_ domain: (low: Double, high: Double), _ scale: Scale) -> [Double] {
        switch scale {
        case .logarithmic:
            return (floorLog10(domain.low)...ceilLog10(domain.high)).map(power10).filter { $0 >= domain.low && $0 <= domain.high }
        case .linear:
            let span = domain.high - domain.low
            var step = power10(floorLog10(span / 5))
            for multiple in [1.0, 2, 5, 10] where span / (step * multiple) <= 10 {
                step *= multiple
                break
            }
            var tick = (domain.low / step).rounded(.up) * step
            var ticks: [Double] = []
            while tick <= domain.high + step * 1e-9 {
                ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
                tick += step
            }
            return ticks
        }
    }

    /// 1.5k, 2M, 0.25, 1G: short tick labels.
    public static func compact(_ value: Double) -> String {
        let units: [(Double, String)] = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (unit, suffix) in units where abs(value) >= unit {
            return trimmed(value / unit) + suffix
        }
        return trimmed(value)
    }

    /// Bytes with binary units: 1 B, 64 B, 4 KiB, 1 MiB.
    public static func bytes(_ value: Double) -> String {
        if value >= 1_048_576 { return trimmed(value / 1_048_576) + " MiB" }
        if value >= 1024 { return trimmed(value / 1024) + " KiB" }
        return trimmed(value) + " B"
    }

    static func trimmed(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return BenchFigures.format(rounded, abs(rounded) < 1 ? 2 : 1)
    }

    public func render() -> String {
        let plotWidth = width - margin.left - margin.right
        let plotHeight = height - margin.top - margin.bottom
        let xDomain = xTicks.flatMap { ticks in ticks.min().map { ($0, ticks.max()!) } }
            ?? Self.domain(series.flatMap { $0.points.map(\.x) } + markers.map(\.x), xScale)
        let yDomain = Self.domain(series.filter { !$0.dashed }.flatMap { $0.points.map(\.y) }, yScale)
        func x(_ value: Double) -> Double { margin.left + Self.position(value, domain: xDomain, scale: xScale, length: plotWidth) }
        func y(_ value: Double) -> Double { margin.top + plotHeight - Self.position(value, domain: yDomain, scale: yScale, length: plotHeight) }
        func number(_ value: Double) -> String { BenchFigures.format(value, 1) }
        // A page holds several charts: each clip path needs an id of its own, derived from the title.
        let clipID = String(title.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }.map(Character.init).prefix(40))
        func visible(_ point: (x: Double, y: Double)) -> Bool {
            (xScale == .linear || point.x > 0) && (yScale == .linear || point.y > 0)
        }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(number(width))\" height=\"\(number(height))\" viewBox=\"0 0 \(number(width)) \(number(height))\" font-family=\"system-ui,sans-serif\" font-size=\"12\">\n"
        svg += "<title>\(HTMLReport.escape(title))</title>\n"
        svg += "<text x=\"\(number(margin.left))\" y=\"20\" font-size=\"15\" font-weight=\"600\">\(HTMLReport.escape(title))</text>\n"
        svg += "<defs><clipPath id=\"plot-\(clipID)\"><rect x=\"\(number(margin.left))\" y=\"\(number(margin.top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\"/></clipPath></defs>\n"
        svg += "<rect x=\"\(number(margin.left))\" y=\"\(number(margin.top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\" fill=\"#fff\" stroke=\"#99a\"/>\n"
        for tick in xTicks ?? Self.ticks(xDomain, xScale) {
            svg += "<line class=\"x-tick\" x1=\"\(number(x(tick)))\" y1=\"\(number(margin.top))\" x2=\"\(number(x(tick)))\" y2=\"\(number(margin.top + plotHeight))\" stroke=\"#e4e7ee\"/>"
            svg += "<text x=\"\(number(x(tick)))\" y=\"\(number(margin.top + plotHeight + 16))\" text-anchor=\"middle\">\(HTMLReport.escape(tickText(tick)))</text>\n"
        }
        for tick in Self.ticks(yDomain, yScale) {
            svg += "<line class=\"y-tick\" x1=\"\(number(margin.left))\" y1=\"\(number(y(tick)))\" x2=\"\(number(margin.left + plotWidth))\" y2=\"\(number(y(tick)))\" stroke=\"#e4e7ee\"/>"
            svg += "<text x=\"\(number(margin.left - 6))\" y=\"\(number(y(tick) + 4))\" text-anchor=\"end\">\(HTMLReport.escape(Self.compact(tick)))</text>\n"
        }
        svg += "<text x=\"\(number(margin.left + plotWidth / 2))\" y=\"\(number(height - 12))\" text-anchor=\"middle\">\(HTMLReport.escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(18 \(number(margin.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTMLReport.escape(yLabel))</text>\n"
        svg += "<g clip-path=\"url(#plot-\(clipID))\">\n"
        for marker in markers where xScale == .linear || marker.x > 0 {
            let position = number(x(marker.x))
            svg += "<line class=\"marker\" x1=\"\(position)\" y1=\"\(number(margin.top))\" x2=\"\(position)\" y2=\"\(number(margin.top + plotHeight))\" stroke=\"\(marker.color)\" stroke-dasharray=\"2 3\"/>"
            svg += "<text x=\"\(position)\" y=\"\(number(margin.top + 12))\" fill=\"\(marker.color)\" transform=\"rotate(90 \(position) \(number(margin.top + 12)))\">\(HTMLReport.escape(marker.label))</text>\n"
        }
        for line in series {
            let points = line.points.filter(visible).map { "\(number(x($0.x))),\(number(y($0.y)))" }
            guard !points.isEmpty else { continue }
            let dash = line.dashed ? " stroke-dasharray=\"6 4\" stroke-width=\"1.2\"" : " stroke-width=\"2\""
            svg += "<polyline class=\"series\" fill=\"none\" stroke=\"\(line.color)\"\(dash) points=\"\(points.joined(separator: " "))\"><title>\(HTMLReport.escape(line.name))</title></polyline>\n"
            if !line.dashed {
                for point in line.points.filter(visible) {
                    svg += "<circle cx=\"\(number(x(point.x)))\" cy=\"\(number(y(point.y)))\" r=\"2.5\" fill=\"\(line.color)\"/>"
                }
                svg += "\n"
            }
        }
        svg += "</g>\n"
        for (index, line) in series.enumerated() {
            let top = margin.top + 8 + Double(index) * 18
            let left = margin.left + plotWidth + 12
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            svg += "<line x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left + 22))\" y2=\"\(number(top))\" stroke=\"\(line.color)\" stroke-width=\"2\"\(dash)/>"
            svg += "<text x=\"\(number(left + 28))\" y=\"\(number(top + 4))\">\(HTMLReport.escape(line.name))</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }
}

private func floorLog10(_ value: Double) -> Int { Int(log10(value).rounded(.down)) }
private func ceilLog10(_ value: Double) -> Int { Int((log10(value) - 1e-12).rounded(.up)) }
private func power10(_ exponent: Int) -> Double { pow(10, Double(exponent)) }
