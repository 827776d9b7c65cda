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
        let propagation =
            spec.rootfsPropagation.flatMap { MountOptions.propagationTable[$0] } ?? UInt(MS_SLAVE | MS_REC)
        try mount(nil, "/", nil, propagation, nil, what: "make / \(spec.rootfsPropagation ?? "rslave")")
        try mount(rootfs, rootfs, nil, UInt(MS_BIND | MS_REC), nil, what: "bind the rootfs")
        let root = open(rootfs, WR_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw RuntimeError.errno("open the rootfs") }
        defer { close(root) }
        try setAttributes(root, set: WR_MOUNT_ATTR_NOSUID | WR_MOUNT_ATTR_NODEV, what: "make the rootfs nosuid,nodev")
        for entry in spec.mounts { try mountEntry(entry, root: root) }
        // runc fills /dev only when it is its own tmpfs; a bound /dev is somebody else's.
        if spec.mounts.contains(where: isDeviceDirectory) { try populateDevices(root: root) }
        for path in spec.maskedPaths { try mask(path, root: root) }
        for path in spec.readonlyPaths { try makeReadOnly(path, root: root) }
        if spec.readonlyRoot {
            // The root mount alone, as runc: the volumes mounted on it keep their own mode.
            try setAttributes(
                root, recursive: false, set: WR_MOUNT_ATTR_RDONLY, what: "root.readonly: make the rootfs read-only")
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
            defer { close(target) }
            try refuseRootAndProc(target, root: root, field: field)
            // The flags go onto every mount of the bound tree before it is attached (a
            // read-only hostPath's submounts are read-only and nodev too), and nothing looks
            // the destination up again in between.
            let attributes = options.bindAttributes
            let tree = wr_bind_tree(
                AT_FDCWD, entry.source, target, options.isRecursive ? 1 : 0, attributes.set, attributes.clear)
            guard tree >= 0 else {
                throw RuntimeError.errno(
                    "\(field): bind \(entry.source) with \(entry.options.joined(separator: ",")),nodev")
            }
            defer { close(tree) }
            if options.propagation != 0 {
                try mount(nil, "/proc/self/fd/\(tree)", nil, options.propagation, nil, what: "\(field): propagation")
            }
            return
        }
        let target = try targetDescriptor(entry.destination, root: root, directory: true, field: field)
        if entry.type != "proc" { try refuseRootAndProc(target, root: root, field: field) }
        defer { close(target) }
        let path = "/proc/self/fd/\(target)"
        defer {
            if options.propagation != 0,
                let mounted = try? targetDescriptor(entry.destination, root: root, directory: true, field: field)
            {
                _ = Glibc.mount(nil, "/proc/self/fd/\(mounted)", nil, options.propagation, nil)
                close(mounted)
            }
        }
        switch entry.type {
        case "cgroup", "cgroup2":
            // The pod's cgroups are the runtime's business, not the module's: an empty read-only
            // directory shows less than runc's view of its own cgroup, never more.
            try mount(
                "tmpfs", path, "tmpfs", UInt(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), "mode=755",
                what: "\(field): read-only empty cgroup directory")
        default:
            let source = entry.source.isEmpty ? entry.type : entry.source
            // runc's /dev tmpfs allows devices, and a process with CAP_MKNOD makes any node it
            // likes there; this one is nodev, and the devices in it are bound from the host.
            let flags = options.flags | (isDeviceDirectory(entry) ? UInt(MS_NODEV) : 0)
            try mount(
                source, path, entry.type, flags, options.dataString.isEmpty ? nil : options.dataString,
                what: "\(field): mount \(entry.type)")
        }
    }

    /// /dev as a filesystem of its own (a bound /dev is somebody else's).
    func isDeviceDirectory(_ entry: LinuxSpec.Mount) -> Bool {
        entry.destination == "/dev" && !MountOptions(entry.options).isBind
    }

    /// mount_setattr on the mount `fd` names (and, recursively, on those below it).
    private func setAttributes(_ fd: Int32, recursive: Bool = true, set: Int32, what: String) throws {
        guard wr_mount_setattr(fd, recursive ? 1 : 0, UInt64(set), 0) == 0 else { throw RuntimeError.errno(what) }
    }

    /// A destination that resolves to the root itself (an image's `/x -> /`) would stack the
    /// mount over the whole root; one on procfs (`/x -> /proc`) would cover what the runtime
    /// and the kernel's own files say. runc refuses both.
    func refuseRootAndProc(_ target: Int32, root: Int32, field: String) throws {
        var targetInfo = stat(), rootInfo = stat()
        guard fstat(target, &targetInfo) == 0, fstat(root, &rootInfo) == 0 else {
            throw RuntimeError.errno("\(field): stat the mount point")
        }
        if targetInfo.st_dev == rootInfo.st_dev && targetInfo.st_ino == rootInfo.st_ino {
            throw RuntimeError(
                "\(field): the destination resolves to the container's root inside the image; refusing to mount over it"
            )
        }
        if wr_fs_type(target) == WR_PROC_SUPER_MAGIC {
            throw RuntimeError(
                "\(field): the destination resolves into /proc inside the image; refusing to mount over procfs")
        }
    }

    /// Creates the mount point inside the rootfs (directories on the way, and the file itself
    /// for a file bind mount) and returns an WR_O_PATH descriptor of it.
    func targetDescriptor(_ destination: String, root: Int32, directory: Bool, field: String) throws -> Int32 {
        let components = destination.split(separator: "/").map(String.init)
        guard !components.isEmpty, !components.contains("..") else {
            throw RuntimeError("\(field): destination must be an absolute path below /")
        }
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
                guard file >= 0 || errno == EEXIST else {
                    throw RuntimeError.errno("\(field): create \(current) in the rootfs")
                }
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
            try bindDevice(
                parent: dev, name: device.name, hostPath: "/dev/" + device.name, type: S_IFCHR, major: device.major,
                minor: device.minor, field: "/dev/\(device.name)")
        }
        for device in spec.devices {
            let field = "linux.devices[\(device.path)]"
            let type: mode_t
            switch device.type {
            case "c", "u": type = S_IFCHR
            case "b": type = S_IFBLK
            case "p": type = S_IFIFO
            default: throw RuntimeError("\(field): unknown type \(device.type)")
            }
            guard device.path.hasPrefix("/dev/") else {
                throw RuntimeError("\(field): only paths under /dev are supported")
            }
            let name = String(device.path.dropFirst("/dev/".count))
            guard !name.contains("/") else { throw RuntimeError("\(field): nested paths are not supported") }
            try bindDevice(
                parent: dev, name: name, hostPath: device.path, type: type, major: UInt32(device.major),
                minor: UInt32(device.minor), field: field)
        }
        for (name, target) in [
            ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
            ("stderr", "/proc/self/fd/2"), ("ptmx", "pts/ptmx"),
        ] {
            if symlinkat(target, dev, name) != 0 && errno != EEXIST { throw RuntimeError.errno("symlink /dev/\(name)") }
        }
    }

    /// Binds the host's node at `hostPath` onto /dev/NAME, once it is known to be the device
    /// the spec names (runc's way inside a user namespace, where mknod is not allowed either).
    private func bindDevice(
        parent: Int32, name: String, hostPath: String, type: mode_t, major: UInt32, minor: UInt32,
        field: String
    ) throws {
        var info = stat()
        guard lstat(hostPath, &info) == 0, info.st_mode & S_IFMT == type,
            type == S_IFIFO || UInt64(info.st_rdev) == wr_makedev(major, minor)
        else {
            throw RuntimeError(
                "\(field): the host has no device \(hostPath) of that type and number to give the container")
        }
        unlinkat(parent, name, 0)
        let file = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard file >= 0 else { throw RuntimeError.errno("\(field): create the mount point /dev/\(name)") }
        close(file)
        let target = openat(parent, name, WR_O_PATH | O_NOFOLLOW | O_CLOEXEC)
        guard target >= 0 else { throw RuntimeError.errno("\(field): open /dev/\(name)") }
        defer { close(target) }
        let tree = wr_bind_tree(AT_FDCWD, hostPath, target, 0, UInt64(WR_MOUNT_ATTR_NOSUID | WR_MOUNT_ATTR_NOEXEC), 0)
        guard tree >= 0 else { throw RuntimeError.errno("\(field): bind \(hostPath)") }
        close(tree)
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
            try mount(
                "tmpfs", "/proc/self/fd/\(fd)", "tmpfs", UInt(MS_RDONLY), nil, what: "linux.maskedPaths: mask \(path)")
        } else {
            try mount(
                "/dev/null", "/proc/self/fd/\(fd)", nil, UInt(MS_BIND), nil, what: "linux.maskedPaths: mask \(path)")
        }
    }

    func makeReadOnly(_ path: String, root: Int32) throws {
        let fd = GuestPath.open(path, inRootDescriptor: root, flags: WR_O_PATH)
        guard fd >= 0 else {
            if errno == ENOENT { return }
            throw RuntimeError.errno("linux.readonlyPaths: open \(path)")
        }
        defer { close(fd) }
        let tree = wr_bind_tree(fd, "", fd, 1, UInt64(WR_MOUNT_ATTR_RDONLY), 0)
        guard tree >= 0 else { throw RuntimeError.errno("linux.readonlyPaths: bind \(path) read-only") }
        close(tree)
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

    private func mount(
        _ source: String?, _ target: String, _ type: String?, _ flags: UInt, _ data: String?, what: String
    ) throws {
        guard Glibc.mount(source, target, type, flags, data) == 0 else { throw RuntimeError.errno(what) }
    }
}
