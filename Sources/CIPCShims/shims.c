#include "CIPCShims.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unistd.h>

extern char **environ;

int ipc_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

const char *ipc_errno_name(int code) { return strerrorname_np(code); }

int ipc_get_pipe_size(int fd) { return fcntl(fd, F_GETPIPE_SZ); }
int ipc_set_pipe_size(int fd, int size) { return fcntl(fd, F_SETPIPE_SZ, size); }
int ipc_bytes_readable(int fd, int *count) { return ioctl(fd, FIONREAD, count); }

int ipc_get_status_flags(int fd) { return fcntl(fd, F_GETFL); }
int ipc_o_direct(void) { return O_DIRECT; }
int ipc_set_status_flags(int fd, int flags) { return fcntl(fd, F_SETFL, flags); }

int ipc_wifexited(int status) { return WIFEXITED(status); }
int ipc_wexitstatus(int status) { return WEXITSTATUS(status); }
int ipc_wifsignaled(int status) { return WIFSIGNALED(status); }
int ipc_wtermsig(int status) { return WTERMSIG(status); }

int ipc_seqpacket_pair(int fds[2]) { return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds); }

int ipc_msg_peek(void) { return MSG_PEEK; }
int ipc_msg_trunc(void) { return MSG_TRUNC; }
int ipc_msg_dontwait(void) { return MSG_DONTWAIT; }
int ipc_msg_nosignal(void) { return MSG_NOSIGNAL; }

char *const *ipc_environ(void) { return environ; }

int ipc_spawn_add_close_from(void *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, from);
}

int ipc_gettid(void) { return gettid(); }

void ipc_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

int ipc_unshare_network(void) { return unshare(CLONE_NEWNET); }
int ipc_enter_network(int fd) { return setns(fd, CLONE_NEWNET); }

int ipc_thread_credentials(unsigned uid, unsigned gid) {
    // Raw syscalls: glibc's setresuid would change every thread of the process. The saved ids stay 0, so a thread
    // that left root can come back.
    if (uid == 0) {
        if (syscall(SYS_setresuid, 0, 0, -1) != 0) return -1;
        return (int)syscall(SYS_setresgid, gid, gid, -1);
    }
    if (syscall(SYS_setresgid, gid, gid, -1) != 0) return -1;
    return (int)syscall(SYS_setresuid, uid, uid, -1);
}

int ipc_poll_now(void *descriptors, unsigned long count) {
    struct timespec zero = {0, 0};
    return (int)syscall(SYS_ppoll, descriptors, count, &zero, NULL, 8);
}
