// System calls that glibc does not wrap, or wraps as variadic functions Swift cannot call.
// Each returns what the kernel returns (-1 with errno set on failure).
#ifndef CRIBENCH_SYSTEM_CALLS_H
#define CRIBENCH_SYSTEM_CALLS_H

#include <stdint.h>

/// openat2(2) with how.resolve = `resolve` (e.g. RESOLVE_IN_ROOT: the path is resolved as if
/// `root_fd` were "/", symlinks and ".." included, so nothing outside it can be reached).
int wr_openat2(int root_fd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);

int wr_pivot_root(const char *new_root, const char *put_old);

/// prctl(2) with its five arguments.
int wr_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);

/// capset(2), version 3: the three sets as 64-bit masks.
int wr_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);

/// capget(2), version 3, for the calling thread.
int wr_capget(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);

/// Whether `path` is the root of a cgroup v2 (unified) filesystem: 1, 0, or -1 on error.
int wr_is_cgroup2(const char *path);

/// makedev(3), a macro in glibc.
uint64_t wr_makedev(unsigned int major, unsigned int minor);

/// The filesystem type (statfs f_type) of an open descriptor, or 0 on error.
long wr_fs_type(int fd);

int wr_setns(int fd, int nstype);
int wr_unshare(int flags);
int wr_setresuid(unsigned int uid);
int wr_setresgid(unsigned int gid);

// Constants glibc's headers give only under _GNU_SOURCE, which Swift's Glibc module lacks.
#define WR_O_PATH 0x200000
#define WR_CLONE_NEWNS 0x00020000
#define WR_CLONE_NEWCGROUP 0x02000000
#define WR_CLONE_NEWUTS 0x04000000
#define WR_CLONE_NEWIPC 0x08000000
#define WR_CLONE_NEWPID 0x20000000
#define WR_CLONE_NEWNET 0x40000000
#define WR_PR_SET_PDEATHSIG 1
#define WR_PR_SET_DUMPABLE 4
#define WR_PROC_SUPER_MAGIC 0x9fa0
#define WR_PR_SET_KEEPCAPS 8
#define WR_PR_SET_NAME 15
#define WR_PR_CAPBSET_DROP 24
#define WR_PR_SET_NO_NEW_PRIVS 38
#define WR_PR_CAP_AMBIENT 47
#define WR_PR_CAP_AMBIENT_RAISE 2

#define WR_RESOLVE_NO_XDEV 0x01
#define WR_RESOLVE_NO_MAGICLINKS 0x02
#define WR_RESOLVE_NO_SYMLINKS 0x04
#define WR_RESOLVE_BENEATH 0x08
#define WR_RESOLVE_IN_ROOT 0x10

#endif
