// The tight loops of `ipc-harness bench mechanisms`: one message sent and received per mechanism, timed with
// clock_gettime(CLOCK_MONOTONIC) (one clock for every CPU, so a stamp taken in the sender is comparable with one
// taken in the receiver), in C so that what is measured is the mechanism and not the caller's allocations. The
// plan (which sizes, how many messages) and the results live in a shared control block that both processes map.
//
// This header includes no system header that would shadow Swift's Glibc overlay.
#ifndef IPC_MECHANISM_BENCH_H
#define IPC_MECHANISM_BENCH_H

#include <stdint.h>

/// The mechanisms, by number (the Swift side names them).
enum {
    IPCMB_PIPE = 0,
    IPCMB_FIFO = 1,
    IPCMB_STREAM = 2,
    IPCMB_DATAGRAM = 3,
    IPCMB_SEQPACKET = 4,
    IPCMB_POSIX_MQ = 5,
    IPCMB_SYSV_MSG = 6,
    IPCMB_EVENTFD = 7,
    /// SPSC ring in shared memory; the consumer sleeps on a futex when the ring is empty (the notification).
    IPCMB_RING = 8,
    /// The same ring with a consumer that polls and never sleeps: the ring without its notification.
    IPCMB_RING_POLLING = 9,
    /// The hybrid channel: messages of at most `threshold` bytes whole through a pipe, larger ones written to a
    /// shared buffer with a 9-byte notification (kind byte, buffer offset) through the pipe. Threshold 0 is the
    /// seed's "shared memory + notification by a copy channel" path alone.
    IPCMB_HYBRID = 10,
};

#define IPCMB_MAX_SIZES 32
#define IPCMB_NAME_BYTES 128

/// What one sender/receiver pair does: for each size in turn, `latency_messages` messages one at a time (the
/// sender waits for the receiver's acknowledgement, in shared memory, before the next), then a stream of
/// throughput messages back to back. `batch` messages go per send call / per notification.
typedef struct ipcmb_plan {
    int32_t mechanism;
    int32_t receiver_cpu;  ///< -1: the receiver is not pinned
    int32_t size_count;
    int32_t batch;
    int64_t sizes[IPCMB_MAX_SIZES];
    int32_t latency_messages;
    int32_t throughput_messages;  ///< at most; fewer for large sizes (see ipcmb_throughput_count)
    int64_t throughput_bytes;     ///< bytes a size's stream carries at most
    int64_t threshold;            ///< the hybrid's T
    int64_t region_bytes;         ///< the shared data region (ring, hybrid buffers)
    int64_t slot_bytes;           ///< the largest message a ring slot or hybrid buffer holds
    int32_t slots;                ///< ring slots / hybrid buffers
    int32_t index_gap;            ///< bytes between the ring's tail and head words (8: one cache line)
    int32_t sysv_id;
    int32_t pause_ns;             ///< latency phase: the sender waits this long after an acknowledgement, so
                                  ///< that the receiver is asleep in its receive call when the next batch comes
    char name[IPCMB_NAME_BYTES];  ///< the FIFO's path or the message queue's name
} ipcmb_plan;

/// The block both processes map (a memory file): the plan, the acknowledgement and timestamps, results. Words
/// written by different processes are padded onto separate cache lines (explicit padding: Swift does not import a
/// struct with _Alignas members).
typedef struct ipcmb_control {
    ipcmb_plan plan;
    uint64_t padding0[8];
    uint64_t acknowledged;   ///< written by the receiver: batches taken plus streams received, only growing
    uint64_t padding1[7];
    uint64_t sent_at;        ///< written by the sender: its stamp for the batch in flight (latency phase)
    uint64_t stream_start;   ///< written by the sender: its stamp before a throughput stream's first send
    uint64_t padding2[6];
    int32_t receiver_ready;
    int32_t receiver_error;  ///< errno of the receiver's failed call, 0 if none
    int32_t sender_error;
    int32_t abandoned;       ///< set by the sender's process when the receiver's has ended
} ipcmb_control;

