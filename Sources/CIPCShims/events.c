#include "ipc_events.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

int ipc_eventfd(unsigned int initial, int flags) { return eventfd(initial, flags | EFD_CLOEXEC); }
int ipc_eventfd_exact(unsigned int initial, int flags) { return eventfd(initial, flags); }
int ipc_efd_semaphore(void) { return EFD_SEMAPHORE; }
int ipc_efd_nonblock(void) { return EFD_NONBLOCK; }

int ipc_sigrtmin(void) { return SIGRTMIN; }
int ipc_sigrtmax(void) { return SIGRTMAX; }

static int make_set(sigset_t *set, const int *signals, int count) {
    sigemptyset(set);
    for (int index = 0; index < count; index++) {
        if (sigaddset(set, signals[index]) == -1) return -1;
    }
    return 0;
}

int ipc_block_signals(const int *signals, int count, int block) {
    sigset_t set;
    if (make_set(&set, signals, count) == -1) return -1;
    // pthread_sigmask returns its error rather than setting errno; sigprocmask is the same call per thread on Linux.
    return sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/// What the handler `ipc_sigaction` installs has seen since the last `reset_records`: the receiver's signals run it
/// only inside `ipc_unblock_briefly` and `ipc_sigsuspend_unblocking`.
#define RECORD_CAPACITY 256
static volatile sig_atomic_t recorded_count;
static int recorded_signo[RECORD_CAPACITY], recorded_code[RECORD_CAPACITY], recorded_pid[RECORD_CAPACITY],
    recorded_value[RECORD_CAPACITY], recorded_on_stack[RECORD_CAPACITY];
/// What the recording handler's sigaltstack call (ipc_set_handler_alt_stack_call) gave: the old ss_flags (-1: no
/// call, or the ask failed) and ss_size, and the change's result (-1: none asked; 0: taken; else its errno).
static int recorded_alt_flags[RECORD_CAPACITY], recorded_alt_set[RECORD_CAPACITY];
static unsigned long recorded_alt_size[RECORD_CAPACITY];

// The alternate stack's memory (see ipc_sigaltstack): a handler whose frame lies in it ran on it. A stack set here
// starts ALT_STACK_SLACK bytes in: the kernel checks that a signal frame fits the stack, not that the handler's own
// locals do, and on a stack barely larger than the frame they land in the slack rather than in other data.
#define ALT_STACK_CAPACITY (1 << 20)
#define ALT_STACK_SLACK (1 << 14)
static char alt_stack_area[ALT_STACK_SLACK + ALT_STACK_CAPACITY] __attribute__((aligned(64)));

/// The sigaltstack call the recording handler makes for each signal: 0 none, 1 ask, 2 ask and then set.
static volatile int handler_alt_call[65], handler_alt_call_flags[65];
static volatile unsigned long handler_alt_call_size[65];

int ipc_set_handler_alt_stack_call(int signal, int kind, int flags, unsigned long size) {
    if (signal < 1 || signal > 64 || kind < 0 || kind > 2 || (kind == 2 && size > ALT_STACK_CAPACITY)) {
        errno = EINVAL;
        return -1;
    }
    handler_alt_call_flags[signal] = flags;
    handler_alt_call_size[signal] = size;
    handler_alt_call[signal] = kind;
    return 0;
}

static void record_signal(int signal, siginfo_t *info, void *context) {
    (void)context;
    char here;
    int saved = errno;
    int index = recorded_count;
    if (index < RECORD_CAPACITY) {
        recorded_signo[index] = signal;
        recorded_code[index] = info->si_code;
        recorded_pid[index] = info->si_pid;
        recorded_value[index] = info->si_value.sival_int;
        recorded_on_stack[index] = &here >= alt_stack_area && &here < alt_stack_area + ALT_STACK_SLACK + ALT_STACK_CAPACITY;
        recorded_alt_flags[index] = -1;
        recorded_alt_set[index] = -1;
        recorded_alt_size[index] = 0;
        int kind = signal >= 1 && signal <= 64 ? handler_alt_call[signal] : 0;
        if (kind > 0) {
            // Raw system calls: async-signal-safe, and the kernel's answer (glibc adds nothing to sigaltstack).
            stack_t old;
            if (syscall(SYS_sigaltstack, NULL, &old) == 0) {
                recorded_alt_flags[index] = old.ss_flags;
                recorded_alt_size[index] = old.ss_size;
            }
            if (kind == 2) {
                stack_t wanted = {.ss_sp = alt_stack_area + ALT_STACK_SLACK, .ss_flags = handler_alt_call_flags[signal], .ss_size = handler_alt_call_size[signal]};
                recorded_alt_set[index] = syscall(SYS_sigaltstack, &wanted, NULL) == -1 ? errno : 0;
            }
        }
    }
    recorded_count = index + 1;
    errno = saved;
}

int ipc_recorded_alt_stack_calls(int *flags, unsigned long *size, int *set_result, int capacity) {
    int count = recorded_count;
    for (int index = 0; index < count && index < capacity && index < RECORD_CAPACITY; index++) {
        flags[index] = recorded_alt_flags[index];
        size[index] = recorded_alt_size[index];
        set_result[index] = recorded_alt_set[index];
    }
    return count;
}

int ipc_recorded_on_stack(int *on_stack, int capacity) {
    int count = recorded_count;
    for (int index = 0; index < count && index < capacity && index < RECORD_CAPACITY; index++) on_stack[index] = recorded_on_stack[index];
    return count;
}

/// Copies what the handler recorded into the caller's arrays; returns how many it recorded.
static int copy_records(int *signo, int *code, int *pid, int *value, int capacity) {
    int count = recorded_count;
    for (int index = 0; index < count && index < capacity && index < RECORD_CAPACITY; index++) {
        signo[index] = recorded_signo[index];
        code[index] = recorded_code[index];
        pid[index] = recorded_pid[index];
        value[index] = recorded_value[index];
    }
    return count;
}

/// What a call that ends after a handler ran (sigsuspend and kin) reports: the records, or -1 with the call's errno
/// `saved` when the handler saw nothing.
static int taken_records(int saved, int *signo, int *code, int *pid, int *value, int capacity) {
    int taken = copy_records(signo, code, pid, value, capacity);
    if (taken == 0) {
        errno = saved;
        return -1;
    }
    return taken;
}

int ipc_sigaction(int signal, int action, int *old) { return ipc_sigaction_masking(signal, action, NULL, -1, old); }

int ipc_sigaction_masking(int signal, int action, const int *mask, int mask_count, int *old) {
    struct sigaction new_action = {0}, previous = {0};
    int kind = action < 0 ? -1 : action & 0xf;
    if (kind == 2) {
        // By default every signal is blocked while it runs: one handler at a time, so they run (and record) in the
        // kernel's dequeue order; with an empty mask the kernel nests them, and they record in reverse (measured).
        if (mask_count >= 0) {
            if (make_set(&new_action.sa_mask, mask, mask_count) == -1) return -1;
        } else if (action & IPC_HANDLER_EMPTY_MASK) sigemptyset(&new_action.sa_mask);
        else sigfillset(&new_action.sa_mask);
        new_action.sa_sigaction = record_signal;
        new_action.sa_flags = SA_SIGINFO | (action & IPC_HANDLER_RESETHAND ? SA_RESETHAND : 0)
            | (action & IPC_HANDLER_NODEFER ? SA_NODEFER : 0) | (action & IPC_HANDLER_ONSTACK ? SA_ONSTACK : 0);
    } else {
        sigemptyset(&new_action.sa_mask);
        new_action.sa_handler = kind == 0 ? SIG_DFL : SIG_IGN;
    }
    if (sigaction(signal, action < 0 ? NULL : &new_action, &previous) == -1) return -1;
    *old = previous.sa_handler == SIG_DFL ? 0 : previous.sa_handler == SIG_IGN ? 1 : 2;
    int masked = 0;
    for (int other = 1; other < NSIG; other++) masked += sigismember(&previous.sa_mask, other) == 1;
    if (*old == 2 && masked == 0) *old |= IPC_HANDLER_EMPTY_MASK;
    // sigfillset leaves out glibc's own two signals and the kernel SIGKILL and SIGSTOP: anything less is partial.
    sigset_t full;
    sigfillset(&full);
    int most = 0;
    for (int other = 1; other < NSIG; other++) most += other != SIGKILL && other != SIGSTOP && sigismember(&full, other) == 1;
    if (*old == 2 && masked > 0 && masked < most) *old |= IPC_HANDLER_PARTIAL_MASK;
    if (previous.sa_flags & SA_RESETHAND) *old |= IPC_HANDLER_RESETHAND;
    if (previous.sa_flags & SA_NODEFER) *old |= IPC_HANDLER_NODEFER;
    if (previous.sa_flags & SA_ONSTACK) *old |= IPC_HANDLER_ONSTACK;
    return 0;
}

int ipc_unblock_briefly(const int *signals, int count, int *signo, int *code, int *pid, int *value, int capacity) {
    sigset_t set;
    if (make_set(&set, signals, count) == -1) return -1;
    recorded_count = 0;
    // The kernel delivers what is pending and now unblocked on the way back from this call.
    if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1) return -1;
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) return -1;
    return copy_records(signo, code, pid, value, capacity);
}

