// eventfd and signal shims: <sys/eventfd.h> is not in Swift's Glibc module and siginfo_t's fields are macros
// over unions. No system header is included here (see CIPCShims.h).
#ifndef IPC_EVENTS_H
#define IPC_EVENTS_H

#include <stdint.h>

/// eventfd(initial, flags | EFD_CLOEXEC).
int ipc_eventfd(unsigned int initial, int flags);
/// eventfd(initial, flags) with the flags exactly as given (EFD_CLOEXEC only if asked).
int ipc_eventfd_exact(unsigned int initial, int flags);
int ipc_efd_semaphore(void);
int ipc_efd_nonblock(void);

/// The first real-time signal number applications may use (glibc's SIGRTMIN) and the last (SIGRTMAX).
int ipc_sigrtmin(void);
int ipc_sigrtmax(void);

/// Blocks (`block` true) or unblocks the signals `signals[0..<count]` in the calling thread.
int ipc_block_signals(const int *signals, int count, int block);

/// Bits added to a handler's `action` (2) for `ipc_sigaction`, and reported in `*old`.
#define IPC_HANDLER_RESETHAND 0x10
#define IPC_HANDLER_NODEFER 0x20
/// The handler's `sa_mask` empty instead of full.
#define IPC_HANDLER_EMPTY_MASK 0x40
/// Reported only: the old handler's `sa_mask` blocks some signals and not others.
#define IPC_HANDLER_PARTIAL_MASK 0x80
/// `SA_ONSTACK`: the handler runs on the alternate stack `ipc_sigaltstack` sets.
#define IPC_HANDLER_ONSTACK 0x100

/// sigaction(signal) setting SIG_DFL (`action` 0), SIG_IGN (1) or a handler that records each signal's siginfo
/// (2; SA_SIGINFO, every signal blocked while it runs unless `IPC_HANDLER_EMPTY_MASK`, with `SA_RESETHAND` and
/// `SA_NODEFER` for the bits above), or only asking (-1); writes the old action as 0, 1 or 2 (any other function: 2)
/// with the old handler's bits to `*old`. 0, or -1 with errno.
int ipc_sigaction(int signal, int action, int *old);

/// ipc_sigaction whose handler's `sa_mask` is `mask[0..<mask_count]` (with `mask_count` negative: as `action` says).
int ipc_sigaction_masking(int signal, int action, const int *mask, int mask_count, int *old);

/// Whether each of the records the recording handler made since they were last reset (the calls that fill the
/// arrays below) ran on the alternate stack: `on_stack[i]` 1 or 0, up to `capacity`; returns how many it recorded.
int ipc_recorded_on_stack(int *on_stack, int capacity);

/// sigprocmask(SIG_UNBLOCK) of `signals[0..<count]` then SIG_BLOCK again: fills up to `capacity` entries of each array
/// with what the recording handler saw in between (the pending ones delivered on the way back from the first call),
/// in order; returns how many it saw, or -1 with errno.
int ipc_unblock_briefly(const int *signals, int count, int *signo, int *code, int *pid, int *value, int capacity);

/// sigsuspend with the calling thread's mask less `signals[0..<count]` (and SIGUSR1 added): fills the arrays with what
/// the recording handler saw before it returned; returns how many, or -1 with errno (EINTR) when it saw none.
int ipc_sigsuspend_unblocking(const int *signals, int count, int *signo, int *code, int *pid, int *value, int capacity);

/// glibc's signal() setting SIG_DFL (`action` 0), SIG_IGN (1) or, with 2, a handler then made the recording one
/// (SA_SIGINFO added; signal's SA_RESTART and sa_mask kept); writes the old action as 0, 1 or 2 to `*old`. 0, or -1.
int ipc_signal(int signal_number, int action, int *old);

/// The installed action's sa_flags, whether its sa_mask holds the signal itself, and how many signals it holds.
int ipc_signal_flags(int signal_number, int *flags, int *masks_itself, int *masked);

int ipc_sa_restart(void);

/// glibc's sigignore, sighold and siginterrupt, as they are.
int ipc_sigignore(int signal_number);
int ipc_sighold(int signal_number);
int ipc_siginterrupt(int signal_number, int interrupt);

