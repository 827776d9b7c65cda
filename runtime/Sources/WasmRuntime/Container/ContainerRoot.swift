#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// Builds the instance's root as runc does, in its own mount namespace: the rootfs bound onto
/// itself (nosuid, nodev: a device node shipped in the image cannot be opened), the spec's
/// mounts inside it, a /dev with only the default devices and the spec's, masked and read-only
/// paths, the root read-only when the spec says so, then pivot_root into it.
/// Every mount target is resolved inside the rootfs (RESOLVE_IN_ROOT) and mounted through its
/// descriptor, so an image's symlinks cannot send a mount onto a host path.
public struct ContainerRoot {
    public let rootfs: String
    public let spec: LinuxSpec

    public init(rootfs: String, spec: LinuxSpec) {
        self.rootfs = rootfs
        self.spec = spec
    }

    public func build() throws {
        let propagation = spec.rootfsPropagation.flatMap { MountOptions.propagationTable[$0] } ?? UInt(MS_SLAVE | MS_REC)
        try mount(nil, "/", nil, propagation, nil, what: "make / \(spec.rootfsPropagation ?? "rslave")")
        try mount(rootfs, rootfs, nil, UInt(MS_BIND | MS_REC), nil, what: "bind the rootfs")
        try mount(nil, rootfs, nil, UInt(MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV), nil, what: "remount the rootfs nosuid,nodev")
        let root = open(rootfs, WR_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw RuntimeError.errno("open the rootfs") }
        defer { close(root) }
        for entry in spec.mounts { try mountEntry(entry, root: root) }
        // runc fills /dev only when it is its own tmpfs; a bound /dev is somebody else's.
        if spec.mounts.contains(where: { $0.destination == "/dev" && !MountOptions($0.options).isBind }) { try populateDevices(root: root) }
        for path in spec.maskedPaths { try mask(path, root: root) }
        for path in spec.readonlyPaths { try makeReadOnly(path, root: root) }
        if spec.readonlyRoot {
            try mount(nil, rootfs, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV), nil, what: "root.readonly: remount the rootfs read-only")
        }
        try pivot()
    }

    // MARK: Mounts

    func mountEntry(_ entry: LinuxSpec.Mount, root: Int32) throws {
        let options = MountOptions(entry.options)
        let field = "mounts[\(entry.destination)]"
        if options.isBind {
            var info = stat()
            guard stat(entry.source, &info) == 0 else { throw RuntimeError.errno("\(field): source \(entry.source)") }
            let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            let target = try targetDescriptor(entry.destination, root: root, directory: isDirectory, field: field)
            try refuseRootAndProc(target, root: root, field: field)
            try mount(entry.source, "/proc/self/fd/\(target)", nil, UInt(MS_BIND) | (options.isRecursive ? UInt(MS_REC) : 0), nil, what: "\(field): bind \(entry.source)")
            close(target)
            // The descriptor named the mount point; the new mount is reached by opening it again.
            // Every bind is nodev: a device node in a volume must not open (spec.devices is the
            // way to give a device).
            let mounted = try targetDescriptor(entry.destination, root: root, directory: isDirectory, field: field)
            defer { close(mounted) }
            let path = "/proc/self/fd/\(mounted)"
            try mount(nil, path, nil, UInt(MS_REMOUNT | MS_BIND | MS_NODEV) | options.flags, nil, what: "\(field): remount with \(entry.options.joined(separator: ",")),nodev")
            if options.propagation != 0 { try mount(nil, path, nil, options.propagation, nil, what: "\(field): propagation") }
            return
        }
        let target = try targetDescriptor(entry.destination, root: root, directory: true, field: field)
        if entry.type != "proc" { try refuseRootAndProc(target, root: root, field: field) }
        defer { close(target) }
        let path = "/proc/self/fd/\(target)"
        defer {
            if options.propagation != 0, let mounted = try? targetDescriptor(entry.destination, root: root, directory: true, field: field) {
                _ = Glibc.mount(nil, "/proc/self/fd/\(mounted)", nil, options.propagation, nil)
                close(mounted)
            }
        }
        switch entry.type {
        case "cgroup", "cgroup2":
            // The pod's cgroups are the runtime's business, not the module's: an empty read-only
            // directory shows less than runc's view of its own cgroup, never more.
            try mount("tmpfs", path, "tmpfs", UInt(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), "mode=755", what: "\(field): read-only empty cgroup directory")
        default:
            let source = entry.source.isEmpty ? entry.type : entry.source
            try mount(source, path, entry.type, options.flags, options.dataString.isEmpty ? nil : options.dataString, what: "\(field): mount \(entry.type)")
        }
    }

    /// A destination that resolves to the root itself (an image's `/x -> /`) would stack the
    /// mount over the whole root; one on procfs (`/x -> /proc`) would cover what the runtime
    /// and the kernel's own files say. runc refuses both.
    func refuseRootAndProc(_ target: Int32, root: Int32, field: String) throws {
        var targetInfo = stat(), rootInfo = stat()
        guard fstat(target, &targetInfo) == 0, fstat(root, &rootInfo) == 0 else { throw RuntimeError.errno("\(field): stat the mount point") }
        if targetInfo.st_dev == rootInfo.st_dev && targetInfo.st_ino == rootInfo.st_ino {
            throw RuntimeError("\(field): the destination resolves to the container's root inside the image; refusing to mount over it")
        }
        if wr_fs_type(target) == WR_PROC_SUPER_MAGIC {
            throw RuntimeError("\(field): the destination resolves into /proc inside the image; refusing to mount over procfs")
        }
    }

    /// Creates the mount point inside the rootfs (directories on the way, and the file itself
    /// for a file bind mount) and returns an WR_O_PATH descriptor of it.
    func targetDescriptor(_ destination: String, root: Int32, directory: Bool, field: String) throws -> Int32 {
        let components = destination.split(separator: "/").map(String.init)
        guard !components.isEmpty, !components.contains("..") else { throw RuntimeError("\(field): destination must be an absolute path below /") }
        var current = ""
        for (index, component) in components.enumerated() {
            let parent = current.isEmpty ? "/" : current
            current += "/" + component
            let isLast = index == components.count - 1
            let existing = GuestPath.open(current, inRootDescriptor: root, flags: WR_O_PATH)
            if existing >= 0 { close(existing); continue }
            guard errno == ENOENT else { throw RuntimeError.errno("\(field): open \(current) in the rootfs") }
            let parentFD = GuestPath.open(parent, inRootDescriptor: root, flags: WR_O_PATH | O_DIRECTORY)
            guard parentFD >= 0 else { throw RuntimeError.errno("\(field): open \(parent) in the rootfs") }
            defer { close(parentFD) }
            if isLast && !directory {
                let file = openat(parentFD, component, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o644)
                guard file >= 0 || errno == EEXIST else { throw RuntimeError.errno("\(field): create \(current) in the rootfs") }
                if file >= 0 { close(file) }
            } else if mkdirat(parentFD, component, 0o755) != 0 && errno != EEXIST {
                throw RuntimeError.errno("\(field): mkdir \(current) in the rootfs")
            }
        }
        let fd = GuestPath.open(destination, inRootDescriptor: root, flags: WR_O_PATH)
        guard fd >= 0 else { throw RuntimeError.errno("\(field): open \(destination) in the rootfs") }
        return fd
    }

    // MARK: /dev

    static let defaultDevices: [(name: String, major: UInt32, minor: UInt32)] = [
        ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
    ]

    func populateDevices(root: Int32) throws {
        let dev = GuestPath.open("/dev", inRootDescriptor: root, flags: WR_O_PATH | O_DIRECTORY)
        guard dev >= 0 else { throw RuntimeError.errno("open /dev in the rootfs") }
        defer { close(dev) }
        for device in Self.defaultDevices {
            try makeNode(parent: dev, name: device.name, mode: S_IFCHR | 0o666, major: device.major, minor: device.minor, owner: (0, 0))
        }
        for device in spec.devices {
            let type: mode_t
            switch device.type {
            case "c", "u": type = S_IFCHR
            case "b": type = S_IFBLK
            case "p": type = S_IFIFO
            default: throw RuntimeError("linux.devices[\(device.path)]: unknown type \(device.type)")
            }
            guard device.path.hasPrefix("/dev/") else { throw RuntimeError("linux.devices[\(device.path)]: only paths under /dev are supported") }
            let name = String(device.path.dropFirst("/dev/".count))
            guard !name.contains("/") else { throw RuntimeError("linux.devices[\(device.path)]: nested paths are not supported") }
            try makeNode(parent: dev, name: name, mode: type | (mode_t(device.fileMode) & 0o7777), major: UInt32(device.major),
                         minor: UInt32(device.minor), owner: (device.uid, device.gid))
        }
        for (name, target) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"), ("ptmx", "pts/ptmx")] {
            if symlinkat(target, dev, name) != 0 && errno != EEXIST { throw RuntimeError.errno("symlink /dev/\(name)") }
        }
    }

    private func makeNode(parent: Int32, name: String, mode: mode_t, major: UInt32, minor: UInt32, owner: (UInt32, UInt32)) throws {
        unlinkat(parent, name, 0)
        guard mknodat(parent, name, mode, __dev_t(wr_makedev(major, minor))) == 0 else { throw RuntimeError.errno("mknod /dev/\(name)") }
        guard fchownat(parent, name, owner.0, owner.1, AT_SYMLINK_NOFOLLOW) == 0 else { throw RuntimeError.errno("chown /dev/\(name)") }
    }

    // MARK: Masked and read-only paths

    func mask(_ path: String, root: Int32) throws {
        let fd = GuestPath.open(path, inRootDescriptor: root, flags: WR_O_PATH)
        guard fd >= 0 else {
            if errno == ENOENT { return }
            throw RuntimeError.errno("linux.maskedPaths: open \(path)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw RuntimeError.errno("linux.maskedPaths: stat \(path)") }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            try mount("tmpfs", "/proc/self/fd/\(fd)", "tmpfs", UInt(MS_RDONLY), nil, what: "linux.maskedPaths: mask \(path)")
        } else {
            try mount("/dev/null", "/proc/self/fd/\(fd)", nil, UInt(MS_BIND), nil, what: "linux.maskedPaths: mask \(path)")
        }
    }

    func makeReadOnly(_ path: String, root: Int32) throws {
        let fd = GuestPath.open(path, inRootDescriptor: root, flags: WR_O_PATH)
        guard fd >= 0 else {
            if errno == ENOENT { return }
            throw RuntimeError.errno("linux.readonlyPaths: open \(path)")
        }
        let target = "/proc/self/fd/\(fd)"
        try mount(target, target, nil, UInt(MS_BIND | MS_REC), nil, what: "linux.readonlyPaths: bind \(path)")
        close(fd)
        let mounted = GuestPath.open(path, inRootDescriptor: root, flags: WR_O_PATH)
        guard mounted >= 0 else { throw RuntimeError.errno("linux.readonlyPaths: open \(path)") }
        defer { close(mounted) }
        try mount(nil, "/proc/self/fd/\(mounted)", nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil, what: "linux.readonlyPaths: remount \(path) read-only")
    }

    // MARK: pivot_root

    /// runc's way: pivot_root(".", ".") stacks the old root on the new one, and a lazy unmount
    /// of "." then takes the host's tree away.
    func pivot() throws {
        guard chdir(rootfs) == 0 else { throw RuntimeError.errno("chdir into the rootfs") }
        guard wr_pivot_root(".", ".") == 0 else { throw RuntimeError.errno("pivot_root into the rootfs") }
        // The old root's mounts must not propagate their unmount back to the host.
        try mount(nil, ".", nil, UInt(MS_SLAVE | MS_REC), nil, what: "make the old root a slave")
        guard umount2(".", Int32(MNT_DETACH)) == 0 else { throw RuntimeError.errno("detach the host's root") }
        guard chdir("/") == 0 else { throw RuntimeError.errno("chdir /") }
    }

    private func mount(_ source: String?, _ target: String, _ type: String?, _ flags: UInt, _ data: String?, what: String) throws {
        guard Glibc.mount(source, target, type, flags, data) == 0 else { throw RuntimeError.errno(what) }
    }
}