int ipc_sigsuspend_unblocking(const int *signals, int count, int *signo, int *code, int *pid, int *value, int capacity) {
    sigset_t mask;
    if (sigprocmask(SIG_BLOCK, NULL, &mask) == -1) return -1;
    for (int index = 0; index < count; index++) {
        if (sigdelset(&mask, signals[index]) == -1) return -1;
    }
    // The harness's interrupting SIGUSR1 waits until after: only the set's signals end the call.
    sigaddset(&mask, SIGUSR1);
    recorded_count = 0;
    sigsuspend(&mask);
    return taken_records(errno, signo, code, pid, value, capacity);
}

int ipc_change_mask(int how, int per_thread, const int *signals, int count, unsigned long long *old_bits, int *signo, int *code,
    int *pid, int *value, int capacity) {
    sigset_t set, old;
    if (make_set(&set, signals, count) == -1) return -1;
    int first = how == 0 ? SIG_BLOCK : how == 1 ? SIG_UNBLOCK : SIG_BLOCK + SIG_UNBLOCK + SIG_SETMASK + 100;
    recorded_count = 0;
    // The kernel delivers what is pending and now unblocked on the way back from this call.
    if (per_thread) {
        int error = pthread_sigmask(first, &set, &old);
        if (error != 0) {
            errno = error;
            return -1;
        }
    } else if (sigprocmask(first, &set, &old) == -1) {
        return -1;
    }
    if (how == 1 && sigprocmask(SIG_BLOCK, &set, NULL) == -1) return -1;
    *old_bits = 0;
    for (int other = 1; other <= 64 && other < NSIG; other++) {
        if (sigismember(&old, other) == 1) *old_bits |= 1ULL << (other - 1);
    }
    return copy_records(signo, code, pid, value, capacity);
}

