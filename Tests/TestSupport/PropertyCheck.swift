import PropertyBased
import Testing

// swift-property-based 2.0.1 runs a property's body under `try?` (IssueCounting.swift's `countIssues`), so an error
// the body throws — a kernel call that failed, a trace the checker refused — ends that case silently: the property
// passes, and cannot fail that way. `checkProperty` is the library's `propertyCheck` recording such an error as an
// issue of the case, which fails the test as any failed expectation does. Our tests call it, never `propertyCheck`
// itself (a function of that name here is ambiguous beside the library's: it does not shadow it).
// `ThrownErrorsFailAPropertyTests` holds it.

/// The library's `propertyCheck` with one generator, a thrown error recorded.
public func checkProperty<InputValue, ResultValue>(
    count: Int = 100,
    input: Generator<ResultValue, some Sequence<InputValue>>,
    perform body: (ResultValue) async throws -> Void,
    isolation: isolated (any Actor)? = #isolation,
    sourceLocation: SourceLocation = #_sourceLocation,
    onError: (any Error, SourceLocation) -> Void = recordThrown
) async {
    await PropertyBased.propertyCheck(
        count: count, input: input,
        perform: { value in
            do { try await body(value) } catch { onError(error, sourceLocation) }
        }, isolation: isolation, sourceLocation: sourceLocation)
}

/// What `checkProperty` does with an error its body threw unless told otherwise (`onError`, which only the test of
/// `checkProperty` itself gives, to see the error reach it): records it as an issue of the test.
public func recordThrown(_ error: any Error, at sourceLocation: SourceLocation) {
    Issue.record(error, "the property's body threw", sourceLocation: sourceLocation)
}

/// With two generators.
public func checkProperty<InA, InB, OutA, OutB>(
    count: Int = 100,
    input g0: Generator<OutA, some Sequence<InA>>,
    _ g1: Generator<OutB, some Sequence<InB>>,
    perform body: (OutA, OutB) async throws -> Void,
    isolation: isolated (any Actor)? = #isolation,
    sourceLocation: SourceLocation = #_sourceLocation,
    onError: (any Error, SourceLocation) -> Void = recordThrown
) async {
    await checkProperty(
        count: count, input: zip(g0, g1), perform: { try await body($0.0, $0.1) },
        isolation: isolation, sourceLocation: sourceLocation, onError: onError)
}

/// With three generators.
public func checkProperty<InA, InB, InC, OutA, OutB, OutC>(
    count: Int = 100,
    input g0: Generator<OutA, some Sequence<InA>>,
    _ g1: Generator<OutB, some Sequence<InB>>,
    _ g2: Generator<OutC, some Sequence<InC>>,
    perform body: (OutA, OutB, OutC) async throws -> Void,
    isolation: isolated (any Actor)? = #isolation,
    sourceLocation: SourceLocation = #_sourceLocation,
    onError: (any Error, SourceLocation) -> Void = recordThrown
) async {
    await checkProperty(
        count: count, input: zip(g0, g1, g2), perform: { try await body($0.0, $0.1, $0.2) },
        isolation: isolation, sourceLocation: sourceLocation, onError: onError)
}
