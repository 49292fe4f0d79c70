import CIPCShims
import Glibc
import SystemPackage

/// Timers whose expiry signals the process: `alarm`, the interval timers and POSIX timers (by the kernel's id). No fault
/// is injected into them: they do not block, and the signal model judges what they report.
extension Syscall {
    /// A timer's value and interval: seconds and a fraction (microseconds for the interval timers, nanoseconds for
    /// POSIX timers).
    public struct TimerSetting: Hashable, Sendable {
        public var valueSeconds: Int, valueFraction: Int, intervalSeconds: Int, intervalFraction: Int

        public init(valueSeconds: Int, valueFraction: Int, intervalSeconds: Int, intervalFraction: Int) {
            self.valueSeconds = valueSeconds
            self.valueFraction = valueFraction
            self.intervalSeconds = intervalSeconds
            self.intervalFraction = intervalFraction
        }

        init(_ parts: [Int]) { self.init(valueSeconds: parts[0], valueFraction: parts[1], intervalSeconds: parts[2], intervalFraction: parts[3]) }
    }

    static func checked(_ result: CInt) throws(Errno) -> CInt {
        guard result != -1 else { throw Errno(rawValue: Glibc.errno) }
        return result
    }

    /// The seconds left of the alarm it replaces. The corresponding C function is `alarm`.
    public static func alarm(_ seconds: UInt32) -> UInt32 { Glibc.alarm(seconds) }

    /// Sets interval timer `which` and returns its old setting. The corresponding C function is `setitimer`.
    public static func setIntervalTimer(_ which: CInt, _ setting: TimerSetting) throws(Errno) -> TimerSetting {
        var old = [Int](repeating: 0, count: 4)
        _ = try checked(old.withUnsafeMutableBufferPointer {
            ipc_setitimer(which, setting.valueSeconds, setting.valueFraction, setting.intervalSeconds, setting.intervalFraction, $0.baseAddress)
        })
        return TimerSetting(old)
    }

    /// The corresponding C function is `getitimer`.
    public static func intervalTimer(_ which: CInt) throws(Errno) -> TimerSetting {
        var out = [Int](repeating: 0, count: 4)
        _ = try checked(out.withUnsafeMutableBufferPointer { ipc_getitimer(which, $0.baseAddress) })
        return TimerSetting(out)
    }

    /// A POSIX timer on `clock` notifying by `notify` (`SIGEV_THREAD_ID`: the calling thread) with `signal` and `value`;
    /// the kernel's id (-1 for `SIGEV_THREAD`, whose glibc timer is deleted at once). The corresponding C function is
    /// `timer_create`.
    public static func createTimer(clock: CInt, notify: CInt, signal: CInt, value: CInt) throws(Errno) -> CInt {
        var id: CInt = -1
        _ = try checked(ipc_timer_create(clock, notify, signal, value, &id))
        return id
    }

    /// The corresponding C function is `timer_settime`.
    public static func setTimer(_ id: CInt, flags: CInt, _ setting: TimerSetting) throws(Errno) -> TimerSetting {
        var old = [Int](repeating: 0, count: 4)
        _ = try checked(old.withUnsafeMutableBufferPointer {
            ipc_timer_settime(id, flags, setting.valueSeconds, setting.valueFraction, setting.intervalSeconds, setting.intervalFraction, $0.baseAddress)
        })
        return TimerSetting(old)
    }

    /// The corresponding C function is `timer_gettime`.
    public static func timer(_ id: CInt) throws(Errno) -> TimerSetting {
        var out = [Int](repeating: 0, count: 4)
        _ = try checked(out.withUnsafeMutableBufferPointer { ipc_timer_gettime(id, $0.baseAddress) })
        return TimerSetting(out)
    }

    /// The corresponding C function is `timer_getoverrun`.
    public static func timerOverrun(_ id: CInt) throws(Errno) -> CInt { try checked(ipc_timer_getoverrun(id)) }

    /// The corresponding C function is `timer_delete`.
    public static func deleteTimer(_ id: CInt) throws(Errno) { _ = try checked(ipc_timer_delete(id)) }

    /// `SI_KERNEL` and `SI_TIMER`, the codes of timers' signals.
    public static let kernelCode: CInt = 0x80, timerCode: CInt = -2
}
