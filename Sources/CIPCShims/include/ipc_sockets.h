// Unix-domain socket shims: socket types and flags Swift sees only as enum raw values, the sockaddr_un layout of
// path and abstract names, and the CMSG macros of SCM_RIGHTS. No system header is included here (see CIPCShims.h).
#ifndef IPC_SOCKETS_H
#define IPC_SOCKETS_H

#include <stddef.h>

/// SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET.
int ipc_sock_stream(void);
int ipc_sock_dgram(void);
int ipc_sock_seqpacket(void);

/// socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds).
int ipc_unix_socketpair(int type, int fds[2]);

/// socket(AF_UNIX, type | SOCK_CLOEXEC, 0).
int ipc_unix_socket(int type);

/// Writes a sockaddr_un for `name` (`length` bytes, no terminator needed) into `storage` and returns the address
/// length to pass to bind/connect/sendto, or -1 when the name does not fit. With `abstract`, the name goes after a
/// leading NUL byte (Linux's abstract namespace) and the length counts exactly its bytes.
int ipc_unix_address(void *storage, size_t capacity, const char *name, size_t length, int abstract);

/// The name in a sockaddr_un of `length` bytes: copies it to `name` (at most `capacity` bytes), sets `*abstract`,
/// and returns its length; 0 for an unnamed (unbound) address.
int ipc_unix_address_name(const void *storage, int length, char *name, size_t capacity, int *abstract);

/// The size of a sockaddr_un, for receive buffers.
size_t ipc_unix_address_capacity(void);

/// accept4(fd, NULL, NULL, SOCK_CLOEXEC): a GNU call.
int ipc_accept(int fd);
/// `accept4(fd, NULL, NULL, flags)`: the caller's flags as they are (any bit, to provoke `EINVAL`).
int ipc_accept_flags(int fd, int flags);

/// CMSG_SPACE(count * sizeof(int)): the control buffer room for `count` descriptors.
size_t ipc_cmsg_space_for_descriptors(int count);

/// Fills `control` (of `capacity` bytes) with one SCM_RIGHTS message carrying `count` descriptors; returns the
/// control length to put in msg_controllen, or 0 when it does not fit.
size_t ipc_scm_rights_pack(void *control, size_t capacity, const int *descriptors, int count);

/// Copies the descriptors of every SCM_RIGHTS message in `control` (msg_controllen `length`) into `descriptors`
/// (room for `capacity`); returns how many there were.
int ipc_scm_rights_unpack(void *control, size_t length, int *descriptors, int capacity);

/// sendmsg(2) of one buffer with an optional destination address and control data.
long ipc_send_message(
    int fd, const void *data, size_t length, const void *address, int addressLength, const void *control,
    size_t controlLength, int flags);

/// recvmsg(2) into one buffer. On return `*addressLength`, `*controlLength` and `*messageFlags` hold what the
/// kernel reported.
long ipc_receive_message(
    int fd, void *data, size_t length, void *address, int *addressLength, void *control, size_t *controlLength,
    int *messageFlags, int flags);

/// MSG_CTRUNC and MSG_CMSG_CLOEXEC.
int ipc_msg_ctrunc(void);
int ipc_msg_cmsg_cloexec(void);

/// getsockopt(SO_PEERCRED): the peer's process id, or -1.
int ipc_peer_pid(int fd);

/// getsockopt(SO_PEERCRED) whole: the peer's process id, user and group ids; 0, or -1 with errno.
int ipc_peer_credentials(int fd, int *pid, unsigned *uid, unsigned *gid);

/// In a forked child that first takes the given group and user ids (each when ≥ 0, with setresgid/setresuid): with
/// `address` NULL, listen(fd, backlog) on the inherited socket; else connect a new socket of `type` to the address
/// (`length` bytes) and leave it queued at the listener as the child exits. The parent waits for the child; returns
/// its pid with *status the child's errno (0: the call succeeded), or -1 with errno when fork or wait failed.
int ipc_child_listen_or_connect(
    int fd, int backlog, int type, const void *address, int length, int uid, int gid, int *status);

/// getpeername(2) into a sockaddr_un buffer of `*length` bytes; `*length` is updated.
int ipc_peer_address(int fd, void *storage, int *length);

/// getsockname(2) into a sockaddr_un buffer of `*length` bytes; `*length` is updated.
int ipc_socket_address(int fd, void *storage, int *length);

/// getsockopt(SO_SNDBUF).
int ipc_send_buffer_size(int fd);

/// ioctl(SIOCOUTQ): the bytes of kernel memory charged to the socket's unconsumed sent data (skb truesize).
int ipc_socket_output_queue(int fd);
/// ioctl(SIOCINQ): a stream or seqpacket socket's unread bytes, a datagram socket's first datagram's; -1 with errno.
int ipc_socket_input_queue(int fd);
/// ioctl(SIOCATMARK): 1 when the next byte a receive would read is at the out-of-band mark, else 0; -1 with errno.
int ipc_socket_at_mark(int fd);
/// getsockopt and setsockopt of an int option at any level (SOL_SOCKET for the SOL_SOCKET wrappers); 0, or -1 with
/// errno.
int ipc_socket_int_option_at(int fd, int level, int option, int *value);
int ipc_set_socket_int_option_at(int fd, int level, int option, int value);
/* setsockopt/getsockopt of a struct timeval option at SOL_SOCKET (SO_RCVTIMEO, SO_SNDTIMEO). */
int ipc_set_socket_timeval_option(int fd, int option, long seconds, long microseconds);
int ipc_socket_timeval_option(int fd, int option, long *seconds, long *microseconds);

/// What kind of object a descriptor refers to, for deciding which faults the kernel could produce on it:
/// 1 a pipe or FIFO, 2 a stream socket, 3 a datagram socket, 4 a seqpacket socket, 0 anything else, -1 not open.
/// Made with fstat and getsockopt(SO_TYPE) directly, never through a fault point.
int ipc_descriptor_kind(int fd);

#endif
