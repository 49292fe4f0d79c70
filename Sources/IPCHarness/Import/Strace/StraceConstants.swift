/// The numbers behind the names strace prints for flags and commands (x86-64 Linux), so that a log recorded with
/// `-X raw` (numbers) and one without (names) read alike. Only the names the importer acts on are here; a flag set
/// with a name it does not know reads as nil, and the call that needed it is then reported as not understood.
enum StraceConstants {
    static let names: [String: Int64] = [
        // open(2), fcntl(2)
        "O_RDONLY": 0, "O_WRONLY": 1, "O_RDWR": 2, "O_CREAT": 0o100, "O_EXCL": 0o200, "O_NOCTTY": 0o400,
        "O_TRUNC": 0o1000, "O_APPEND": 0o2000, "O_NONBLOCK": 0o4000, "O_NDELAY": 0o4000, "O_DSYNC": 0o10000,
        "O_ASYNC": 0o20000, "O_DIRECT": 0o40000, "O_LARGEFILE": 0o100000, "O_DIRECTORY": 0o200000,
        "O_NOFOLLOW": 0o400000, "O_NOATIME": 0o1000000, "O_CLOEXEC": 0o2000000, "O_SYNC": 0o4010000,
        "O_PATH": 0o10000000, "O_TMPFILE": 0o20200000,
        "F_DUPFD": 0, "F_GETFD": 1, "F_SETFD": 2, "F_GETFL": 3, "F_SETFL": 4, "F_GETLK": 5, "F_SETLK": 6,
        "F_SETLKW": 7, "F_SETOWN": 8, "F_GETOWN": 9, "F_SETSIG": 10, "F_GETSIG": 11, "F_DUPFD_CLOEXEC": 1030,
        "F_SETPIPE_SZ": 1031, "F_GETPIPE_SZ": 1032, "F_ADD_SEALS": 1033, "F_GET_SEALS": 1034, "FD_CLOEXEC": 1,
        "AT_FDCWD": -100,
        // socket(2)
        "AF_UNIX": 1, "AF_LOCAL": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16,
        "SOCK_STREAM": 1, "SOCK_DGRAM": 2, "SOCK_RAW": 3, "SOCK_SEQPACKET": 5, "SOCK_NONBLOCK": 0o4000,
        "SOCK_CLOEXEC": 0o2000000,
        "MSG_OOB": 0x1, "MSG_PEEK": 0x2, "MSG_DONTROUTE": 0x4, "MSG_CTRUNC": 0x8, "MSG_TRUNC": 0x20,
        "MSG_DONTWAIT": 0x40, "MSG_EOR": 0x80, "MSG_WAITALL": 0x100, "MSG_NOSIGNAL": 0x4000, "MSG_MORE": 0x8000,
        "MSG_WAITFORONE": 0x10000, "MSG_CMSG_CLOEXEC": 0x4000_0000,
        "SOL_SOCKET": 1, "SCM_RIGHTS": 1, "SCM_CREDENTIALS": 2,
        "SO_RCVTIMEO": 20, "SO_SNDTIMEO": 21, "SO_RCVTIMEO_OLD": 20, "SO_SNDTIMEO_OLD": 21, "SO_RCVTIMEO_NEW": 66,
        "SO_SNDTIMEO_NEW": 67,
        // eventfd(2)
        "EFD_SEMAPHORE": 1, "EFD_NONBLOCK": 0o4000, "EFD_CLOEXEC": 0o2000000,
        // signalfd(2)
        "SFD_NONBLOCK": 0o4000, "SFD_CLOEXEC": 0o2000000,
        // System V IPC
        "IPC_PRIVATE": 0, "IPC_CREAT": 0o1000, "IPC_EXCL": 0o2000, "IPC_NOWAIT": 0o4000, "IPC_RMID": 0, "SEM_UNDO": 0x1000,
        "IPC_SET": 1, "IPC_STAT": 2, "IPC_INFO": 3, "IPC_64": 0x100, "MSG_STAT": 11, "MSG_INFO": 12,
        "MSG_STAT_ANY": 13, "MSG_NOERROR": 0o10000, "MSG_EXCEPT": 0o20000, "MSG_COPY": 0o40000,
        "GETPID": 11, "GETVAL": 12, "GETALL": 13, "GETNCNT": 14, "GETZCNT": 15, "SETVAL": 16, "SETALL": 17,
        "SEM_STAT": 18, "SEM_INFO": 19, "SEM_STAT_ANY": 20,
        // clone(2)
        "CLONE_VM": 0x100, "CLONE_FS": 0x200, "CLONE_FILES": 0x400, "CLONE_SIGHAND": 0x800, "CLONE_PIDFD": 0x1000,
        "CLONE_PTRACE": 0x2000, "CLONE_VFORK": 0x4000, "CLONE_PARENT": 0x8000, "CLONE_THREAD": 0x10000,
        "CLONE_NEWNS": 0x20000, "CLONE_SYSVSEM": 0x40000, "CLONE_SETTLS": 0x80000, "CLONE_PARENT_SETTID": 0x100000,
        "CLONE_CHILD_CLEARTID": 0x200000, "CLONE_DETACHED": 0x400000, "CLONE_UNTRACED": 0x800000,
        "CLONE_CHILD_SETTID": 0x1000000, "CLONE_NEWCGROUP": 0x2000000, "CLONE_NEWUTS": 0x4000000,
        "CLONE_NEWIPC": 0x8000000, "CLONE_NEWUSER": 0x1000_0000, "CLONE_NEWPID": 0x2000_0000,
        "CLONE_NEWNET": 0x4000_0000, "CLONE_IO": 0x8000_0000,
        "CLOSE_RANGE_UNSHARE": 2, "CLOSE_RANGE_CLOEXEC": 4,
        // ioctl(2)
        "FIONREAD": 0x541b, "TCGETS": 0x5401, "FIONBIO": 0x5421, "FIOCLEX": 0x5451, "FIONCLEX": 0x5450,
        // mknod(2)
        "S_IFIFO": 0o10000, "S_IFREG": 0o100000, "S_IFSOCK": 0o140000, "S_IFCHR": 0o20000,
        // signals
        "SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5, "SIGABRT": 6, "SIGBUS": 7, "SIGFPE": 8,
        "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12, "SIGPIPE": 13, "SIGALRM": 14, "SIGTERM": 15,
        "SIGSTKFLT": 16, "SIGCHLD": 17, "SIGCONT": 18, "SIGSTOP": 19, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22,
        "SIGURG": 23, "SIGXCPU": 24, "SIGXFSZ": 25, "SIGVTALRM": 26, "SIGPROF": 27, "SIGWINCH": 28, "SIGIO": 29,
        "SIGPWR": 30, "SIGSYS": 31,
        // sigprocmask(2), siginfo's si_code
        "SIG_BLOCK": 0, "SIG_UNBLOCK": 1, "SIG_SETMASK": 2, "SI_USER": 0, "SI_QUEUE": -1, "SI_TIMER": -2,
        "SI_MESGQ": -3, "SI_ASYNCIO": -4, "SI_SIGIO": -5, "SI_TKILL": -6, "SI_KERNEL": 0x80,
    ]