/// The `how` for a code of the shims: 0 SIG_BLOCK, 1 SIG_UNBLOCK, 3 SIG_SETMASK, anything else none of the three.
static int how_of(int code) {
    switch (code) {
    case 0: return SIG_BLOCK;
    case 1: return SIG_UNBLOCK;
    case 3: return SIG_SETMASK;
    default: return SIG_BLOCK + SIG_UNBLOCK + SIG_SETMASK + 100;
    }
}

static void mask_bits(const sigset_t *mask, unsigned long long *bits) {
    *bits = 0;
    for (int other = 1; other <= 64 && other < NSIG; other++) {
        if (sigismember(mask, other) == 1) *bits |= 1ULL << (other - 1);
    }
}

/// sigprocmask, or pthread_sigmask with `per_thread` (which returns its error instead of setting errno).
static int change_mask(int per_thread, int how, const sigset_t *set, sigset_t *old) {
    if (!per_thread) return sigprocmask(how, set, old);
    int error = pthread_sigmask(how, set, old);
    if (error == 0) return 0;
    errno = error;
    return -1;
}

int ipc_set_mask_briefly(int per_thread, const int *blocked, int count, const int *released, int released_count,
    unsigned long long *old_bits, int *signo, int *code, int *pid, int *value, int capacity) {
    sigset_t mask, old;
    if (sigprocmask(SIG_BLOCK, NULL, &mask) == -1) return -1;
    for (int index = 0; index < released_count; index++) {
        if (sigdelset(&mask, released[index]) == -1) return -1;
    }
    for (int index = 0; index < count; index++) {
        if (sigaddset(&mask, blocked[index]) == -1) return -1;
    }
    recorded_count = 0;
    // The kernel delivers what is pending and now unblocked on the way back from this call.
    if (change_mask(per_thread, SIG_SETMASK, &mask, &old) == -1) return -1;
    if (sigprocmask(SIG_SETMASK, &old, NULL) == -1) return -1;
    mask_bits(&old, old_bits);
    return copy_records(signo, code, pid, value, capacity);
}

int ipc_mask_without_set(int how, int per_thread, unsigned long long *old_bits) {
    sigset_t old;
    if (change_mask(per_thread, how_of(how), NULL, &old) == -1) return -1;
    mask_bits(&old, old_bits);
    return 0;
}

int ipc_rt_sigprocmask_unreadable_set(int how) {
    // glibc's wrapper reads the set itself (for its own signals), so only the raw call reaches the kernel with it.
    return (int)syscall(SYS_rt_sigprocmask, how_of(how), (const void *)8, NULL, (size_t)8);
}

