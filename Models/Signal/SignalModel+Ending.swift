/// What a trace's `exit` event says of how a process ended, as far as the signal model judges it: a receiver that a
/// signal's default action killed (``State/killedBy``) ends with that signal as its wait status — measured
/// (`ThreadFatalSignalFactsTests`), whichever thread took it — so an exit with a code, or with another signal, cannot
/// be its end (it once was accepted so: the model did not read the exit at all).
extension SignalModel {
    public enum Ending: Hashable, Sendable {
        /// `{"status": "unknown"}`, `{"status": "released"}`, or no value: not known.
        case notKnown
        /// `{"code": N}`: it returned from `main` or called `exit`.
        case exited
        /// `{"signal": NAME}`: a signal ended it.
        case signaled(Int)

        init(_ value: JSONValue?) {
            if case .integer? = value?["code"] { self = .exited; return }
            if case .string(let name)? = value?["signal"], let signal = SignalModel.number(of: name) {
                self = .signaled(signal)
                return
            }
            self = .notKnown
        }

        /// Whether a process that `signal`'s default action killed may have ended so.
        func allows(killedBy signal: Int) -> Bool {
            switch self {
            case .notKnown: true
            case .exited: false
            case .signaled(let other): other == signal
            }
        }
    }
}
