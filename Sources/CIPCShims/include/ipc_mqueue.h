// POSIX message queues: <mqueue.h> is not in Swift's Glibc module, and mq_open is variadic.
#ifndef IPC_MQUEUE_H
#define IPC_MQUEUE_H

#include <stddef.h>

/// mq_open(name, oflag | O_CREAT, mode, &attr) with mq_maxmsg and mq_msgsize set; returns the descriptor.
int ipc_mq_create(const char *name, int oflag, unsigned int mode, long maxmsg, long msgsize);
/// mq_open(name, oflag | O_CREAT, mode, NULL): a new queue with the kernel's default attributes.
int ipc_mq_create_default(const char *name, int oflag, unsigned int mode);
/// mq_open(name, oflag) of an existing queue.
int ipc_mq_open(const char *name, int oflag);
/// mq_send(2).
int ipc_mq_send(int mqdes, const char *bytes, size_t length, unsigned int priority);
/// mq_receive(2).
long ipc_mq_receive(int mqdes, char *buffer, size_t length, unsigned int *priority);
struct timespec;
/// mq_timedsend(2): mq_send with an absolute CLOCK_REALTIME deadline (NULL: none).
int ipc_mq_timedsend(int mqdes, const char *bytes, size_t length, unsigned int priority, const struct timespec *deadline);
/// mq_timedreceive(2): mq_receive with an absolute CLOCK_REALTIME deadline (NULL: none).
long ipc_mq_timedreceive(int mqdes, char *buffer, size_t length, unsigned int *priority, const struct timespec *deadline);
/// mq_unlink(2).
int ipc_mq_unlink(const char *name);
/// mq_close(3).
int ipc_mq_close(int mqdes);
/// mq_getattr(2), field by field.
int ipc_mq_getattr(int mqdes, long *flags, long *maxmsg, long *msgsize, long *curmsgs);
/// mq_setattr(2) of mq_flags (only O_NONBLOCK is settable); the old mq_flags into `old` (when not NULL).
int ipc_mq_setflags(int mqdes, long flags, long *old);
/// mq_notify(3): with `signo` > 0, register for notification by that signal (SIGEV_SIGNAL); with -1, register
/// with SIGEV_NONE (nothing is sent; the registration is still used up); with 0, NULL (remove the caller's
/// registration). `value` is the signal's `sigev_value.sival_int`.
int ipc_mq_notify(int mqdes, int signo, int value);
/// mq_notify(3) with a raw `sigev_notify` of `how` and `sigev_signo` of `signo` (the kernel refuses any `how` but
/// SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD; with SIGEV_SIGNAL, any signal 0 through 64).
int ipc_mq_notify_raw(int mqdes, int how, int signo);
/// mq_notify(3) with SIGEV_THREAD: glibc's helper runs, in a new thread, a function that adds 1 to *counter.
int ipc_mq_notify_thread(int mqdes, long *counter);
/// The count ipc_mq_notify_thread's function has reached (an atomic load).
long ipc_mq_thread_notifications(long *counter);
/// mq_notify(3) with SIGEV_THREAD and sigev_value.sival_int `value`: glibc's helper runs, in a new thread, a function
/// that logs the sival_int it was given (one log per process, the first 256 values; ipc_mq_thread_values reads it).
int ipc_mq_notify_thread_value(int mqdes, int value);
/// How many ipc_mq_notify_thread_value functions have run; the values they received, in the order they ran, into
/// `values` (at most `max`).
long ipc_mq_thread_values(int *values, long max);
/// A log of the values SIGEV_THREAD functions registered by ipc_mq_notify_thread_logged were given (never freed:
/// a helper thread may still run a function for it).
struct ipc_mq_thread_log;
struct ipc_mq_thread_log *ipc_mq_thread_log_new(void);
/// mq_notify(3) with SIGEV_THREAD: the function, run in a new thread some time after, is given (sigev_value.sival_ptr)
/// a record naming `log` and `value`, and appends `value` to `log`.
int ipc_mq_notify_thread_logged(int mqdes, struct ipc_mq_thread_log *log, int value);
/// How many values `log` holds; the first `max` of them, in the order the functions ran, into `values`.
long ipc_mq_thread_log_read(struct ipc_mq_thread_log *log, int *values, long max);

#endif
