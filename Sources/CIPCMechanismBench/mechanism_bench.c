// The loops of `ipc-harness bench mechanisms` (see the header). C because a loop that times one system call must
// not also time a Swift array's allocation, retain/release or a protocol's dynamic dispatch, and because the
// ring's payload copy must be memcpy, as a user's shared-memory channel would do it.
#include "ipc_mechanism_bench.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

uint64_t ipcmb_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

int64_t ipcmb_result_index(const ipcmb_plan *plan, int32_t index) {
    return (int64_t)index * (plan->latency_messages + 1);
}

uint64_t *ipcmb_results(ipcmb_control *control) { return (uint64_t *)(control + 1); }

int64_t ipcmb_control_bytes(const ipcmb_plan *plan) {
    int64_t bytes = (int64_t)sizeof(ipcmb_control) + 8 * ipcmb_result_index(plan, plan->size_count);
    return (bytes + 4095) / 4096 * 4096;
}

int32_t ipcmb_throughput_count(const ipcmb_plan *plan, int32_t index) {
    int64_t size = plan->sizes[index] * plan->batch;
    int64_t count = plan->throughput_bytes / (size > 0 ? size : 1);
    if (count > plan->throughput_messages) count = plan->throughput_messages;
    if (count < 16) count = 16;
    return (int32_t)count;
}

void *ipcmb_map(int fd, int64_t bytes) {
    void *address = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return address == MAP_FAILED ? NULL : address;
}

void ipcmb_unmap(void *address, int64_t bytes) { munmap(address, (size_t)bytes); }

int ipcmb_pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : errno;
}

int ipcmb_allowed_cpus(int *cpus, int capacity) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    int count = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && count < capacity; cpu++) {
        if (CPU_ISSET(cpu, &set)) cpus[count++] = cpu;
    }
    return count;
}

// MARK: the calls measured, made as raw system calls
//
// Executables that link IPCHarnessWorker (the CLI and the worker) carry the harness's interposer, whose `read`,
// `write`, `send`, `mq_send`, `msgsnd`... consult the fault plan before calling libc's: the bench calls the kernel
// directly so that it times the mechanism and not that hook.

static inline ssize_t raw_read(int fd, void *bytes, size_t count) { return syscall(SYS_read, fd, bytes, count); }
static inline ssize_t raw_write(int fd, const void *bytes, size_t count) {
    return syscall(SYS_write, fd, bytes, count);
}
static inline ssize_t raw_send(int fd, const void *bytes, size_t count) {
    return syscall(SYS_sendto, fd, bytes, count, 0, NULL, 0);
}
static inline ssize_t raw_recv(int fd, void *bytes, size_t count) {
    return syscall(SYS_recvfrom, fd, bytes, count, 0, NULL, NULL);
}
static inline int raw_mq_send(mqd_t queue, const void *bytes, size_t count) {
    return (int)syscall(SYS_mq_timedsend, queue, bytes, count, 0, NULL);
}
static inline ssize_t raw_mq_receive(mqd_t queue, void *bytes, size_t count) {
    return syscall(SYS_mq_timedreceive, queue, bytes, count, NULL, NULL);
}
static inline int raw_msgsnd(int id, const void *message, size_t count) {
    return (int)syscall(SYS_msgsnd, id, message, count, 0);
}
static inline ssize_t raw_msgrcv(int id, void *message, size_t count) {
    return syscall(SYS_msgrcv, id, message, count, 0L, 0);
}

// MARK: waiting

static inline void relax(void) { __builtin_ia32_pause(); }

/// Spins until *word >= target; after a while yields the CPU each round, so that on a machine with fewer free
/// cores than processes the other side still runs.
static int wait_at_least(const int32_t *abandoned, const uint64_t *word, uint64_t target) {
    unsigned spins = 0;
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) < target) {
        if (abandoned && __atomic_load_n(abandoned, __ATOMIC_ACQUIRE)) return ECHILD;
        if (++spins < 4096) relax(); else sched_yield();
    }
    return 0;
}

void ipcmb_abandon(ipcmb_control *control) { __atomic_store_n(&control->abandoned, 1, __ATOMIC_RELEASE); }

static int futex_wait(uint32_t *word, uint32_t expected) {
    return (int)syscall(SYS_futex, word, FUTEX_WAIT, expected, NULL, NULL, 0);
}