int ipc_signalfd_poll_masked(const int *signals, int count, const int *kept, int kept_count, const int *released,
    int released_count, int use_select, int events, int timeout_ms, short *revents, int *readable, int *writable,
    int *signo, int *code, int *pid, int *value, int capacity, int *recorded) {
    sigset_t set, mask;
    if (make_set(&set, signals, count) == -1) return -1;
    if (sigprocmask(SIG_BLOCK, NULL, &mask) == -1) return -1;
    for (int index = 0; index < released_count; index++) {
        if (sigdelset(&mask, released[index]) == -1) return -1;
    }
    for (int index = 0; index < kept_count; index++) {
        if (sigaddset(&mask, kept[index]) == -1) return -1;
    }
    int descriptor = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (descriptor == -1) return -1;
    struct timespec timeout = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
    const struct timespec *limit = timeout_ms < 0 ? NULL : &timeout;
    recorded_count = 0;
    int result;
    // The mask is swapped in for the call alone: what it unblocks and is pending interrupts it, its handler run.
    if (use_select) {
        fd_set read_set, write_set;
        FD_ZERO(&read_set);
        FD_ZERO(&write_set);
        if (events & 1) FD_SET(descriptor, &read_set);
        if (events & 2) FD_SET(descriptor, &write_set);
        result = pselect(descriptor + 1, &read_set, &write_set, NULL, limit, &mask);
        *readable = result > 0 && FD_ISSET(descriptor, &read_set);
        *writable = result > 0 && FD_ISSET(descriptor, &write_set);
    } else {
        struct pollfd entry = {.fd = descriptor, .events = (short)events, .revents = 0};
        result = ppoll(&entry, 1, limit, &mask);
        *revents = result > 0 ? entry.revents : 0;
    }
    int saved = errno;
    *recorded = copy_records(signo, code, pid, value, capacity);
    close(descriptor);
    errno = saved;
    return result;
}

int ipc_epoll_pwait_recorded(int epfd, int maxevents, int use_pwait2, int timeout_ms, int has_timeout, long long seconds,
    long long nanoseconds, const int *kept, int kept_count, const int *released, int released_count, uint32_t *events,
    int *fds, int capacity, int *signo, int *code, int *pid, int *value, int record_capacity, int *recorded) {
    sigset_t mask;
    if (sigprocmask(SIG_BLOCK, NULL, &mask) == -1) return -1;
    for (int index = 0; index < released_count; index++) {
        if (sigdelset(&mask, released[index]) == -1) return -1;
    }
    for (int index = 0; index < kept_count; index++) {
        if (sigaddset(&mask, kept[index]) == -1) return -1;
    }
    struct epoll_event buffer[16];
    if (capacity > 16) capacity = 16;
    int asked = maxevents > capacity ? capacity : maxevents;
    struct timespec timeout = {.tv_sec = (time_t)seconds, .tv_nsec = (long)nanoseconds};
    recorded_count = 0;
    // The mask is swapped in for the call alone: what it unblocks and is pending interrupts it (not at timeout 0),
    // its handler run on the way out.
    int result = use_pwait2 ? epoll_pwait2(epfd, buffer, asked, has_timeout ? &timeout : NULL, &mask)
                            : epoll_pwait(epfd, buffer, asked, timeout_ms, &mask);
    int saved = errno;
    *recorded = copy_records(signo, code, pid, value, record_capacity);
    for (int index = 0; index < result && index < capacity; index++) {
        events[index] = buffer[index].events;
        fds[index] = buffer[index].data.fd;
    }
    errno = saved;
    return result;
}

int ipc_pause_unblocking(const int *signals, int count, int *signo, int *code, int *pid, int *value, int capacity) {
    sigset_t set;
    if (make_set(&set, signals, count) == -1) return -1;
    recorded_count = 0;
    // The pending ones run their handlers on the way back from the unblocking; pause then sleeps until a handler runs.
    if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1) return -1;
    pause();
    int saved = errno;
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) return -1;
    int taken = copy_records(signo, code, pid, value, capacity);
    if (taken == 0) {
        errno = saved;
        return -1;
    }
    return taken;
}

int ipc_sigprocmask_invalid_how(const int *signals, int count) {
    sigset_t set;
    if (make_set(&set, signals, count) == -1) return -1;
    return sigprocmask(SIG_BLOCK + SIG_UNBLOCK + SIG_SETMASK + 100, &set, NULL);
}

int ipc_sigqueue(int pid, int signal, int value) {
    union sigval payload = {.sival_int = value};
    return sigqueue(pid, signal, payload);
}

int ipc_tgkill_main_thread(int pid, int signal) {
    return (int)syscall(SYS_tgkill, pid, pid, signal);
}

int ipc_tkill(int tid, int signal) {
    return (int)syscall(SYS_tkill, tid, signal);
}

int ipc_tgkill(int tgid, int tid, int signal) {
    return (int)syscall(SYS_tgkill, tgid, tid, signal);
}

int ipc_pidfd_open(int pid, unsigned flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

int ipc_pidfd_send_signal(int pidfd, int signal, int has_info, int info_signal, int info_code, int value, unsigned flags) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = info_signal;
    info.si_code = info_code;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_int = value;
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, has_info ? &info : NULL, flags);
}