/// The results, right after the control block's fixed part: for size i, latency_messages latencies in nanoseconds,
/// then the stream's nanoseconds (first send to last receive). (Not a flexible array member: Swift cannot import
/// a struct that has one.)
uint64_t *ipcmb_results(ipcmb_control *control);

/// Marks the receiver gone: the sender's waits end with ECHILD instead of spinning forever.
void ipcmb_abandon(ipcmb_control *control);

/// Bytes of the control block for `plan`.
int64_t ipcmb_control_bytes(const ipcmb_plan *plan);
/// The number of messages of size index `index`'s stream.
int32_t ipcmb_throughput_count(const ipcmb_plan *plan, int32_t index);
/// The offset of size index `index`'s first result.
int64_t ipcmb_result_index(const ipcmb_plan *plan, int32_t index);

/// The descriptors of one pair: the sender's and the receiver's ends (-1 where none), and the shared data region.
typedef struct ipcmb_endpoints {
    int sender[2];
    int receiver[2];
    int region;
} ipcmb_endpoints;

/// Creates the kernel objects of `plan` (named ones by plan->name / plan->sysv_id, which the caller has recorded
/// in the run's ledger; created exclusively with mode 0600). 0, or an errno.
int ipcmb_create(ipcmb_plan *plan, ipcmb_endpoints *endpoints);

/// Runs the sender's side in this process (mapping `control` and the region). 0, or an errno (also in
/// control->sender_error).
int ipcmb_run_sender(ipcmb_control *control, const int fds[2], int region);

/// Runs the receiver's side (in the peer process). 0, or an errno (also in control->receiver_error).
int ipcmb_run_receiver(ipcmb_control *control, const int fds[2], int region);

/// Whether `mechanism` carries one message of `size` bytes as one message, as far as can be told without the
/// named objects: 0, or the errno a send fails with (EMSGSIZE for a datagram too large for the socket buffer,
/// EINVAL for a size that is not the eventfd counter's 8 bytes).
int ipcmb_probe(int mechanism, int64_t size);

/// Creates a POSIX message queue `name` (exclusively, mode 0600) for `size`-byte messages, 10 of them, and removes
/// it again: 0 if the kernel accepts that size, else the errno (EINVAL above msgsize_max without
/// CAP_SYS_RESOURCE; EMFILE past RLIMIT_MSGQUEUE). The caller has recorded `name` in its ledger.
int ipcmb_probe_message_queue(const char *name, int64_t size);

/// Sends one `size`-byte message on the System V queue `id` without waiting and takes it back: 0, or the errno
/// (EINVAL above msgmax).
int ipcmb_probe_sysv(int id, int64_t size);

/// Creates a System V message queue with `key` (exclusively, mode 0600): its id, or -1 with errno.
int ipcmb_create_sysv(int key);

/// Maps `bytes` of the memory file `fd` shared, or NULL with errno.
void *ipcmb_map(int fd, int64_t bytes);
void ipcmb_unmap(void *address, int64_t bytes);

/// Pins the calling thread to `cpu`: 0, or an errno. The corresponding C function is sched_setaffinity.
int ipcmb_pin(int cpu);
/// The CPUs this process may run on, in `cpus` (at most `capacity`); their count, or -1.
int ipcmb_allowed_cpus(int *cpus, int capacity);

/// clock_gettime(CLOCK_MONOTONIC) in nanoseconds.
uint64_t ipcmb_now(void);

/// False sharing: a producer and a consumer (this process and a forked-free peer: run by the caller in two
/// processes) pass `messages` 8-byte messages through a polling ring whose tail and head words are `gap` bytes
/// apart. The producer's side; returns nanoseconds from its first to its last publication or 0.
uint64_t ipcmb_false_sharing_produce(void *region, int gap, int64_t messages);
/// The consumer's side; returns the number of messages whose value was wrong (0 expected).
int64_t ipcmb_false_sharing_consume(void *region, int gap, int64_t messages);

/// The classic false-sharing experiment, for comparison: each of two processes stores `increments` times to its own
/// word at `offset` in `region` (the other's is elsewhere, on the same cache line or not). Both start together (a
/// count at byte 512 of the region); returns this side's nanoseconds.
uint64_t ipcmb_counter_run(void *region, int offset, int64_t increments);

#endif
