// Batched socket calls: sendmmsg(2) and recvmmsg(2), GNU calls whose `struct mmsghdr` Swift's Glibc module does not
// see, and the flags they and the Unix socket options take. No system header is included here (see CIPCShims.h).
#ifndef IPC_BATCHES_H
#define IPC_BATCHES_H

#include <stddef.h>

/// sendmmsg(fd, vector, vlen, flags) of `count` messages, message i the `lengths[i]` bytes that follow message i − 1
/// in `data`, each to `address` (`addressLength` bytes; NULL: none); `vlen` is passed as given (it may exceed
/// `count` only when `data` is NULL, which passes a NULL vector). Each sent message's msg_len goes to `sent[i]`.
int ipc_send_messages(
    int fd, const void *data, const size_t *lengths, unsigned count, unsigned vlen, const void *address,
    int addressLength, unsigned *sent, int flags);

/// recvmmsg(fd, vector, vlen, flags, timeout) into `count` buffers of `size` bytes laid end to end in `buffers`,
/// `vlen` passed as given (`buffers` NULL passes a NULL vector). Entry i's msg_len goes to `lengths[i]`, its
/// msg_flags to `messageFlags[i]`, its sender's address to `addresses` + i × ipc_unix_address_capacity() with its
/// length in `addressLengths[i]` (`addresses` NULL: none asked), and, with `control` not NULL, `controlSize` bytes of
/// control room for it at `control` + i × `controlSize` with the length the kernel left in `controlLengths[i]`.
/// `timeout` NULL passes none, else a timespec of `timeout[0]` seconds and `timeout[1]` nanoseconds.
int ipc_receive_messages(
    int fd, void *buffers, size_t size, unsigned count, unsigned vlen, unsigned *lengths, int *messageFlags,
    void *addresses, int *addressLengths, void *control, size_t controlSize, size_t *controlLengths,
    const long *timeout, int flags);

/// MSG_WAITFORONE and MSG_ERRQUEUE.
int ipc_msg_waitforone(void);
int ipc_msg_errqueue(void);

/// SO_PASSPIDFD, SO_PEERPIDFD and SCM_PIDFD (values from the kernel's uapi when the C library lacks them).
int ipc_so_passpidfd(void);
int ipc_so_peerpidfd(void);

/// The pidfd of the first SCM_PIDFD message in `control` (msg_controllen `length`), or -1 when there is none.
int ipc_scm_pidfd_unpack(void *control, size_t length);

/// The `Pid:` line of /proc/self/fdinfo/<pidfd>: the process the pidfd refers to, -1 once it was reaped, or -2 when
/// the line is missing (not a pidfd).
int ipc_pidfd_pid(int pidfd);

/// getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD) with a full-size option: the new pidfd, or -1 with errno.
int ipc_peer_pidfd(int fd);

/// In a forked child: send(fd, data, length, MSG_NOSIGNAL), then _exit (0 when it sent all). Returns the child's pid
/// (not waited for: the caller reaps it with ipc_reap), or -1 with errno.
int ipc_child_send(int fd, const void *data, size_t length);

/// In a forked child: makes a stream socketpair and sends its first end over `fd` (SCM_RIGHTS, one byte), then _exit
/// (0 when sent). Returns the child's pid, not waited for (ipc_reap), or -1 with errno.
int ipc_child_pass_new_pair(int fd);

/// waitpid(pid): the child's exit status, 128 if it did not exit, -1 when the wait failed.
int ipc_reap(int pid);

#endif