/// glibc's sigrelse: fills the arrays with what the recording handler saw before it returned; -1 with errno (EINVAL).
int ipc_sigrelse_recording(int signal_number, int *signo, int *code, int *pid, int *value, int capacity);

/// glibc's sigset with disposition 0 SIG_DFL, 1 SIG_IGN, 2 a handler, 3 SIG_HOLD; *old the previous one alike (2:
/// any handler). Fills signo with the numbers the handler saw inside the call and returns how many; -1 with errno.
int ipc_sigset_recording(int signal_number, int disposition, int *old, int *signo, int capacity);

/// glibc's BSD sigpause(mask) (__sigpause(mask, 0)), SIGUSR1 added to the mask: fills the arrays as
/// ipc_sigpause_recording does; -1 with errno (EINTR) when the handler saw none.
/// sigaltstack on a static 1 MiB area (E2BIG for a larger size: not the kernel's): set (`set`) one of `size` bytes with
/// `flags`, or only ask; *old_flags and *old_size what was there.
int ipc_sigaltstack(int set, int flags, unsigned long size, int *old_flags, unsigned long *old_size);

/// Installs a probing handler for `signal_number` (SA_ONSTACK when `on_stack_flag`), raises it (the caller has it
/// unblocked), restores the old action: whether the handler ran on the static area, the ss_flags sigaltstack reported
/// inside it, and the errno of setting a stack inside it (0: it succeeded).
int ipc_alt_stack_handler_probe(int signal_number, int on_stack_flag, int *on_stack, int *flags_inside, int *error_inside);

/// Makes the recording handler call sigaltstack each time it runs for `signal`: `kind` 0 not, 1 asking only, 2 asking
/// and then setting a stack of `size` bytes with `flags` on the area. 0, or -1 with errno (EINVAL).
int ipc_set_handler_alt_stack_call(int signal, int kind, int flags, unsigned long size);

/// What the recording handler's sigaltstack calls gave, per record of the last call (as ipc_recorded_on_stack): the
/// old ss_flags (-1: no call) and ss_size, and the change's result (-1 none asked, 0 taken, else its errno).
int ipc_recorded_alt_stack_calls(int *flags, unsigned long *size, int *set_result, int capacity);

/// Where a frame of signal delivery must fit on a stack that starts at the area (ipc_sigaltstack's): the machine's
/// AT_MINSIGSTKSZ, 0 when the kernel does not say.
unsigned long ipc_min_signal_stack_size(void);

/// Forks a child that sets an alternate stack of `size` bytes (a fresh mapping with a guard page below it), installs
/// an SA_ONSTACK handler for SIGUSR2 and raises it: 0 when the handler ran and returned, the signal that killed the
/// child otherwise, -1 with errno when it could not be run. For an exit test's child only (it forks).
int ipc_alt_stack_delivery_probe(unsigned long size);

/// SS_AUTODISARM (1 << 31).
int ipc_ss_autodisarm(void);

int ipc_bsd_sigpause_recording(unsigned int mask, int *signo, int *code, int *pid, int *value, int capacity);

/// glibc's (XPG) sigpause(signal) with SIGUSR1 blocked around it: fills the arrays as ipc_sigsuspend_unblocking does;
/// -1 with errno (EINTR, or EINVAL for a signal sigdelset refuses) when the handler saw none.
int ipc_sigpause_recording(int signal_number, int *signo, int *code, int *pid, int *value, int capacity);

/// sigprocmask with a `how` that is none of SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, and `signals` as the set.
int ipc_sigprocmask_invalid_how(const int *signals, int count);

/// sigprocmask(SIG_UNBLOCK) of `signals[0..<count]`, pause(), then SIG_BLOCK again: fills the arrays with what the
/// recording handler saw meanwhile (the pending ones on unblocking, then the one that ended the pause, and any
/// delivered before the block); -1 with errno EINTR when it saw none (a handled signal outside the set ended it).
int ipc_pause_unblocking(const int *signals, int count, int *signo, int *code, int *pid, int *value, int capacity);

