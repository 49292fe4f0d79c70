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
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/uio.h>
#include <pthread.h>
#include <unistd.h>
#include <unistd.h>

extern char **environ;

static pthread_mutex_t spawn_gate = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
void ipc_spawn_gate_enter(void) { pthread_mutex_lock(&spawn_gate); }
void ipc_spawn_gate_leave(void) { pthread_mutex_unlock(&spawn_gate); }

int ipc_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int ipc_dup3(int oldfd, int newfd, int flags) { return dup3(oldfd, newfd, flags); }

long ipc_splice_at(int from, int from_offset, int to, int to_offset, size_t length, unsigned int flags) {
    loff_t in = 0, out = 0;
    return splice(from, from_offset ? &in : NULL, to, to_offset ? &out : NULL, length, flags);
}

long ipc_tee(int from, int to, size_t length, unsigned int flags) { return tee(from, to, length, flags); }

long ipc_vmsplice(int descriptor, void *const *bases, const size_t *lengths, size_t count, unsigned int flags) {
    struct iovec vectors[count ? count : 1];
    for (size_t i = 0; i < count; i++) vectors[i] = (struct iovec){bases[i], lengths[i]};
    return vmsplice(descriptor, vectors, count, flags);
}

struct ipc_mknod_job {
    int directory;
    const char *path;
    mode_t mode, mask;
    dev_t device;
    unsigned int reported;
    int result, error;
};

static void *ipc_mknod_thread(void *argument) {
    struct ipc_mknod_job *job = argument;
    job->result = unshare(CLONE_FS);
    if (job->result == 0) {
        umask(job->mask);
        job->result = mknodat(job->directory, job->path, job->mode, job->device);
    }
    if (job->result == 0) {
        struct stat status;
        job->result = fstatat(job->directory, job->path, &status, AT_SYMLINK_NOFOLLOW);
        job->reported = (unsigned int)(status.st_mode & 07777);
    }
    job->error = errno;
    return NULL;
}

int ipc_mknodat_under_umask(
    int directory, const char *path, unsigned int mode, unsigned long device, unsigned int mask, unsigned int *reported) {
    struct ipc_mknod_job job = {
        .directory = directory, .path = path, .mode = (mode_t)mode, .mask = (mode_t)mask, .device = (dev_t)device};
    pthread_t thread;
    int error = pthread_create(&thread, NULL, ipc_mknod_thread, &job);
    if (error != 0) {
        errno = error;
        return -1;
    }
    pthread_join(thread, NULL);
    if (job.result != 0) {
        errno = job.error;
        return -1;
    }
    *reported = job.reported;
    return 0;
}

int ipc_mkfifo_under_umask(const char *path, unsigned int mode, unsigned int mask, unsigned int *reported) {
    return ipc_mknodat_under_umask(AT_FDCWD, path, S_IFIFO | (mode & 07777), 0, mask, reported);
}

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
int ipc_msg_oob(void) { return MSG_OOB; }
int ipc_msg_trunc(void) { return MSG_TRUNC; }
int ipc_msg_waitall(void) { return MSG_WAITALL; }
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
int ipc_unshare_ipc(void) { return unshare(CLONE_NEWIPC); }

int ipc_write_setting(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    int saved = errno;
    close(fd);
    if (written != (ssize_t)length) {
        errno = written < 0 ? saved : EIO;
        return -1;
    }
    return 0;
}

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
