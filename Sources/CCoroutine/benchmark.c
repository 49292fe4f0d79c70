#define _GNU_SOURCE
#include "ipc_coroutine.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

// The alternatives to a hand-written switch, measured the same way (a round trip: there and back again), so that
// `ipc-harness bench sim` shows why the simulation uses coroutines.

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static void bounce(void *argument) {
    (void)argument;
    for (;;) ipc_coroutine_yield();
}

double ipc_coroutine_benchmark_switch(long round_trips) {
    ipc_coroutine *coroutine = ipc_coroutine_create(64 * 1024);
    if (coroutine == NULL) return -1;
    ipc_coroutine_start(coroutine, bounce, NULL);
    double start = seconds();
    for (long trip = 0; trip < round_trips; trip++) ipc_coroutine_resume(coroutine);
    double elapsed = seconds() - start;
    ipc_coroutine_destroy(coroutine);
    return elapsed;
}

static ucontext_t main_context, other_context;

static void bounce_context(void) {
    for (;;) swapcontext(&other_context, &main_context);
}

double ipc_coroutine_benchmark_swapcontext(long round_trips) {
    size_t size = 64 * 1024;
    char *stack = malloc(size);
    if (stack == NULL) return -1;
    getcontext(&other_context);
    other_context.uc_stack.ss_sp = stack;
    other_context.uc_stack.ss_size = size;
    other_context.uc_link = NULL;
    makecontext(&other_context, bounce_context, 0);
    double start = seconds();
    for (long trip = 0; trip < round_trips; trip++) swapcontext(&main_context, &other_context);
    double elapsed = seconds() - start;
    free(stack);
    return elapsed;
}

static _Atomic int turn;
static long handoff_trips;

static void wait_while(int value) {
    while (atomic_load(&turn) == value) syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void hand_to(int value) {
    atomic_store(&turn, value);
    syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *other_thread(void *argument) {
    (void)argument;
    for (long trip = 0; trip < handoff_trips; trip++) {
        wait_while(0);
        hand_to(0);
    }
    return NULL;
}

double ipc_coroutine_benchmark_thread_handoff(long round_trips) {
    handoff_trips = round_trips;
    atomic_store(&turn, 0);
    pthread_t thread;
    if (pthread_create(&thread, NULL, other_thread, NULL) != 0) return -1;
    double start = seconds();
    for (long trip = 0; trip < round_trips; trip++) {
        hand_to(1);
        wait_while(1);
    }
    double elapsed = seconds() - start;
    pthread_join(thread, NULL);
    return elapsed;
}