int ipc_rt_tgsigqueueinfo(int tgid, int tid, int signal, int code, int value) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = signal;
    info.si_code = code;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_int = value;
    return (int)syscall(SYS_rt_tgsigqueueinfo, tgid, tid, signal, &info);
}

int ipc_pthread_kill_self(int signal) {
    return pthread_kill(pthread_self(), signal);
}

int ipc_signalfd_open(const int *signals, int count, int nonblocking) {
    sigset_t set;
    if (make_set(&set, signals, count) == -1) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC | (nonblocking ? SFD_NONBLOCK : 0));
}

/// Reads `max` bytes from the signalfd `fd` and closes it: the signals taken, as ipc_signalfd_read_updated reports them.
static int read_signal_descriptor(int fd, unsigned long max, int *signo, int *code, int *pid, int *value, int capacity);

int ipc_signalfd_read_updated(const int *signals, int count, int flags, const int *update, int update_count,
                              unsigned long max, int *signo, int *code, int *pid, int *value, int capacity) {
    // signalfd with the caller's raw flags (SFD_CLOEXEC added), its mask set again by passing it back (flags 0: the
    // kernel keeps the descriptor's own), then the read.
    sigset_t set, again;
    if (make_set(&set, signals, count) == -1) return -1;
    int fd = signalfd(-1, &set, flags | SFD_CLOEXEC);
    if (fd == -1) return -1;
    if (update_count >= 0) {
        if (make_set(&again, update, update_count) == -1 || signalfd(fd, &again, 0) == -1) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
    }
    return read_signal_descriptor(fd, max, signo, code, pid, value, capacity);
}

static int read_signal_descriptor(int fd, unsigned long max, int *signo, int *code, int *pid, int *value, int capacity) {
    void *buffer = malloc(max > 0 ? max : 1);
    if (buffer == NULL) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    ssize_t result = read(fd, buffer, max);
    int saved = errno;
    close(fd);
    if (result == -1) {
        free(buffer);
        errno = saved;
        return -1;
    }
    int taken = (int)(result / (ssize_t)sizeof(struct signalfd_siginfo));
    const struct signalfd_siginfo *infos = buffer;
    for (int index = 0; index < taken && index < capacity; index++) {
        signo[index] = (int)infos[index].ssi_signo;
        code[index] = infos[index].ssi_code;
        pid[index] = (int)infos[index].ssi_pid;
        value[index] = infos[index].ssi_int;
    }
    free(buffer);
    return taken;
}

int ipc_sigwait(const int *signals, int count) {
    sigset_t set;
    if (make_set(&set, signals, count) == -1) return -1;
    int signal = 0;
    int error = sigwait(&set, &signal);
    if (error != 0) {
        errno = error;
        return -1;
    }
    return signal;
}

int ipc_sigtimedwait_invalid_timeout(const int *signals, int count) {
    sigset_t set;
    if (make_set(&set, signals, count) == -1) return -1;
    struct timespec invalid = {.tv_sec = 0, .tv_nsec = 1000000000L};
    siginfo_t info;
    return sigtimedwait(&set, &info, &invalid);
}

int ipc_sigpending(int *signals, int capacity) {
    sigset_t set;
    if (sigpending(&set) == -1) return -1;
    int count = 0;
    for (int signal = 1; signal <= 64; signal++) {
        if (sigismember(&set, signal) == 1) {
            if (count < capacity) signals[count] = signal;
            count++;
        }
    }
    return count;
}

int ipc_sigtimedwait(const int *signals, int count, long long timeoutNanoseconds, int *code, int *pid, int *value) {
    sigset_t set;
    if (make_set(&set, signals, count) == -1) return -1;
    siginfo_t info = {0};
    int result;
    if (timeoutNanoseconds < 0) {
        result = sigwaitinfo(&set, &info);
    } else {
        struct timespec timeout = {
            .tv_sec = (time_t)(timeoutNanoseconds / 1000000000LL), .tv_nsec = (long)(timeoutNanoseconds % 1000000000LL)};
        result = sigtimedwait(&set, &info, &timeout);
    }
    if (result > 0) {
        *code = info.si_code;
        *pid = info.si_pid;
        *value = info.si_value.sival_int;
    }
    return result;
}

int ipc_si_user(void) { return SI_USER; }
int ipc_si_queue(void) { return SI_QUEUE; }
int ipc_si_tkill(void) { return SI_TKILL; }

int ipc_set_pending_signal_limit(unsigned long limit) {
    struct rlimit value = {.rlim_cur = limit, .rlim_max = limit};
    struct rlimit current;
    if (getrlimit(RLIMIT_SIGPENDING, &current) == 0 && current.rlim_max < limit) value.rlim_max = current.rlim_max;
    return setrlimit(RLIMIT_SIGPENDING, &value);
}

