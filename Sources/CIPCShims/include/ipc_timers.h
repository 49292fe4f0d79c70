// Timer shims for the signal model's timer calls (alarm's ITIMER_REAL, the interval timers, POSIX timers): glibc's
// `__itimer_which_t` and `timer_t` differ by feature macros, and siginfo_t's timer fields are macros.
#ifndef IPC_TIMERS_H
#define IPC_TIMERS_H

/// setitimer(which, {value, interval}, &old): `old` gets {value sec, value usec, interval sec, interval usec}
/// (NULL: none asked). 0, or -1 with errno.
int ipc_setitimer(int which, long value_sec, long value_usec, long interval_sec, long interval_usec, long *old);

/// getitimer(which): `out` as ipc_setitimer's `old`. 0, or -1 with errno.
int ipc_getitimer(int which, long *out);

/// glibc's timer_create(clock, {notify, signal, value}); SIGEV_THREAD_ID (4) targets the calling thread. `*id` gets the
/// kernel's timer id (for SIGEV_THREAD, glibc's own timer, deleted at once: -1). 0, or -1 with errno.
int ipc_timer_create(int clock, int notify, int signal, int value, int *id);

/// timer_settime(id, flags, {value, interval}, &old) by the kernel's id; `old` {value sec, nsec, interval sec, nsec}
/// (NULL: none asked). 0, or -1 with errno.
int ipc_timer_settime(int id, int flags, long value_sec, long value_nsec, long interval_sec, long interval_nsec, long *old);

/// timer_gettime(id): `out` as ipc_timer_settime's `old`. 0, or -1 with errno.
int ipc_timer_gettime(int id, long *out);

/// timer_getoverrun(id): the count, or -1 with errno.
int ipc_timer_getoverrun(int id);

/// timer_delete(id). 0, or -1 with errno.
int ipc_timer_delete(int id);

/// sigtimedwait for `signals[0..<count]` (timeout_ms < 0: sigwaitinfo): the signal, with si_code, si_pid, si_uid and
/// the timer fields si_timerid, si_overrun, si_value.sival_int; or -1 with errno.
int ipc_sigtimedwait_info(const int *signals, int count, long timeout_ms, int *code, int *pid, int *uid, int *timerid,
                          int *overrun, int *value);

#endif