/// sigprocmask (or, with `per_thread`, pthread_sigmask) on `signals[0..<count]`: `how` 0 SIG_BLOCK, 1 SIG_UNBLOCK and
/// at once SIG_BLOCK again (filling the arrays as ipc_unblock_briefly does), 2 a `how` that is none of the three
/// (EINVAL). Writes the old mask, bit `signal - 1` per blocked signal, to `*old_bits`. The records' count, or -1
/// with errno.
int ipc_change_mask(int how, int per_thread, const int *signals, int count, unsigned long long *old_bits, int *signo, int *code,
    int *pid, int *value, int capacity);

/// SIG_SETMASK (pthread_sigmask with `per_thread`) to the calling thread's mask less `released[0..<released_count]`
/// plus `blocked[0..<count]`, then the old mask back at once: fills the arrays as ipc_unblock_briefly does (what the
/// new mask unblocks and is pending is delivered on the way back from the first call). Writes the old mask, bit
/// `signal - 1` per blocked signal, to `*old_bits`. The records' count, or -1 with errno.
int ipc_set_mask_briefly(int per_thread, const int *blocked, int count, const int *released, int released_count,
    unsigned long long *old_bits, int *signo, int *code, int *pid, int *value, int capacity);

/// sigprocmask (pthread_sigmask with `per_thread`) with a NULL set: `how` 0 SIG_BLOCK, 1 SIG_UNBLOCK, 3 SIG_SETMASK,
/// anything else a `how` that is none of the three. Writes the old mask's bits to `*old_bits`. 0, or -1 with errno.
int ipc_mask_without_set(int how, int per_thread, unsigned long long *old_bits);

/// The raw rt_sigprocmask with `how` (as above) and a set the kernel cannot read, asking nothing back: tells whether
/// the kernel reads the set before it checks `how`. What the call returned, with errno.
int ipc_rt_sigprocmask_unreadable_set(int how);

/// `epoll_pwait` (`epoll_pwait2` when `use_pwait2`; a null timeout unless `has_timeout`) on `epfd` with the calling
/// thread's mask less `released` plus `kept` swapped in, the recording handler's records of the call copied out.
int ipc_epoll_pwait_recorded(int epfd, int maxevents, int use_pwait2, int timeout_ms, int has_timeout, long long seconds,
    long long nanoseconds, const int *kept, int kept_count, const int *released, int released_count, uint32_t *events,
    int *fds, int capacity, int *signo, int *code, int *pid, int *value, int record_capacity, int *recorded);

/// One `ppoll` (or, with `use_select`, `pselect`) of a signalfd for `signals[0..<count]` (made for the call, nonblocking,
/// closed after) with a signal mask: the calling thread's mask less `released[0..<released_count]` plus
/// `kept[0..<kept_count]`, swapped in for the call. `events`: poll's events, or for select bit 0 read, bit 1 write;
/// a negative `timeout_ms` waits without limit. Writes poll's revents to `*revents`, select's answer to `*readable`
/// and `*writable`, and what the recording handler saw meanwhile to the arrays, their count to `*recorded`. What the
/// call returned, with errno.
int ipc_signalfd_poll_masked(const int *signals, int count, const int *kept, int kept_count, const int *released,
    int released_count, int use_select, int events, int timeout_ms, short *revents, int *readable, int *writable,
    int *signo, int *code, int *pid, int *value, int capacity, int *recorded);

/// sigqueue(pid, signal, {.sival_int = value}).
int ipc_sigqueue(int pid, int signal, int value);

/// tgkill(pid, pid, signal): the signal goes to the main thread of `pid` (its thread id is its pid), pending for that
/// thread alone rather than for the process. (glibc 2.36 has no wrapper for another process's thread.)
int ipc_tgkill_main_thread(int pid, int signal);
/// tkill(2): `signal` to the thread `tid` alone (no thread group named; glibc has no wrapper).
int ipc_tkill(int tid, int signal);
/* tgkill(tgid, tid, signal), a raw system call. */
int ipc_tgkill(int tgid, int tid, int signal);
/* pidfd_open(pid, flags): a pidfd, or -1 with errno. */
int ipc_pidfd_open(int pid, unsigned flags);
/* pidfd_send_signal(pidfd, signal, info, flags); with has_info, a siginfo of info_signal, info_code and value, with the
   caller's pid and uid (as sigqueue fills them); without, NULL. */
int ipc_pidfd_send_signal(int pidfd, int signal, int has_info, int info_signal, int info_code, int value, unsigned flags);
/* rt_tgsigqueueinfo(tgid, tid, signal, info): a siginfo of code and value with the caller's pid and uid, for the thread
   tid of tgid alone (the kernel sets si_signo to signal). */
