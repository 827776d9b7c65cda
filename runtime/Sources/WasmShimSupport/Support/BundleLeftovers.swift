#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// What a task leaves on the node until it is deleted, and how it goes: an instance's cgroup,
/// the image's rootfs mounted in the bundle, the instance's exec FIFO, a sandbox's pinned
/// namespaces. The serving shim removes them at Delete; `delete` does for a shim that is gone.
public enum BundleLeftovers {
    /// wasm-runc's --root for an instance: its exec FIFO lives in the bundle (<bundle>/.wasm/<id>).
    public static func instanceRoot(bundle: String) -> String { bundle }

    public static func unmountRootfs(bundle: String) {
        while umount2(bundle + "/rootfs", Int32(MNT_DETACH)) == 0 {}
    }

    public static func removeInstance(bundle: String, id: String, cgroupsPath: String?) {
        if let cgroupsPath, !cgroupsPath.isEmpty { Cgroups().removeKilling(path: cgroupsPath) }
        unmountRootfs(bundle: bundle)
        Posix.removeTree(instanceRoot(bundle: bundle) + "/.wasm")
    }

    public static func removeAll(bundle: String, id: String) {
        // Only a path the shim would have accepted at Create: this one kills what is in it.
        let cgroupsPath = (try? OCIBundle(path: bundle))?.cgroupsPath.flatMap { path in
            (try? ContainerIdentifiers.validateCgroupsPath(path)) != nil ? path : nil
        }
        PodNamespaces.releaseLeftovers(bundle: bundle)
        removeInstance(bundle: bundle, id: id, cgroupsPath: cgroupsPath)
    }
}
