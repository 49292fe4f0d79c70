#include "ipc_mqueue.h"

#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int ipc_mq_create(const char *name, int oflag, unsigned int mode, long maxmsg, long msgsize) {
    struct mq_attr attr = {0};
    attr.mq_maxmsg = maxmsg;
    attr.mq_msgsize = msgsize;
    return mq_open(name, oflag | O_CREAT, (mode_t)mode, &attr);
}

int ipc_mq_create_default(const char *name, int oflag, unsigned int mode) {
    return mq_open(name, oflag | O_CREAT, (mode_t)mode, NULL);
}

int ipc_mq_open(const char *name, int oflag) { return mq_open(name, oflag); }

int ipc_mq_send(int mqdes, const char *bytes, size_t length, unsigned int priority) {
    return mq_send(mqdes, bytes, length, priority);
}

long ipc_mq_receive(int mqdes, char *buffer, size_t length, unsigned int *priority) {
    return mq_receive(mqdes, buffer, length, priority);
}

int ipc_mq_timedsend(int mqdes, const char *bytes, size_t length, unsigned int priority, const struct timespec *deadline) {
    return mq_timedsend(mqdes, bytes, length, priority, deadline);
}

long ipc_mq_timedreceive(int mqdes, char *buffer, size_t length, unsigned int *priority, const struct timespec *deadline) {
    return mq_timedreceive(mqdes, buffer, length, priority, deadline);
}

int ipc_mq_unlink(const char *name) { return mq_unlink(name); }

int ipc_mq_close(int mqdes) { return mq_close(mqdes); }

int ipc_mq_getattr(int mqdes, long *flags, long *maxmsg, long *msgsize, long *curmsgs) {
    struct mq_attr attr;
    int result = mq_getattr(mqdes, &attr);
    if (result == 0) {
        *flags = attr.mq_flags;
        *maxmsg = attr.mq_maxmsg;
        *msgsize = attr.mq_msgsize;
        *curmsgs = attr.mq_curmsgs;
    }
    return result;
}

int ipc_mq_setflags(int mqdes, long flags, long *old) {
    struct mq_attr attr = {0};
    struct mq_attr before = {0};
    attr.mq_flags = flags;
    int result = mq_setattr(mqdes, &attr, &before);
    if (result == 0 && old != NULL) *old = before.mq_flags;
    return result;
}

int ipc_mq_notify(int mqdes, int signo, int value) {
    if (signo == 0) return mq_notify(mqdes, NULL);
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = signo < 0 ? SIGEV_NONE : SIGEV_SIGNAL;
    event.sigev_signo = signo < 0 ? 0 : signo;
    event.sigev_value.sival_int = value;
    return mq_notify(mqdes, &event);
}

int ipc_mq_notify_raw(int mqdes, int how, int signo) {
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = how;
    event.sigev_signo = signo;
    return mq_notify(mqdes, &event);
}

/* mq_notify with SIGEV_THREAD: `function` is given `value`. */
static int ipc_mq_notify_thread_with(int mqdes, void (*function)(union sigval), union sigval value) {
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_THREAD;
    event.sigev_notify_function = function;
    event.sigev_value = value;
    return mq_notify(mqdes, &event);
}

static void ipc_mq_thread_notified(union sigval value) { __atomic_add_fetch((long *)value.sival_ptr, 1, __ATOMIC_SEQ_CST); }

int ipc_mq_notify_thread(int mqdes, long *counter) {
    return ipc_mq_notify_thread_with(mqdes, ipc_mq_thread_notified, (union sigval){.sival_ptr = counter});
}

long ipc_mq_thread_notifications(long *counter) { return __atomic_load_n(counter, __ATOMIC_SEQ_CST); }

/* A log of the values SIGEV_THREAD functions were given, in the order they ran (the first 256; the count goes on). */
struct ipc_mq_thread_log {
    pthread_mutex_t lock;
    long count;
    int values[256];
};

static void ipc_mq_thread_log_append(struct ipc_mq_thread_log *log, int value) {
    pthread_mutex_lock(&log->lock);
    if (log->count < 256) log->values[log->count] = value;
    log->count++;
    pthread_mutex_unlock(&log->lock);
}

long ipc_mq_thread_log_read(struct ipc_mq_thread_log *log, int *values, long max) {
    pthread_mutex_lock(&log->lock);
    long count = log->count;
    for (long index = 0; index < count && index < max && index < 256; index++) values[index] = log->values[index];
    pthread_mutex_unlock(&log->lock);
    return count;
}

/* The process's log of the sival_int itself (ipc_mq_notify_thread_value: what the facts measure). */
static struct ipc_mq_thread_log ipc_mq_thread_values_log = {PTHREAD_MUTEX_INITIALIZER, 0, {0}};

static void ipc_mq_thread_value_received(union sigval value) { ipc_mq_thread_log_append(&ipc_mq_thread_values_log, value.sival_int); }

int ipc_mq_notify_thread_value(int mqdes, int value) {
    return ipc_mq_notify_thread_with(mqdes, ipc_mq_thread_value_received, (union sigval){.sival_int = value});
}

long ipc_mq_thread_values(int *values, long max) { return ipc_mq_thread_log_read(&ipc_mq_thread_values_log, values, max); }

/* A log for each caller (a worker's binding of one queue): the function is given (sigev_value.sival_ptr) a record
   naming the log and the sival_int the trace gave, and logs that value. */
struct ipc_mq_thread_registration {
    struct ipc_mq_thread_log *log;
    int value;
};

static void ipc_mq_thread_logged(union sigval value) {
    struct ipc_mq_thread_registration *registration = value.sival_ptr;
    ipc_mq_thread_log_append(registration->log, registration->value);
    free(registration);
}

struct ipc_mq_thread_log *ipc_mq_thread_log_new(void) {
    struct ipc_mq_thread_log *log = calloc(1, sizeof *log);
    if (log) pthread_mutex_init(&log->lock, NULL);
    return log;
}

int ipc_mq_notify_thread_logged(int mqdes, struct ipc_mq_thread_log *log, int value) {
    struct ipc_mq_thread_registration *registration = malloc(sizeof *registration);
    if (!registration) return -1;
    registration->log = log;
    registration->value = value;
    int result = ipc_mq_notify_thread_with(mqdes, ipc_mq_thread_logged, (union sigval){.sival_ptr = registration});
    if (result != 0) free(registration); /* never registered: no function will get it */
    return result;
}
