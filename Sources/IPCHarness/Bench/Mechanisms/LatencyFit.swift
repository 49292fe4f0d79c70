/// The seed's latency model fitted to measurements: `L(s) = a + b·s`, with `a` in nanoseconds and `b` in
/// nanoseconds per byte.
///
/// Why a weighted fit: the sizes are log-spaced from 1 B to 1 MiB, so an ordinary least-squares fit is decided by
/// the three largest sizes alone and leaves `a` — the figure that matters for small messages — at the mercy of
/// noise on a millisecond-sized point. Each point is weighted by `1/L²`: the fit minimises *relative* error, every
/// size counts alike, and the residual is reported as a relative root mean square.
///
/// Why the "linear region": a real mechanism is not linear everywhere (a pipe's 64 KiB buffer makes a larger write
/// a sequence of wake-ups; caches end at some size). ``fitLinearRegion(_:maximumRelativeResidual:minimumPoints:)``
/// drops the worst point while any point lies further than the bound from the line, and says which sizes it left out.
public struct LatencyFit: Sendable, Hashable {
    /// Fixed cost per message, nanoseconds.
    public var a: Double
    /// Cost per byte, nanoseconds.
    public var b: Double
    /// Root mean square of the relative residuals `(measured − fitted) / measured` of the points fitted.
    public var relativeResidual: Double
    /// The fit's covariance: variances of `a` and `b` and their covariance (from the weighted residuals).
    public var varianceA: Double
    public var varianceB: Double
    public var covarianceAB: Double
    /// The sizes fitted, and those left out as outside the linear region.
    public var sizes: [Double]
    public var excluded: [Double]

    public var standardErrorA: Double { varianceA.squareRoot() }
    public var standardErrorB: Double { varianceB.squareRoot() }

    /// The model's latency at `size` bytes.
    public func latency(at size: Double) -> Double { a + b * size }

    /// Weighted least squares (weights `1/y²`) on `points` (size, latency); nil for fewer than two distinct sizes.
    public static func fit(_ points: [(size: Double, latency: Double)]) -> LatencyFit? {
        let usable = points.filter { $0.latency > 0 }
        guard usable.count >= 2, Set(usable.map(\.size)).count >= 2 else { return nil }
        var s = 0.0, sx = 0.0, sxx = 0.0, sy = 0.0, sxy = 0.0
        for point in usable {
            let weight = 1 / (point.latency * point.latency)
            s += weight
            sx += weight * point.size
            sxx += weight * point.size * point.size
            sy += weight * point.latency
            sxy += weight * point.size * point.latency
        }
        let determinant = s * sxx - sx * sx
        guard determinant > 0 else { return nil }
        let b = (s * sxy - sx * sy) / determinant
        let a = (sxx * sy - sx * sxy) / determinant
        var weightedSquares = 0.0
        for point in usable {
            let residual = point.latency - (a + b * point.size)
            weightedSquares += residual * residual / (point.latency * point.latency)
        }
        // With two points the line passes through both: no residual degrees of freedom, no spread to estimate.
        let degrees = usable.count - 2
        let sigmaSquared = degrees > 0 ? weightedSquares / Double(degrees) : 0
        return LatencyFit(
            a: a, b: b, relativeResidual: (weightedSquares / Double(usable.count)).squareRoot(),
            varianceA: sigmaSquared * sxx / determinant, varianceB: sigmaSquared * s / determinant,
            covarianceAB: -sigmaSquared * sx / determinant, sizes: usable.map(\.size), excluded: [])
    }

    /// The fit on the linear region: the worst point (largest relative residual) is dropped while any point is off
    /// the line by more than `maximumRelativeResidual` and more than `minimumPoints` remain.
    public static func fitLinearRegion(
        _ points: [(size: Double, latency: Double)], maximumRelativeResidual: Double = 0.25, minimumPoints: Int = 4
    ) -> LatencyFit? {
        var kept = points.filter { $0.latency > 0 }
        var excluded: [Double] = []
        while var fit = fit(kept) {
            let residuals = kept.map { abs($0.latency - fit.latency(at: $0.size)) / $0.latency }
            let worst = residuals.indices.max { residuals[$0] < residuals[$1] }!
            if residuals[worst] <= maximumRelativeResidual || kept.count <= minimumPoints {
                fit.excluded = excluded.sorted()
                return fit
            }
            excluded.append(kept[worst].size)
            kept.remove(at: worst)
        }
        return nil
    }
}

/// Where a copying mechanism and a shared-memory path cost the same.
public enum Crossover: Sendable, Hashable {
    /// Below `bytes` the copying mechanism is faster, above it shared memory.
    case at(bytes: Double)
    /// Shared memory is faster at every size (its fixed cost is no higher and its cost per byte no higher).
    case sharedMemoryAlways
    /// The copying mechanism is faster at every size (shared memory's cost per byte is no lower, its fixed cost
    /// no lower).
    case copyAlways

    /// The crossover of `copy` (`a_q + b_q·s`) and `shared` (`A_s + b_s·s`, its fixed cost including its
    /// notification): `T = (A_s − a_q) / (b_q − b_s)`.
    public static func of(copy: (a: Double, b: Double), shared: (a: Double, b: Double)) -> Crossover {
        let fixed = shared.a - copy.a
        let perByte = copy.b - shared.b
        if perByte > 0 { return fixed <= 0 ? .sharedMemoryAlways : .at(bytes: fixed / perByte) }
        // Shared memory's cost per byte is no lower: it wins only if its fixed cost is lower too (at every size).
        return fixed < 0 ? .sharedMemoryAlways : .copyAlways
    }

    /// The seed's formula: shared memory costs `a_s + b_s·s` plus a notification of `d` bytes through the copying
    /// mechanism (`a_q + b_q·d`), so `T = (a_s + b_q·d) / (b_q − b_s)`. The same as ``of(copy:shared:)`` with
    /// `A_s = a_s + a_q + b_q·d`.
    public static func seedThreshold(aShared: Double, bShared: Double, aQueue: Double, bQueue: Double, notificationBytes d: Double) -> Double {
        (aShared + bQueue * d) / (bQueue - bShared)
    }

    /// The crossover in bytes, when there is one.
    public var bytes: Double? {
        if case .at(let bytes) = self { return bytes }
        return nil
    }

    /// The standard error of `T` from the two fits' covariances (first-order propagation; the fits are of
    /// different mechanisms, so independent). nil when there is no crossover.
    public static func standardError(copy: LatencyFit, shared: LatencyFit) -> Double? {
        let numerator = shared.a - copy.a
        let denominator = copy.b - shared.b
        guard denominator > 0, numerator > 0 else { return nil }
        // ∂T/∂a_q = −1/D, ∂T/∂b_q = −N/D², ∂T/∂A_s = 1/D, ∂T/∂b_s = N/D².
        let da = 1 / denominator
        let db = numerator / (denominator * denominator)
        let copyPart = da * da * copy.varianceA + db * db * copy.varianceB + 2 * da * db * copy.covarianceAB
        let sharedPart = da * da * shared.varianceA + db * db * shared.varianceB + 2 * da * db * shared.covarianceAB
        return (copyPart + sharedPart).squareRoot()
    }
}