int ipc_rt_tgsigqueueinfo(int tgid, int tid, int signal, int code, int value);
/// pthread_kill(3) of the calling thread: the error number it returns (0 when sent).
int ipc_pthread_kill_self(int signal);

/// One `read` of `max` bytes from a signalfd for `signals[0..<count]`, made with the raw `flags` and SFD_CLOEXEC
/// (EINVAL for bits other than SFD_NONBLOCK and SFD_CLOEXEC), its mask then set to `update` by passing it back (none
/// when `update_count` is negative), closed after. Fills up to `capacity` entries of each array from the
/// `signalfd_siginfo`s read and returns how many were read, or -1 with errno (the read's; the descriptor is closed
/// keeping it).
int ipc_signalfd_read_updated(const int *signals, int count, int flags, const int *update, int update_count,
                              unsigned long max, int *signo, int *code, int *pid, int *value, int capacity);

/// A signalfd for `signals[0..<count]` (SFD_CLOEXEC, and SFD_NONBLOCK when `nonblocking`): the descriptor, or -1
/// with errno.
int ipc_signalfd_open(const int *signals, int count, int nonblocking);

/// What `poll` and `select` (timeout 0) report on a nonblocking signalfd for `signal`, measured in one call: blocks
/// `signal` in the calling thread, makes the signalfd and polls it for every event (`revents[0]`: nothing pending);
/// sends `signal` to the calling thread alone (`tgkill`) and polls again (`revents[1]`), then has a new thread, which
/// also blocks it, poll the same descriptor (`revents[2]`); `selected[0]`, `selected[1]`: the calling thread's
/// `select` for reading and writing with it pending. Takes the signal back (a read) and restores the mask. 0, or -1
/// with errno.
int ipc_signalfd_poll_probe(int signal, short revents[3], int selected[2]);

/// sigtimedwait with an invalid timeout ({0, 1000000000}): the kernel's EINVAL, checked before anything is taken.
/// Returns what sigtimedwait returns (the signal, should a kernel take one anyway).
int ipc_sigtimedwait_invalid_timeout(const int *signals, int count);

/// glibc's sigwait for any of `signals[0..<count]`: returns the signal taken, or -1 with errno set to the error
/// sigwait returned (it returns the error instead of setting errno; glibc retries its own EINTR).
int ipc_sigwait(const int *signals, int count);

/// sigpending: writes the numbers (1...64) pending for the calling thread or its process, ascending, into
/// `signals[0..<capacity]` and returns how many there are.
int ipc_sigpending(int *signals, int capacity);

/// sigtimedwait for any of `signals[0..<count]`; a negative `timeoutNanoseconds` waits without limit
/// (sigwaitinfo). Returns the signal and fills the sender's si_code, si_pid and si_value.sival_int.
int ipc_sigtimedwait(const int *signals, int count, long long timeoutNanoseconds, int *code, int *pid, int *value);
/// ioctl(FIOASYNC): sets or clears the description's O_ASYNC, as F_SETFL does.
int ipc_set_fioasync(int descriptor, int on);
/// sigtimedwait, reporting what an O_ASYNC signal carries: si_code, si_band and si_fd.
int ipc_sigtimedwait_io(const int *signals, int count, long long timeoutNanoseconds, int *code, long *band, int *fd);

/// SI_USER and SI_QUEUE.
int ipc_si_user(void);
int ipc_si_queue(void);
int ipc_si_tkill(void);

/// setrlimit(RLIMIT_SIGPENDING, {limit, limit}) and the soft limit now.
int ipc_set_pending_signal_limit(unsigned long limit);
long ipc_pending_signal_limit(void);

/// The kernel's eventfd_signal on `eventfd`, through AIO: io_setup, io_submit of a 1-byte write to a memfd with
/// IOCB_FLAG_RESFD naming `eventfd`, io_getevents for its completion (which adds 1 to the eventfd, stopping at
/// 2^64 - 1), io_destroy. 0, or -1 with errno (io_submit's EBADF for a number not open, EINVAL for one that is no
/// eventfd).
int ipc_eventfd_signal_by_aio(int eventfd);

#endif
