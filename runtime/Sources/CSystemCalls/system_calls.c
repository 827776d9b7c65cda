#define _GNU_SOURCE
#include "system_calls.h"

#include <sched.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include <linux/capability.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

struct wr_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

int wr_openat2(int root_fd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
    struct wr_open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
}

long wr_fs_type(int fd) {
    struct statfs info;
    return fstatfs(fd, &info) == 0 ? (long)info.f_type : 0;
}

int wr_setns(int fd, int nstype) { return setns(fd, nstype); }
int wr_unshare(int flags) { return unshare(flags); }
int wr_setresuid(unsigned int uid) { return setresuid(uid, uid, uid); }
int wr_setresgid(unsigned int gid) { return setresgid(gid, gid, gid); }

int wr_is_cgroup2(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    return info.f_type == 0x63677270 ? 1 : 0;  // CGROUP2_SUPER_MAGIC
}

uint64_t wr_makedev(unsigned int major, unsigned int minor) { return makedev(major, minor); }

int wr_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int wr_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int wr_accept_cloexec(int listener) { return accept4(listener, NULL, NULL, SOCK_CLOEXEC); }

int wr_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5) {
    return prctl(option, arg2, arg3, arg4, arg5);
}

int wr_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2] = {
        {.effective = (uint32_t)effective, .permitted = (uint32_t)permitted, .inheritable = (uint32_t)inheritable},
        {.effective = (uint32_t)(effective >> 32), .permitted = (uint32_t)(permitted >> 32),
         .inheritable = (uint32_t)(inheritable >> 32)},
    };
    return (int)syscall(SYS_capset, &header, data);
}

int wr_capget(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    int result = (int)syscall(SYS_capget, &header, data);
    if (result == 0) {
        *effective = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
        *permitted = (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
        *inheritable = (uint64_t)data[0].inheritable | ((uint64_t)data[1].inheritable << 32);
    }
    return result;
}

int wr_close_range(unsigned int first, unsigned int last, unsigned int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}

// From linux/mount.h, which cannot be included beside glibc's sys/mount.h.
#define WR_FSOPEN_CLOEXEC 0x00000001
#define WR_FSCONFIG_SET_STRING 1
#define WR_FSCONFIG_CMD_CREATE 6
#define WR_FSMOUNT_CLOEXEC 0x00000001
#define WR_OPEN_TREE_CLONE 1
#define WR_AT_RECURSIVE 0x8000
#define WR_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define WR_MOVE_MOUNT_T_EMPTY_PATH 0x00000040

struct wr_mount_attr { uint64_t attr_set; uint64_t attr_clr; uint64_t propagation; uint64_t userns_fd; };

int wr_sealed_overlay_file(const char *path, const char *spare_lower) {
    char *copy = strdup(path), *name_copy = strdup(path);
    if (!copy || !name_copy) { free(copy); free(name_copy); errno = ENOMEM; return -1; }
    const char *directory = dirname(copy), *name = basename(name_copy);
    size_t length = strlen(directory) + strlen(spare_lower) + 2;
    char *lower = malloc(length);
    int result = -1, context = -1, mounted = -1;
    if (!lower) { errno = ENOMEM; goto out; }
    snprintf(lower, length, "%s:%s", directory, spare_lower);
    context = (int)syscall(SYS_fsopen, "overlay", WR_FSOPEN_CLOEXEC);
    if (context < 0) goto out;
    if (syscall(SYS_fsconfig, context, WR_FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0) goto out;
    if (syscall(SYS_fsconfig, context, WR_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) goto out;
    mounted = (int)syscall(SYS_fsmount, context, WR_FSMOUNT_CLOEXEC, WR_MOUNT_ATTR_RDONLY | WR_MOUNT_ATTR_NODEV);
    if (mounted < 0) goto out;
    result = openat(mounted, name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
out:
    {
        int saved = errno;
        if (mounted >= 0) close(mounted);
        if (context >= 0) close(context);
        free(lower); free(copy); free(name_copy);
        errno = saved;
    }
    return result;
}

int wr_sealed_memfd_copy(const char *path) {
    int source = open(path, O_RDONLY | O_CLOEXEC);
    if (source < 0) return -1;
    int memfd = (int)syscall(SYS_memfd_create, "wasm-runc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    struct stat info;
    if (memfd < 0 || fstat(source, &info) != 0) goto fail;
    for (off_t left = info.st_size; left > 0;) {
        ssize_t sent = sendfile(memfd, source, NULL, (size_t)left);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) goto fail;
        left -= sent;
    }
    if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) goto fail;
    close(source);
    return memfd;
fail:
    {
        int saved = errno;
        close(source);
        if (memfd >= 0) close(memfd);
        errno = saved;
    }
    return -1;
}

int wr_bind_tree(int source_fd, const char *source_path, int target_fd, int recursive, uint64_t attr_set, uint64_t attr_clr) {
    unsigned int flags = WR_OPEN_TREE_CLONE | O_CLOEXEC | (recursive ? WR_AT_RECURSIVE : 0) | (*source_path ? 0 : AT_EMPTY_PATH);
    int tree = (int)syscall(SYS_open_tree, source_fd, source_path, flags);
    if (tree < 0) return -1;
    uint64_t atime_clr = attr_clr & WR_MOUNT_ATTR__ATIME, top_clr = attr_clr & ~(uint64_t)WR_MOUNT_ATTR__ATIME;
    if (wr_mount_setattr(tree, 1, attr_set, atime_clr) != 0
        || (top_clr != 0 && wr_mount_setattr(tree, 0, 0, top_clr) != 0)
        || syscall(SYS_move_mount, tree, "", target_fd, "", WR_MOVE_MOUNT_F_EMPTY_PATH | WR_MOVE_MOUNT_T_EMPTY_PATH) != 0) {
        int saved = errno;
        close(tree);
        errno = saved;
        return -1;
    }
    return tree;
}

int wr_mount_setattr(int fd, int recursive, uint64_t attr_set, uint64_t attr_clr) {
    struct wr_mount_attr attr = {.attr_set = attr_set, .attr_clr = attr_clr};
    return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? WR_AT_RECURSIVE : 0), &attr, sizeof attr);
}

void *wr_seccomp_new(uint32_t default_action) {
    scmp_filter_ctx ctx = seccomp_init(default_action);
    // libseccomp sets NO_NEW_PRIVS on load by default; runc leaves it to process.noNewPrivileges.
    if (ctx && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) != 0) { seccomp_release(ctx); return NULL; }
    return ctx;
}