static int futex_wake(uint32_t *word) {
    return (int)syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

// MARK: the ring (SPSC, slots of a length word and the payload; tail and head on separate cache lines)

typedef struct ring {
    uint8_t *base;
    int64_t slot_bytes;
    int32_t slots;
    int polling;
} ring;

// Offsets in the region: tail (producer), head (consumer), the consumer's "asleep" flag, the head a sleeping
// producer waits for (0: it is not asleep).
enum { RING_TAIL = 0, RING_HEAD = 64, RING_CONSUMER_ASLEEP = 128, RING_PRODUCER_WANTS = 192, RING_SLOTS = 256 };

static inline uint64_t *ring_word(const ring *r, int offset) { return (uint64_t *)(r->base + offset); }
static inline uint8_t *ring_slot(const ring *r, uint64_t sequence) {
    return r->base + RING_SLOTS + (int64_t)(sequence % (uint64_t)r->slots) * (r->slot_bytes + 8);
}

/// Waits until the word at `offset` differs from `value`: polls, or (not polling) raises the flag at `flag` and
/// sleeps on the word's futex. The flag and the word are read and written sequentially consistently on both
/// sides, so a waker either sees the flag or the waiter sees the new value before it sleeps.
static void ring_wait_change(const ring *r, int offset, uint64_t value, int flag) {
    uint64_t *word = ring_word(r, offset);
    unsigned spins = 0;
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value) {
        if (r->polling) {
            if (++spins < 4096) relax(); else sched_yield();
            continue;
        }
        __atomic_store_n(ring_word(r, flag), 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(word, __ATOMIC_SEQ_CST) == value) futex_wait((uint32_t *)word, (uint32_t)value);
        __atomic_store_n(ring_word(r, flag), 0, __ATOMIC_RELAXED);
    }
}

static void ring_notify(const ring *r, int offset, int flag) {
    if (r->polling) return;
    if (__atomic_load_n(ring_word(r, flag), __ATOMIC_SEQ_CST)) futex_wake((uint32_t *)ring_word(r, offset));
}

/// Waits until `count` slots are free. A sleeping producer asks to be woken only once half the ring (or its batch,
/// if larger) is free, by writing the head it waits for: a consumer that woke it for every message taken would
/// cost a wake-up and a context switch per message, and measure that instead of the ring.
static void ring_wait_space(const ring *r, uint64_t tail, int count) {
    uint64_t *head_word = ring_word(r, RING_HEAD);
    uint64_t *wants = ring_word(r, RING_PRODUCER_WANTS);
    unsigned spins = 0;
    for (;;) {
        uint64_t head = __atomic_load_n(head_word, __ATOMIC_ACQUIRE);
        if (tail + (uint64_t)count - head <= (uint64_t)r->slots) return;
        if (r->polling || ++spins < 64) {
            relax();
            continue;
        }
        uint64_t need = tail + (uint64_t)count - (uint64_t)r->slots;
        uint64_t half = tail - (uint64_t)r->slots / 2;
        uint64_t want = need > half ? need : half;
        __atomic_store_n(wants, want, __ATOMIC_SEQ_CST);
        head = __atomic_load_n(head_word, __ATOMIC_SEQ_CST);
        if (head < want) futex_wait((uint32_t *)head_word, (uint32_t)head);
        __atomic_store_n(wants, 0, __ATOMIC_RELAXED);
    }
}

/// Writes `count` messages of `size` bytes from `payload` and publishes them with one tail store and one wake.
static void ring_send(const ring *r, const uint8_t *payload, int64_t size, int count) {
    uint64_t tail = __atomic_load_n(ring_word(r, RING_TAIL), __ATOMIC_RELAXED);
    ring_wait_space(r, tail, count);
    for (int i = 0; i < count; i++) {
        uint8_t *slot = ring_slot(r, tail + (uint64_t)i);
        memcpy(slot, &size, 8);
        memcpy(slot + 8, payload + (int64_t)i * size, (size_t)size);
    }
    __atomic_store_n(ring_word(r, RING_TAIL), tail + (uint64_t)count, __ATOMIC_SEQ_CST);
    ring_notify(r, RING_TAIL, RING_CONSUMER_ASLEEP);
}