    /// A number (`17`, `0x800`, `0600`, `-1`) or a flag set joined by `|` (`O_RDWR|O_CREAT`, `0x1200000|17`);
    /// `NULL` is 0. Nil when a part is neither a number nor a known name.
    static func value(of text: String) -> Int64? {
        if text == "NULL" { return 0 }
        var total: Int64 = 0
        for part in text.split(separator: "|", omittingEmptySubsequences: false) {
            if let number = number(part) {
                total |= number
            } else if let named = names[String(part)] {
                total |= named
            } else {
                return nil
            }
        }
        return total
    }

    private static func number(_ text: Substring) -> Int64? {
        var digits = text
        var negative = false
        if digits.first == "-" {
            negative = true
            digits = digits.dropFirst()
        }
        guard let first = digits.first, first.isNumber else { return nil }
        let magnitude: Int64?
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            magnitude = UInt64(digits.dropFirst(2), radix: 16).map { Int64(bitPattern: $0) }
        } else if digits.count > 1, digits.hasPrefix("0") {
            magnitude = Int64(digits.dropFirst(), radix: 8)
        } else {
            magnitude = UInt64(digits).map { Int64(bitPattern: $0) }
        }
        guard let magnitude else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// A signal's number from its name as strace prints it (`SIGKILL`, `SIGRTMIN`, `SIGRT_3`), or from a number.
    static func signal(_ text: String) -> Int? {
        if let number = value(of: text), number > 0, number < 65 { return Int(number) }
        if text == "SIGRTMIN" { return 32 }
        if text.hasPrefix("SIGRT_"), let offset = Int(text.dropFirst(6)) { return 32 + offset }
        return nil
    }
}