long ipc_pending_signal_limit(void) {
    struct rlimit current;
    if (getrlimit(RLIMIT_SIGPENDING, &current) == -1) return -1;
    return (long)current.rlim_cur;
}

struct signalfd_poll_other { int fd; short revents; };

static void *signalfd_poll_other_thread(void *argument) {
    struct signalfd_poll_other *other = argument;
    sigset_t set;
    sigfillset(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct pollfd entry = {other->fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLPRI, 0};
    other->revents = poll(&entry, 1, 0) < 0 ? -1 : entry.revents;
    return NULL;
}

int ipc_signalfd_poll_probe(int signal, short revents[3], int selected[2]) {
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, signal);
    if (pthread_sigmask(SIG_BLOCK, &set, &old) != 0) return -1;
    int result = -1;
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd >= 0) {
        struct pollfd entry = {fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLPRI, 0};
        revents[0] = poll(&entry, 1, 0) < 0 ? -1 : entry.revents;
        if (syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), signal) == 0) {
            entry.revents = 0;
            revents[1] = poll(&entry, 1, 0) < 0 ? -1 : entry.revents;
            struct signalfd_poll_other other = {fd, 0};
            pthread_t thread;
            if (pthread_create(&thread, NULL, signalfd_poll_other_thread, &other) == 0) {
                pthread_join(thread, NULL);
                revents[2] = other.revents;
                fd_set readable, writable;
                FD_ZERO(&readable);
                FD_ZERO(&writable);
                FD_SET(fd, &readable);
                FD_SET(fd, &writable);
                struct timeval zero = {0, 0};
                if (select(fd + 1, &readable, &writable, NULL, &zero) >= 0) {
                    selected[0] = FD_ISSET(fd, &readable) != 0;
                    selected[1] = FD_ISSET(fd, &writable) != 0;
                    result = 0;
                }
            }
            struct signalfd_siginfo info;
            while (read(fd, &info, sizeof info) == (ssize_t)sizeof info) {}
        }
        int saved = errno;
        close(fd);
        errno = saved;
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return result;
}

int ipc_sigtimedwait_io(const int *signals, int count, long long timeoutNanoseconds, int *code, long *band, int *fd) {
    sigset_t set;
    if (make_set(&set, signals, count) == -1) return -1;
    siginfo_t info = {0};
    struct timespec timeout = {
        .tv_sec = (time_t)(timeoutNanoseconds / 1000000000LL), .tv_nsec = (long)(timeoutNanoseconds % 1000000000LL)};
    int result = timeoutNanoseconds < 0 ? sigwaitinfo(&set, &info) : sigtimedwait(&set, &info, &timeout);
    if (result > 0) {
        *code = info.si_code;
        *band = info.si_band;
        *fd = info.si_fd;
    }
    return result;
}

int ipc_set_fioasync(int descriptor, int on) {
    return ioctl(descriptor, FIOASYNC, &on);
}

// The obsolete signal calls (System V and BSD), called as they are: glibc builds each on sigaction or sigprocmask.

/// Makes the installed handler of `signal_number` the recording one, its flags and mask kept (SA_SIGINFO added, so
/// that it sees the siginfo).
static int make_recording(int signal_number) {
    struct sigaction installed;
    if (sigaction(signal_number, NULL, &installed) == -1) return -1;
    installed.sa_sigaction = record_signal;
    installed.sa_flags |= SA_SIGINFO;
    return sigaction(signal_number, &installed, NULL) == -1 ? -1 : 0;
}

int ipc_signal(int signal_number, int action, int *old) {
    // glibc's signal is BSD's: SA_RESTART and sa_mask {signal}. A handler is then made the recording one, its
    // flags and mask kept (SA_SIGINFO added, so that it sees the siginfo); the signal is blocked, so none comes between.
    sighandler_t handler = action == 0 ? SIG_DFL : action == 1 ? SIG_IGN : (sighandler_t)(void *)record_signal;
    sighandler_t previous = signal(signal_number, handler);
    if (previous == SIG_ERR) return -1;
    *old = previous == SIG_DFL ? 0 : previous == SIG_IGN ? 1 : 2;
    return action == 2 ? make_recording(signal_number) : 0;
}

int ipc_signal_flags(int signal_number, int *flags, int *masks_itself, int *masked) {
    struct sigaction installed;
    if (sigaction(signal_number, NULL, &installed) == -1) return -1;
    *flags = installed.sa_flags;
    *masks_itself = sigismember(&installed.sa_mask, signal_number) == 1;
    *masked = 0;
    for (int other = 1; other < NSIG; other++) *masked += sigismember(&installed.sa_mask, other) == 1;
    return 0;
}

