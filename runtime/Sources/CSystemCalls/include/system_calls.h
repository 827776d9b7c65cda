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
/// pipe2(O_CLOEXEC) and accept4(SOCK_CLOEXEC): close-on-exec from the start, with no window in
/// which another thread's spawn inherits the descriptor (glibc declares them for _GNU_SOURCE only).
int wr_pipe_cloexec(int fds[2]);
int wr_accept_cloexec(int listener);

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

/// close_range(2): closes (or, with WR_CLOSE_RANGE_CLOEXEC, marks) every descriptor in [first, last].
int wr_close_range(unsigned int first, unsigned int last, unsigned int flags);

/// An O_PATH descriptor of `path`'s file as seen through a read-only overlayfs mount that is
/// attached nowhere (fsopen/fsmount): the same bytes, but a file nothing can open for writing,
/// and not the host's file. `spare_lower` is any directory outside `path`'s: overlayfs wants two
/// lower layers when it has no upper one, and the first one wins for every name. -1 on error.
int wr_sealed_overlay_file(const char *path, const char *spare_lower);

/// A sealed memfd holding a copy of `path` (no writes, no resizing, no new seals). -1 on error.
int wr_sealed_memfd_copy(const char *path);

/// Mount attributes (linux/mount.h) for wr_bind_tree.
#define WR_MOUNT_ATTR_RDONLY 0x00000001
#define WR_MOUNT_ATTR_NOSUID 0x00000002
#define WR_MOUNT_ATTR_NODEV 0x00000004
#define WR_MOUNT_ATTR_NOEXEC 0x00000008
#define WR_MOUNT_ATTR__ATIME 0x00000070
#define WR_MOUNT_ATTR_RELATIME 0x00000000
#define WR_MOUNT_ATTR_NOATIME 0x00000010
#define WR_MOUNT_ATTR_STRICTATIME 0x00000020
#define WR_MOUNT_ATTR_NODIRATIME 0x00000080

/// Binds `source_path` (relative to `source_fd`, or `source_fd` itself when the path is "")
/// onto the mount point `target_fd` (an O_PATH descriptor), with `attr_set` applied to every
/// mount of the new tree and `attr_clr` to its top mount only (as runc's remount: an "rw"
/// volume must not make a read-only submount writable; access-time modes go everywhere),
/// before it is attached: open_tree(OPEN_TREE_CLONE
/// [| AT_RECURSIVE]) → mount_setattr(AT_RECURSIVE) → move_mount. No path is looked up twice,
/// so nothing can swap the mount between the bind and its flags. Returns a descriptor of the
/// attached tree's root, or -1 with errno set.
int wr_bind_tree(int source_fd, const char *source_path, int target_fd, int recursive, uint64_t attr_set, uint64_t attr_clr);

/// A procfs instance of its own, mounted nowhere (fsopen/fsmount), with `subset=pid`: only the
/// process directories of the caller's PID namespace, no /proc/sys, sysrq-trigger or kcore.
/// Returns a descriptor of its root, or -1 with errno set.
int wr_private_pid_procfs(void);

/// mount_setattr(2) on the mount `fd` names, and with `recursive` on every mount below it.
int wr_mount_setattr(int fd, int recursive, uint64_t attr_set, uint64_t attr_clr);

/// seccomp through Debian's libseccomp. A filter context, or NULL.
void *wr_seccomp_new(uint32_t default_action);
/// Adds an architecture by libseccomp's name ("x86_64", "x86", "x32"): 0, or a negative errno.
int wr_seccomp_add_arch(void *ctx, const char *name);
/// One argument comparison of a rule: op is libseccomp's enum scmp_compare.
struct wr_seccomp_arg { unsigned int index; int op; uint64_t value; uint64_t value_two; };
/// Adds a rule for syscall `name`: 0; 1 when this kernel/libseccomp knows no such syscall (runc
/// skips those); or a negative errno.
int wr_seccomp_add_rule(void *ctx, const char *name, uint32_t action, unsigned int count, const struct wr_seccomp_arg *args);
/// Loads the filter into the calling thread; `log` sets SECCOMP_FILTER_FLAG_LOG. NO_NEW_PRIVS
/// is left as the spec sets it. 0 or a negative errno.
int wr_seccomp_load(void *ctx, int log);
void wr_seccomp_free(void *ctx);

#define WR_CLOSE_RANGE_CLOEXEC 4
#define WR_SYSFS_MAGIC 0x62656572

#endif
