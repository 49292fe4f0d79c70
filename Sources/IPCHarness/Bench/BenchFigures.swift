/// The arithmetic and layout every bench shares: medians, spreads, fixed decimals, padded columns.
public enum BenchFigures {
    /// The median (the mean of the middle two for an even count); 0 for none.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// `value` with exactly `decimals` digits after the point.
    public static func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        let text = String(rounded)
        guard !text.contains("e") else { return text }
        let parts = text.split(separator: ".")
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        let padded = fraction.count >= decimals ? String(fraction.prefix(decimals)) : fraction + String(repeating: "0", count: decimals - fraction.count)
        return decimals == 0 ? String(parts[0]) : String(parts[0]) + "." + padded
    }
}

extension String {
    /// Right-aligned in `width` columns.
    func alignedRight(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    /// Left-aligned in `width` columns, with at least one space after.
    func alignedLeft(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
