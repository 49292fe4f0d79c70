#include "ipc_timers.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void split_itimer(const struct itimerval *value, long *out) {
    out[0] = value->it_value.tv_sec;
    out[1] = value->it_value.tv_usec;
    out[2] = value->it_interval.tv_sec;
    out[3] = value->it_interval.tv_usec;
}

int ipc_setitimer(int which, long value_sec, long value_usec, long interval_sec, long interval_usec, long *old) {
    struct itimerval value = {{interval_sec, interval_usec}, {value_sec, value_usec}}, before;
    int result = (int)syscall(SYS_setitimer, which, &value, old ? &before : NULL);
    if (result == 0 && old) split_itimer(&before, old);
    return result;
}

int ipc_getitimer(int which, long *out) {
    struct itimerval value;
    int result = (int)syscall(SYS_getitimer, which, &value);
    if (result == 0) split_itimer(&value, out);
    return result;
}

int ipc_timer_create(int clock, int notify, int signal, int value, int *id) {
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = notify;
    event.sigev_signo = signal;
    event.sigev_value.sival_int = value;
    if (notify == SIGEV_THREAD_ID) event._sigev_un._tid = gettid();
    timer_t timer;
    if (timer_create((clockid_t)clock, &event, &timer) != 0) return -1;
    if (notify == SIGEV_THREAD) {
        timer_delete(timer);
        *id = -1;
    } else {
        *id = (int)(intptr_t)timer;
    }
    return 0;
}

static void split_spec(const struct itimerspec *value, long *out) {
    out[0] = value->it_value.tv_sec;
    out[1] = value->it_value.tv_nsec;
    out[2] = value->it_interval.tv_sec;
    out[3] = value->it_interval.tv_nsec;
}

int ipc_timer_settime(int id, int flags, long value_sec, long value_nsec, long interval_sec, long interval_nsec, long *old) {
    struct itimerspec value = {{interval_sec, interval_nsec}, {value_sec, value_nsec}}, before;
    int result = (int)syscall(SYS_timer_settime, id, flags, &value, old ? &before : NULL);
    if (result == 0 && old) split_spec(&before, old);
    return result;
}

int ipc_timer_gettime(int id, long *out) {
    struct itimerspec value;
    int result = (int)syscall(SYS_timer_gettime, id, &value);
    if (result == 0) split_spec(&value, out);
    return result;
}

int ipc_timer_getoverrun(int id) { return (int)syscall(SYS_timer_getoverrun, id); }

int ipc_timer_delete(int id) { return (int)syscall(SYS_timer_delete, id); }

int ipc_sigtimedwait_info(const int *signals, int count, long timeout_ms, int *code, int *pid, int *uid, int *timerid,
                          int *overrun, int *value) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    struct timespec timeout = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000};
    int signal = timeout_ms < 0 ? sigwaitinfo(&set, &info) : sigtimedwait(&set, &info, &timeout);
    if (signal < 0) return -1;
    *code = info.si_code;
    *pid = info.si_pid;
    *uid = (int)info.si_uid;
    *timerid = info.si_timerid;
    *overrun = info.si_overrun;
    *value = info.si_value.sival_int;
    return signal;
}
