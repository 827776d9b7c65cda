#define _GNU_SOURCE
#include "system_calls.h"

#include <sched.h>

#include <linux/capability.h>
#include <stddef.h>
#include <sys/prctl.h>
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