/// Takes the messages waiting, at most `most`, into `buffer` one after another (each `size` bytes, checked), and
/// gives their slots back with one head store: a batch is consumed as it was published, as one read of a pipe
/// takes a whole batch. Waits (asleep, or polling) while the ring is empty. The number taken, or -1 for a
/// message of another size.
static int ring_receive(const ring *r, uint8_t *buffer, int64_t size, int most) {
    uint64_t head = __atomic_load_n(ring_word(r, RING_HEAD), __ATOMIC_RELAXED);
    uint64_t tail;
    while ((tail = __atomic_load_n(ring_word(r, RING_TAIL), __ATOMIC_ACQUIRE)) == head) {
        ring_wait_change(r, RING_TAIL, head, RING_CONSUMER_ASLEEP);
    }
    int taken = tail - head < (uint64_t)most ? (int)(tail - head) : most;
    for (int i = 0; i < taken; i++) {
        uint8_t *slot = ring_slot(r, head + (uint64_t)i);
        int64_t length;
        memcpy(&length, slot, 8);
        if (length != size) return -1;
        memcpy(buffer + (int64_t)i * size, slot + 8, (size_t)size);
    }
    __atomic_store_n(ring_word(r, RING_HEAD), head + (uint64_t)taken, __ATOMIC_SEQ_CST);
    if (!r->polling) {
        uint64_t wants = __atomic_load_n(ring_word(r, RING_PRODUCER_WANTS), __ATOMIC_SEQ_CST);
        if (wants && head + (uint64_t)taken >= wants) futex_wake((uint32_t *)ring_word(r, RING_HEAD));
    }
    return taken;
}

// MARK: the hybrid channel's shared buffers: a state line per buffer (0 free, 1 in use), then the buffers.

static inline uint64_t *hybrid_state(uint8_t *region, int buffer) { return (uint64_t *)(region + 64 * buffer); }
static inline uint8_t *hybrid_buffer(uint8_t *region, const ipcmb_plan *plan, int buffer) {
    return region + 64 * plan->slots + (int64_t)buffer * (plan->slot_bytes + 8);
}

// MARK: whole transfers on descriptors