int ipc_sa_restart(void) { return SA_RESTART; }

int ipc_sigignore(int signal_number) { return sigignore(signal_number); }

int ipc_sighold(int signal_number) { return sighold(signal_number); }

int ipc_siginterrupt(int signal_number, int interrupt) { return siginterrupt(signal_number, interrupt); }

int ipc_sigrelse_recording(int signal_number, int *signo, int *code, int *pid, int *value, int capacity) {
    // glibc's sigrelse: SIG_UNBLOCK of the signal, left unblocked. What was pending runs the handler before it returns.
    recorded_count = 0;
    if (sigrelse(signal_number) == -1) return -1;
    return copy_records(signo, code, pid, value, capacity);
}

/// sigset's handler: glibc installs it without SA_SIGINFO, so it sees the number alone.
static void record_number(int signal) {
    int index = recorded_count;
    if (index < RECORD_CAPACITY) {
        recorded_signo[index] = signal;
        recorded_code[index] = recorded_pid[index] = recorded_value[index] = 0;
    }
    recorded_count = index + 1;
}

int ipc_sigset_recording(int signal_number, int disposition, int *old, int *signo, int capacity) {
    // glibc's sigset, as it is: 0 SIG_DFL, 1 SIG_IGN, 2 a handler (recording the number), 3 SIG_HOLD; *old the same
    // way (2 for any handler). A handler is then made the recording one, its (empty) mask and flags kept, SA_SIGINFO
    // added; the handler runs of the call itself (pending ones, on unblocking) are the numbers it returns.
    sighandler_t wanted = disposition == 0 ? SIG_DFL : disposition == 1 ? SIG_IGN : disposition == 2 ? record_number : SIG_HOLD;
    recorded_count = 0;
    sighandler_t previous = sigset(signal_number, wanted);
    if (previous == SIG_ERR) return -1;
    int count = recorded_count;
    for (int index = 0; index < count && index < capacity && index < RECORD_CAPACITY; index++) signo[index] = recorded_signo[index];
    *old = previous == SIG_DFL ? 0 : previous == SIG_IGN ? 1 : previous == SIG_HOLD ? 3 : 2;
    return disposition == 2 && make_recording(signal_number) == -1 ? -1 : count;
}

/// glibc's own entry for both sigpauses (signal.h declares it only without XPG): is_sig 0 takes a BSD mask.
extern int __sigpause(int sig_or_mask, int is_sig);

int ipc_bsd_sigpause_recording(unsigned int mask, int *signo, int *code, int *pid, int *value, int capacity) {
    // glibc's BSD sigpause (__sigpause(mask, 0)): sigsuspend with the whole mask replaced by the old-style one, bit
    // n-1 for signal n. The harness's interrupting SIGUSR1 is kept in it: only the object's handlers end the call.
    recorded_count = 0;
    __sigpause((int)(mask | (1u << (SIGUSR1 - 1))), 0);
    return taken_records(errno, signo, code, pid, value, capacity);
}

int ipc_sigpause_recording(int signal_number, int *signo, int *code, int *pid, int *value, int capacity) {
    // glibc's (XPG) sigpause: sigsuspend with the mask as it is less the signal. The harness's interrupting SIGUSR1
    // is blocked around it, as ipc_sigsuspend_unblocking adds it: only the signal's own handler ends the call.
    sigset_t interrupting, old;
    sigemptyset(&interrupting);
    sigaddset(&interrupting, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &interrupting, &old) == -1) return -1;
    recorded_count = 0;
    sigpause(signal_number);
    int saved = errno;
    int taken = copy_records(signo, code, pid, value, capacity);
    if (sigismember(&old, SIGUSR1) != 1) sigprocmask(SIG_UNBLOCK, &interrupting, NULL);
    if (taken == 0) {
        errno = saved;
        return -1;
    }
    return taken;
}

// sigaltstack. One static area (alt_stack_area, above) serves every size up to its own: the kernel places a frame
// at the top of the size it was given, and checks the size, not the memory.
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)  /* the kernel's (linux/signal.h), which glibc's headers leave out */
#endif

int ipc_sigaltstack(int set, int flags, unsigned long size, int *old_flags, unsigned long *old_size) {
    stack_t wanted = {.ss_sp = alt_stack_area + ALT_STACK_SLACK, .ss_flags = flags, .ss_size = size}, old;
    if (set && size > ALT_STACK_CAPACITY) {
        errno = E2BIG;
        return -1;
    }
    if (sigaltstack(set ? &wanted : NULL, &old) == -1) return -1;
    *old_flags = old.ss_flags;
    *old_size = old.ss_size;
    return 0;
}