int wr_seccomp_add_arch(void *ctx, const char *name) {
    uint32_t arch = seccomp_arch_resolve_name(name);
    if (arch == 0) return -EINVAL;
    int result = seccomp_arch_add(ctx, arch);
    return result == -EEXIST ? 0 : result;
}

int wr_seccomp_add_rule(void *ctx, const char *name, uint32_t action, unsigned int count, const struct wr_seccomp_arg *args) {
    int number = seccomp_syscall_resolve_name(name);
    if (number == __NR_SCMP_ERROR) return 1;
    struct scmp_arg_cmp comparisons[6];
    if (count > 6) return -EINVAL;
    for (unsigned int i = 0; i < count; i++) {
        comparisons[i] = (struct scmp_arg_cmp){
            .arg = args[i].index, .op = (enum scmp_compare)args[i].op, .datum_a = args[i].value, .datum_b = args[i].value_two};
    }
    return seccomp_rule_add_array(ctx, action, number, count, comparisons);
}

int wr_seccomp_load(void *ctx, int log) {
    if (log) {
        int result = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
        if (result != 0) return result;
    }
    return seccomp_load(ctx);
}

void wr_seccomp_free(void *ctx) { seccomp_release(ctx); }

int wr_private_pid_procfs(void) {
    int context = (int)syscall(SYS_fsopen, "proc", WR_FSOPEN_CLOEXEC), mounted = -1;
    if (context < 0) return -1;
    if (syscall(SYS_fsconfig, context, WR_FSCONFIG_SET_STRING, "subset", "pid", 0) == 0
        && syscall(SYS_fsconfig, context, WR_FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0) {
        mounted = (int)syscall(SYS_fsmount, context, WR_FSMOUNT_CLOEXEC,
                               WR_MOUNT_ATTR_NOSUID | WR_MOUNT_ATTR_NODEV | WR_MOUNT_ATTR_NOEXEC);
    }
    int saved = errno;
    close(context);
    errno = saved;
    return mounted;
}