static int write_all(int fd, const uint8_t *bytes, int64_t count) {
    while (count > 0) {
        ssize_t written = raw_write(fd, bytes, (size_t)count);
        if (written < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        bytes += written;
        count -= written;
    }
    return 0;
}

static int read_all(int fd, uint8_t *bytes, int64_t count) {
    while (count > 0) {
        ssize_t got = raw_read(fd, bytes, (size_t)count);
        if (got < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (got == 0) return EPIPE;
        bytes += got;
        count -= got;
    }
    return 0;
}

// MARK: one side's state

typedef struct side {
    const ipcmb_plan *plan;
    int fd[2];
    mqd_t queue;
    uint8_t *region;
    ring ring;
    uint8_t *buffer;      // payloads (the sender's: `batch` messages; the receiver's: one batch)
    int64_t buffer_bytes;
    int next_buffer;      // hybrid: the buffer to try first
    uint64_t surplus;     // eventfd: writes already counted by a read, for the next batch
} side;

static int64_t largest_size(const ipcmb_plan *plan) {
    int64_t largest = 8;
    for (int i = 0; i < plan->size_count; i++) if (plan->sizes[i] > largest) largest = plan->sizes[i];
    return largest;
}

static int open_side(side *s, const ipcmb_plan *plan, const int fds[2], int region_fd, int sending) {
    memset(s, 0, sizeof *s);
    s->plan = plan;
    s->fd[0] = fds[0];
    s->fd[1] = fds[1];
    s->queue = (mqd_t)-1;
    s->buffer_bytes = 16 + 9 + largest_size(plan) * plan->batch;
    s->buffer = aligned_alloc(64, (size_t)((s->buffer_bytes + 63) / 64 * 64));
    if (!s->buffer) return ENOMEM;
    memset(s->buffer, 0x5a, (size_t)s->buffer_bytes);
    switch (plan->mechanism) {
    case IPCMB_FIFO:
        if (s->fd[0] < 0) {
            s->fd[0] = open(plan->name, (sending ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
            if (s->fd[0] < 0) return errno;
        }
        break;
    case IPCMB_POSIX_MQ:
        s->queue = mq_open(plan->name, (sending ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
        if (s->queue == (mqd_t)-1) return errno;
        break;
    case IPCMB_RING:
    case IPCMB_RING_POLLING:
    case IPCMB_HYBRID:
        s->region = ipcmb_map(region_fd, plan->region_bytes);
        if (!s->region) return errno;
        s->ring = (ring){s->region, plan->slot_bytes, plan->slots, plan->mechanism == IPCMB_RING_POLLING};
        break;
    default:
        break;
    }
    return 0;
}

static void close_side(side *s) {
    if (s->queue != (mqd_t)-1) mq_close(s->queue);
    if (s->region) ipcmb_unmap(s->region, s->plan->region_bytes);
    free(s->buffer);
}

/// Sends one batch of `count` messages of `size` bytes (already in s->buffer).
static int send_batch(side *s, int64_t size, int count) {
    const ipcmb_plan *plan = s->plan;
    int64_t bytes = size * count;
    switch (plan->mechanism) {
    case IPCMB_PIPE:
    case IPCMB_FIFO:
    case IPCMB_STREAM:
        return write_all(s->fd[0], s->buffer, bytes);
    case IPCMB_DATAGRAM:
    case IPCMB_SEQPACKET:
        for (int i = 0; i < count; i++) {
            while (raw_send(s->fd[0], s->buffer + (int64_t)i * size, (size_t)size) < 0) {
                if (errno != EINTR) return errno;
            }
        }
        return 0;
    case IPCMB_POSIX_MQ:
        for (int i = 0; i < count; i++) {
            while (raw_mq_send(s->queue, (const char *)s->buffer + (int64_t)i * size, (size_t)size) != 0) {
                if (errno != EINTR) return errno;
            }
        }
        return 0;
    case IPCMB_SYSV_MSG:
        // The buffer starts with the message type (a long), the payload right after it.
        for (int i = 0; i < count; i++) {
            long type = 1;
            memcpy(s->buffer, &type, sizeof type);
            while (raw_msgsnd(plan->sysv_id, s->buffer, (size_t)size) != 0) {
                if (errno != EINTR) return errno;
            }
        }
        return 0;
    case IPCMB_EVENTFD:
        for (int i = 0; i < count; i++) {
            uint64_t one = 1;
            if (raw_write(s->fd[0], &one, 8) != 8) return errno;
        }
        return 0;
    case IPCMB_RING:
    case IPCMB_RING_POLLING:
        ring_send(&s->ring, s->buffer, size, count);
        return 0;
    case IPCMB_HYBRID:
        for (int i = 0; i < count; i++) {
            uint8_t header[9];
            if (size <= plan->threshold) {
                // Inline: kind 0, the length (8 bytes), then the payload, in one write.
                uint8_t *message = s->buffer + s->buffer_bytes - 9 - size;
                message[0] = 0;
                memcpy(message + 1, &size, 8);
                int error = write_all(s->fd[0], message, 9 + size);
                if (error) return error;
                continue;
            }
            int buffer = s->next_buffer;
            unsigned spins = 0;
            while (__atomic_load_n(hybrid_state(s->region, buffer), __ATOMIC_ACQUIRE) != 0) {
                buffer = (buffer + 1) % plan->slots;
                if (++spins < 4096) relax(); else sched_yield();
            }
            s->next_buffer = (buffer + 1) % plan->slots;
            __atomic_store_n(hybrid_state(s->region, buffer), 1, __ATOMIC_RELAXED);
            uint8_t *target = hybrid_buffer(s->region, plan, buffer);
            memcpy(target, &size, 8);
            memcpy(target + 8, s->buffer + (int64_t)i * size, (size_t)size);
            // The notification: kind 1 and the buffer's offset in the region (never a pointer). The pipe's
            // write orders the buffer's stores before the receiver's read.
            uint64_t offset = (uint64_t)(target - s->region);
            header[0] = 1;
            memcpy(header + 1, &offset, 8);
            int error = write_all(s->fd[0], header, 9);
            if (error) return error;
        }
        return 0;
    default:
        return EINVAL;
    }
}

/// Receives one batch of `count` messages of `size` bytes into s->buffer.
static int receive_batch(side *s, int64_t size, int count) {
    const ipcmb_plan *plan = s->plan;
    switch (plan->mechanism) {
    case IPCMB_PIPE:
    case IPCMB_FIFO:
    case IPCMB_STREAM:
        return read_all(s->fd[0], s->buffer, size * count);
    case IPCMB_DATAGRAM:
    case IPCMB_SEQPACKET:
        for (int i = 0; i < count; i++) {
            ssize_t got;
            while ((got = raw_recv(s->fd[0], s->buffer, (size_t)size)) < 0) {
                if (errno != EINTR) return errno;
            }
            if (got != size) return EMSGSIZE;
        }
        return 0;
    case IPCMB_POSIX_MQ:
        for (int i = 0; i < count; i++) {
            ssize_t got;
            while ((got = raw_mq_receive(s->queue, (char *)s->buffer, (size_t)s->buffer_bytes)) < 0) {
                if (errno != EINTR) return errno;
            }
            if (got != size) return EMSGSIZE;
        }
        return 0;
    case IPCMB_SYSV_MSG:
        for (int i = 0; i < count; i++) {
            ssize_t got;
            while ((got = raw_msgrcv(plan->sysv_id, s->buffer, (size_t)(s->buffer_bytes - 8))) < 0) {
                if (errno != EINTR) return errno;
            }
            if (got != size) return EMSGSIZE;
        }
        return 0;
    case IPCMB_EVENTFD: {
        // The counter adds up writes not yet read: read until `count` have been seen.
        uint64_t seen = s->surplus;
        while (seen < (uint64_t)count) {
            uint64_t value;
            if (raw_read(s->fd[0], &value, 8) != 8) {
                if (errno == EINTR) continue;
                return errno;
            }
            seen += value;
        }
        s->surplus = seen - (uint64_t)count;
        return 0;
    }
    case IPCMB_RING:
    case IPCMB_RING_POLLING:
        for (int taken = 0; taken < count;) {
            int got = ring_receive(&s->ring, s->buffer, size, count - taken);
            if (got < 0) return EMSGSIZE;
            taken += got;
        }
        return 0;
    case IPCMB_HYBRID:
        for (int i = 0; i < count; i++) {
            uint8_t header[9];
            int error = read_all(s->fd[0], header, 9);
            if (error) return error;
            if (header[0] == 0) {
                int64_t length;
                memcpy(&length, header + 1, 8);
                error = read_all(s->fd[0], s->buffer, length);
                if (error) return error;
                if (length != size) return EMSGSIZE;
                continue;
            }
            uint64_t offset;
            memcpy(&offset, header + 1, 8);
            if (offset + 8 > (uint64_t)plan->region_bytes) return EFAULT;
            int64_t length;
            memcpy(&length, s->region + offset, 8);
            if (length != size) return EMSGSIZE;
            memcpy(s->buffer, s->region + offset + 8, (size_t)length);
            int buffer = (int)((offset - 64 * (uint64_t)plan->slots) / (uint64_t)(plan->slot_bytes + 8));
            __atomic_store_n(hybrid_state(s->region, buffer), 0, __ATOMIC_RELEASE);
        }
        return 0;
    default:
        return EINVAL;
    }
}

// MARK: the two sides
//
// `acknowledged` only grows: the receiver adds one per latency batch taken and one per stream received, so the
// sender, which counts the same way, never mistakes an old value for a new one.

int ipcmb_run_sender(ipcmb_control *control, const int fds[2], int region) {
    const ipcmb_plan *plan = &control->plan;
    side s;
    int error = open_side(&s, plan, fds, region, 1);
    uint64_t expected = 0;
    if (!error) {
        uint64_t ready = 0;
        while (!error && !ready) {
            ready = (uint64_t)__atomic_load_n(&control->receiver_ready, __ATOMIC_ACQUIRE);
            if (__atomic_load_n(&control->abandoned, __ATOMIC_ACQUIRE)) error = ECHILD;
            sched_yield();
        }
        for (int index = 0; index < plan->size_count && !error; index++) {
            int64_t size = plan->sizes[index];
            // Latency: one batch at a time, each after the last was acknowledged.
            for (int message = 0; message < plan->latency_messages && !error; message++) {
                __atomic_store_n(&control->sent_at, ipcmb_now(), __ATOMIC_RELEASE);
                error = send_batch(&s, size, plan->batch);
                if (!error) error = wait_at_least(&control->abandoned, &control->acknowledged, ++expected);
                uint64_t until = ipcmb_now() + (uint64_t)plan->pause_ns;
                while (!error && ipcmb_now() < until) relax();
            }
            if (error) break;
            // Throughput: the stream goes back to back; the receiver stamps its end.
            int32_t count = ipcmb_throughput_count(plan, index);
            __atomic_store_n(&control->stream_start, ipcmb_now(), __ATOMIC_RELEASE);
            for (int32_t batch = 0; batch < count && !error; batch++) error = send_batch(&s, size, plan->batch);
            if (!error) error = wait_at_least(&control->abandoned, &control->acknowledged, ++expected);
        }
    }
    if (error) __atomic_store_n(&control->sender_error, error, __ATOMIC_RELEASE);
    close_side(&s);
    return error;
}

int ipcmb_run_receiver(ipcmb_control *control, const int fds[2], int region) {
    const ipcmb_plan *plan = &control->plan;
    if (plan->receiver_cpu >= 0) ipcmb_pin(plan->receiver_cpu);
    side s;
    int error = open_side(&s, plan, fds, region, 0);
    if (!error) {
        __atomic_store_n(&control->receiver_ready, 1, __ATOMIC_RELEASE);
        for (int index = 0; index < plan->size_count && !error; index++) {
            int64_t size = plan->sizes[index];
            uint64_t *results = ipcmb_results(control) + ipcmb_result_index(plan, index);
            for (int message = 0; message < plan->latency_messages && !error; message++) {
                error = receive_batch(&s, size, plan->batch);
                uint64_t now = ipcmb_now();
                results[message] = now - __atomic_load_n(&control->sent_at, __ATOMIC_ACQUIRE);
                __atomic_fetch_add(&control->acknowledged, 1, __ATOMIC_RELEASE);
            }
            if (error) break;
            int32_t count = ipcmb_throughput_count(plan, index);
            for (int32_t batch = 0; batch < count && !error; batch++) error = receive_batch(&s, size, plan->batch);
            uint64_t end = ipcmb_now();
            results[plan->latency_messages] = end - __atomic_load_n(&control->stream_start, __ATOMIC_ACQUIRE);
            __atomic_fetch_add(&control->acknowledged, 1, __ATOMIC_RELEASE);
        }
    }
    if (error) __atomic_store_n(&control->receiver_error, error, __ATOMIC_RELEASE);
    close_side(&s);
    return error;
}

// MARK: creating the objects

int ipcmb_create(ipcmb_plan *plan, ipcmb_endpoints *e) {
    e->sender[0] = e->sender[1] = e->receiver[0] = e->receiver[1] = e->region = -1;
    int fds[2];
    switch (plan->mechanism) {
    case IPCMB_PIPE:
    case IPCMB_HYBRID:
        if (pipe2(fds, O_CLOEXEC) != 0) return errno;
        e->receiver[0] = fds[0];
        e->sender[0] = fds[1];
        break;
    case IPCMB_FIFO:
        // Both ends open by name, each in its own process (the open of one end waits for the other).
        if (mkfifo(plan->name, 0600) != 0) return errno;
        break;
    case IPCMB_STREAM:
    case IPCMB_DATAGRAM:
    case IPCMB_SEQPACKET: {
        int type = plan->mechanism == IPCMB_STREAM ? SOCK_STREAM
            : plan->mechanism == IPCMB_DATAGRAM ? SOCK_DGRAM : SOCK_SEQPACKET;
        if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0) return errno;
        e->sender[0] = fds[0];
        e->receiver[0] = fds[1];
        break;
    }
    case IPCMB_POSIX_MQ: {
        // The largest message the plan sends, ten of them (the default limit of queued messages).
        struct mq_attr attributes = {0};
        attributes.mq_maxmsg = 10;
        attributes.mq_msgsize = (long)largest_size(plan);
        mqd_t queue = mq_open(plan->name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attributes);
        if (queue == (mqd_t)-1) return errno;
        mq_close(queue);
        break;
    }
    case IPCMB_SYSV_MSG:
        break;  // created by the caller with its key (the ledger records keys)
    case IPCMB_EVENTFD: {
        int fd = eventfd(0, EFD_CLOEXEC);
        if (fd < 0) return errno;
        e->sender[0] = fd;
        e->receiver[0] = fd;
        break;
    }
    default:
        break;
    }
    if (plan->mechanism == IPCMB_RING || plan->mechanism == IPCMB_RING_POLLING || plan->mechanism == IPCMB_HYBRID) {
        int fd = (int)syscall(SYS_memfd_create, "ipch-mechanism-bench", MFD_CLOEXEC);
        if (fd < 0) return errno;
        if (ftruncate(fd, plan->region_bytes) != 0) {
            int error = errno;
            close(fd);
            return error;
        }
        e->region = fd;
    }
    return 0;
}

int ipcmb_probe(int mechanism, int64_t size) {
    if (mechanism == IPCMB_EVENTFD) return size == 8 ? 0 : EINVAL;
    if (mechanism != IPCMB_DATAGRAM && mechanism != IPCMB_SEQPACKET) return 0;
    int fds[2];
    if (socketpair(AF_UNIX, (mechanism == IPCMB_DATAGRAM ? SOCK_DGRAM : SOCK_SEQPACKET) | SOCK_CLOEXEC, 0, fds) != 0) {
        return errno;
    }
    uint8_t *bytes = calloc(1, (size_t)size);
    int error = 0;
    if (!bytes) error = ENOMEM;
    else if (send(fds[0], bytes, (size_t)size, MSG_DONTWAIT) < 0) error = errno;
    free(bytes);
    close(fds[0]);
    close(fds[1]);
    return error;
}

int ipcmb_probe_message_queue(const char *name, int64_t size) {
    struct mq_attr attributes = {0};
    attributes.mq_maxmsg = 10;
    attributes.mq_msgsize = (long)size;
    mqd_t queue = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attributes);
    if (queue == (mqd_t)-1) return errno;
    mq_close(queue);
    mq_unlink(name);
    return 0;
}

int ipcmb_probe_sysv(int id, int64_t size) {
    uint8_t *message = calloc(1, (size_t)size + sizeof(long));
    if (!message) return ENOMEM;
    long type = 1;
    memcpy(message, &type, sizeof type);
    int error = 0;
    if (msgsnd(id, message, (size_t)size, IPC_NOWAIT) != 0) error = errno;
    else msgrcv(id, message, (size_t)size, 0, IPC_NOWAIT);
    free(message);
    return error;
}

int ipcmb_create_sysv(int key) { return msgget((key_t)key, IPC_CREAT | IPC_EXCL | 0600); }

// MARK: false sharing

enum { SHARING_READY = 512, SHARING_SLOTS = 1024, SHARING_CAPACITY = 1024 };

uint64_t ipcmb_false_sharing_produce(void *region, int gap, int64_t messages) {
    uint8_t *base = region;
    uint64_t *tail = (uint64_t *)base;
    uint64_t *head = (uint64_t *)(base + gap);
    uint64_t *slots = (uint64_t *)(base + SHARING_SLOTS);
    wait_at_least(NULL, (uint64_t *)(base + SHARING_READY), 1);
    uint64_t start = ipcmb_now();
    for (int64_t sequence = 0; sequence < messages; sequence++) {
        // Reads the consumer's index at every message, as the naive ring does (no cached copy).
        while ((uint64_t)sequence - __atomic_load_n(head, __ATOMIC_ACQUIRE) >= SHARING_CAPACITY) relax();
        slots[sequence % SHARING_CAPACITY] = (uint64_t)sequence;
        __atomic_store_n(tail, (uint64_t)sequence + 1, __ATOMIC_RELEASE);
    }
    wait_at_least(NULL, head, (uint64_t)messages);
    return ipcmb_now() - start;
}

int64_t ipcmb_false_sharing_consume(void *region, int gap, int64_t messages) {
    uint8_t *base = region;
    uint64_t *tail = (uint64_t *)base;
    uint64_t *head = (uint64_t *)(base + gap);
    uint64_t *slots = (uint64_t *)(base + SHARING_SLOTS);
    __atomic_store_n((uint64_t *)(base + SHARING_READY), 1, __ATOMIC_RELEASE);
    int64_t wrong = 0;
    for (int64_t sequence = 0; sequence < messages; sequence++) {
        while (__atomic_load_n(tail, __ATOMIC_ACQUIRE) == (uint64_t)sequence) relax();
        if (slots[sequence % SHARING_CAPACITY] != (uint64_t)sequence) wrong++;
        __atomic_store_n(head, (uint64_t)sequence + 1, __ATOMIC_RELEASE);
    }
    return wrong;
}

uint64_t ipcmb_counter_run(void *region, int offset, int64_t increments) {
    uint8_t *base = region;
    uint64_t *word = (uint64_t *)(base + offset);
    uint64_t *ready = (uint64_t *)(base + SHARING_READY);
    __atomic_fetch_add(ready, 1, __ATOMIC_ACQ_REL);
    wait_at_least(NULL, ready, 2);
    uint64_t start = ipcmb_now();
    for (int64_t i = 0; i < increments; i++) __atomic_store_n(word, __atomic_load_n(word, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
    return ipcmb_now() - start;
}