static volatile sig_atomic_t probe_on_stack, probe_flags, probe_error;

static void probe_alt_stack(int signal) {
    (void)signal;
    char here;
    probe_on_stack = &here >= alt_stack_area && &here < alt_stack_area + ALT_STACK_SLACK + ALT_STACK_CAPACITY;
    stack_t now, again = {.ss_sp = alt_stack_area + ALT_STACK_SLACK, .ss_flags = 0, .ss_size = ALT_STACK_CAPACITY};
    probe_flags = sigaltstack(NULL, &now) == -1 ? -1 : now.ss_flags;
    probe_error = sigaltstack(&again, NULL) == -1 ? errno : 0;
}

int ipc_alt_stack_handler_probe(int signal_number, int on_stack_flag, int *on_stack, int *flags_inside, int *error_inside) {
    // A handler (SA_ONSTACK when asked) for signal_number, which the caller has unblocked, then raise: where it ran,
    // what sigaltstack reported inside, and what setting a stack inside gave (0 or its errno).
    struct sigaction action = {0}, previous;
    action.sa_handler = probe_alt_stack;
    action.sa_flags = on_stack_flag ? SA_ONSTACK : 0;
    if (sigaction(signal_number, &action, &previous) == -1) return -1;
    probe_on_stack = probe_flags = probe_error = -1;
    raise(signal_number);
    *on_stack = probe_on_stack;
    *flags_inside = probe_flags;
    *error_inside = probe_error;
    return sigaction(signal_number, &previous, NULL);
}

int ipc_ss_autodisarm(void) { return (int)SS_AUTODISARM; }

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

unsigned long ipc_min_signal_stack_size(void) { return getauxval(AT_MINSIGSTKSZ); }

static volatile sig_atomic_t delivery_probe_ran;
static void delivery_probe_handler(int signal) {
    (void)signal;
    delivery_probe_ran = 1;
}

int ipc_alt_stack_delivery_probe(unsigned long size) {
    // The stack in a fresh mapping behind a guard page: a handler whose frame did not fit and still ran would fault
    // there rather than write over other data. The page-aligned start is what ipc_sigaltstack's area has too
    // (64-aligned): where the kernel rounds the frame down to.
    long page = sysconf(_SC_PAGESIZE);
    unsigned long length = ((size + (unsigned long)page - 1) / (unsigned long)page + 1) * (unsigned long)page;
    char *mapping = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) return -1;
    if (mprotect(mapping, (size_t)page, PROT_NONE) == -1) return -1;
    pid_t child = fork();
    if (child == -1) return -1;
    if (child == 0) {
        stack_t stack = {.ss_sp = mapping + page, .ss_flags = 0, .ss_size = size};
        if (sigaltstack(&stack, NULL) == -1) _exit(100);
        struct sigaction action = {0};
        action.sa_handler = delivery_probe_handler;
        action.sa_flags = SA_ONSTACK;
        sigfillset(&action.sa_mask);
        if (sigaction(SIGUSR2, &action, NULL) == -1) _exit(101);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1) _exit(102);
        raise(SIGUSR2);
        _exit(delivery_probe_ran ? 0 : 103);
    }
    int status;
    while (waitpid(child, &status, 0) == -1) {
        if (errno != EINTR) return -1;
    }
    munmap(mapping, length);
    if (WIFSIGNALED(status)) return WTERMSIG(status);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    errno = EPROTO;
    return -1;
}

#include <linux/aio_abi.h>

int ipc_eventfd_signal_by_aio(int eventfd) {
    aio_context_t context = 0;
    if (syscall(SYS_io_setup, 1, &context) != 0) return -1;
    int file = memfd_create("ipc-aio", MFD_CLOEXEC);
    if (file < 0) {
        int saved = errno;
        syscall(SYS_io_destroy, context);
        errno = saved;
        return -1;
    }
    static char byte[1] = {1};
    struct iocb block;
    memset(&block, 0, sizeof block);
    block.aio_lio_opcode = IOCB_CMD_PWRITE;
    block.aio_fildes = (uint32_t)file;
    block.aio_buf = (uint64_t)(uintptr_t)byte;
    block.aio_nbytes = 1;
    block.aio_flags = IOCB_FLAG_RESFD;
    block.aio_resfd = (uint32_t)eventfd;
    struct iocb *blocks[1] = {&block};
    long submitted = syscall(SYS_io_submit, context, 1, blocks);
    int saved = errno;
    if (submitted == 1) {
        struct io_event event;
        while (syscall(SYS_io_getevents, context, 1, 1, &event, NULL) < 0 && errno == EINTR) {}
    }
    close(file);
    syscall(SYS_io_destroy, context);
    if (submitted != 1) {
        errno = saved;
        return -1;
    }
    return 0;
}
