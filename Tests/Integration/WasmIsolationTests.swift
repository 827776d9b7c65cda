import BenchKit
import CRIClient
import Foundation
import Testing

extension WasmMatrix {
    /// A wasm instance is a container: it sees no more of the host than runc would give it, gets
    /// the pod's mounts, runs as the pod's user, and pays for the isolation an OCI container pays.
    /// Probes run CRIBench's fileprobe module (images/wasm/fileprobe.c) and read its log.
    @Suite("Wasm isolation", .serialized, .timeLimit(.minutes(5)))

    struct WasmIsolationTests {
        let environment = TestEnvironment.shared
        var probeImage: String { environment.wasmImage("fileprobe") }

        /// Runs fileprobe with `probes` in its own container of `pod` until it exits; returns its log.
        func probe(
            _ client: CRIClient, in pod: TestPod, _ probes: [String],
            configure: (inout ContainerConfig) -> Void = { _ in }
        ) async throws -> [String] {
            var config = ContainerConfig.make(name: "probe-\(randomSuffix(length: 4))", image: probeImage, args: probes)
            configure(&config)
            let (_, status) = try await runToExit(client, in: pod, config)
            #expect(status.exitCode == 0, "fileprobe exit \(status.exitCode) (\(status.reason)): \(status.message)")
            return containerLogLines(pod, status)
        }

        func withProbePod<Result>(
            _ client: CRIClient, _ name: String, _ body: (TestPod) async throws -> Result
        ) async throws -> Result {
            try await withPodSandbox(
                client, name: name, handler: environment.wasmRuntimeHandler, image: probeImage, body)
        }

        /// A host directory for a hostPath mount, removed afterwards.
        func withHostDirectory<Result>(
            _ files: [String: (text: String, mode: Int)], _ body: (String) async throws -> Result
        ) async throws -> Result {
            let directory = NSTemporaryDirectory() + "cribench-hostpath-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            chmod(directory, 0o755)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for (name, file) in files {
                try file.text.write(toFile: "\(directory)/\(name)", atomically: false, encoding: .utf8)
                chmod("\(directory)/\(name)", mode_t(file.mode))
            }
            return try await body(directory)
        }

        /// A node in the image exists and is a device, yet the nodev rootfs refuses it (EACCES);
        /// without that defence the devices cgroup would answer EPERM, so the errno says which
        /// defence held.
        @Test func aDeviceNodeShippedInTheImageIsRefusedByTheNodevRootfs() async throws {
            try await withRuntime { client in
                try await withProbePod(client, "wasm-devnode") { pod in
                    let log = try await probe(
                        client, in: pod, ["stat:/kmsg", "read:/kmsg", "read:/dev/null", "read:/dev/kmsg"])
                    #expect(log.contains("stat /kmsg: character-device"), "the image ships a c 1 11 node: \(log)")
                    #expect(log.contains("read /kmsg: denied Permission denied"), "nodev refused it: \(log)")
                    #expect(log.contains("read /dev/null: ok "), "the default devices work: \(log)")
                    #expect(
                        log.contains { $0.hasPrefix("read /dev/kmsg: denied") }, "/dev holds the defaults only: \(log)")
                }
            }
        }

        /// A device the pod is given read-only: it is bound into /dev (where binds may hold
        /// devices), it reads, and opening it for writing is refused by the devices cgroup (EPERM),
        /// which is then the only defence. Without the cgroup rule the write would open and the
        /// device would reject the text (EINVAL) instead.
        @Test func aDeviceGivenReadOnlyIsRefusedForWritingByTheDevicesCgroup() async throws {
            let device = "/dev/cpu_dma_latency"
            try #require(FileManager.default.fileExists(atPath: device), "the node has \(device), a misc device")
            try await withRuntime { client in
                try await withProbePod(client, "wasm-devcgroup") { pod in
                    let log = try await probe(client, in: pod, ["stat:\(device)", "read:\(device)", "write:\(device)"])
                    {
                        $0.devices = [
                            .with {
                                $0.containerPath = device; $0.hostPath = device; $0.permissions = "r"
                            }
                        ]
                    }
                    #expect(log.contains("stat \(device): character-device"), "the device is in /dev: \(log)")
                    #expect(log.contains { $0.hasPrefix("read \(device): ok") }, "read is allowed: \(log)")
                    #expect(
                        log.contains("write \(device): denied Operation not permitted"),
                        "the devices cgroup refused the write: \(log)")
                }
            }
        }

        @Test func aSymlinkedEntrypointPointingOutOfTheRootfsDoesNotRunTheHostsFile() async throws {
            let hostModule = "\(environment.stateDirectory)/host-probe/hello.wasm"
            try #require(
                FileManager.default.fileExists(atPath: hostModule),
                "scripts/build-wasm-images.sh plants \(hostModule), the link's target")
            try await withRuntime { client in
                try await withPodSandbox(
                    client, name: "wasm-symlink", handler: environment.wasmRuntimeHandler,
                    image: environment.wasmImage("symlink")
                ) { pod in
                    let id = try await createContainer(
                        client, in: pod, .make(name: "linked", image: environment.wasmImage("symlink")))
                    var refusal: String?
                    do { try await client.startContainer(id) } catch { refusal = "\(error)" }
                    let status =
                        refusal == nil ? try await waitUntilExited(client, id) : try await client.containerStatus(id)
                    let log = containerLogLines(pod, status)
                    #expect(!log.contains { $0.contains("hello from a wat module") }, "the host's module ran: \(log)")
                    if let refusal {
                        #expect(
                            refusal.contains("entry.wasm"),
                            "the refusal names the entrypoint it could not find: \(refusal)")
                    } else {
                        #expect(
                            status.exitCode != 0, "nothing at /entry.wasm inside the rootfs, so nothing may succeed")
                    }
                    // Positive control: the module the link names, run from an image that holds it,
                    // prints the line whose absence is checked above.
                    try await withImage(client, environment.wasmImage("hello")) {
                        let (control, controlStatus) = try await runToExit(
                            client, in: pod, .make(name: "control", image: environment.wasmImage("hello")))
                        #expect(controlStatus.exitCode == 0)
                        #expect(
                            containerLogLines(pod, controlStatus).contains { $0.contains("hello from a wat module") },
                            "the hello module prints the line the check looks for")
                        try await client.removeContainerSharing(control)
                    }
                }
            }
        }

        @Test func aReadOnlyHostPathMountIsReadableAndNotWritable() async throws {
            try await withRuntime { client in
                try await withHostDirectory(["secret.txt": ("top secret", 0o644)]) { directory in
                    try await withProbePod(client, "wasm-hostpath") { pod in
                        let log = try await probe(client, in: pod, ["read:/data/secret.txt", "write:/data/new.txt"]) {
                            config in
                            config.mounts = [
                                .with {
                                    $0.containerPath = "/data"; $0.hostPath = directory; $0.readonly = true
                                }
                            ]
                        }
                        #expect(log.contains("read /data/secret.txt: ok top secret"), "\(log)")
                        #expect(log.contains { $0.hasPrefix("write /data/new.txt: denied") }, "\(log)")
                        #expect(!FileManager.default.fileExists(atPath: "\(directory)/new.txt"))
                    }
                }
            }
        }

        /// The image links /data to an absolute path that also exists on the host: a volume at
        /// /data/volume lands at that path inside the rootfs, and the host's directory gets
        /// nothing. (WASI follows no absolute link, so the module reads the volume by the path
        /// the link names.)
        @Test func aMountDestinationReachedThroughAnImageSymlinkStaysInTheRootfs() async throws {
            let hostTarget = "\(environment.stateDirectory)/host-probe/mount-target"
            try #require(
                FileManager.default.fileExists(atPath: hostTarget),
                "scripts/build-wasm-images.sh plants \(hostTarget), the link's target")
            try #require(
                try FileManager.default.contentsOfDirectory(atPath: hostTarget).isEmpty,
                "\(hostTarget) holds what an earlier run left; empty it (it is CRIBench's own) and run again")
            // Whatever a runtime that followed the link made there goes, so one failure stays one.
            defer {
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: hostTarget)) ?? [] {
                    try? FileManager.default.removeItem(atPath: "\(hostTarget)/\(entry)")
                }
            }
            let image = environment.wasmImage("fileprobe-link")
            try await withRuntime { client in
                try await withHostDirectory(["secret.txt": ("through the link", 0o644)]) { directory in
                    try await withPodSandbox(
                        client, name: "wasm-mountlink", handler: environment.wasmRuntimeHandler, image: image
                    ) { pod in
                        var config = ContainerConfig.make(
                            name: "probe", image: image,
                            args: [
                                "stat:/data", "read:\(hostTarget)/volume/secret.txt",
                                "write:\(hostTarget)/volume/written.txt",
                            ])
                        config.mounts = [
                            .with {
                                $0.containerPath = "/data/volume"; $0.hostPath = directory
                            }
                        ]
                        let log = containerLogLines(pod, try await runToExit(client, in: pod, config).status)
                        #expect(log.contains("stat /data: symlink"), "the image's /data is a link: \(log)")
                        #expect(log.contains("read \(hostTarget)/volume/secret.txt: ok through the link"), "\(log)")
                        #expect(log.contains("write \(hostTarget)/volume/written.txt: ok"), "\(log)")
                        #expect(
                            FileManager.default.fileExists(atPath: "\(directory)/written.txt"), "the volume is real")
                        let hostEntries = try FileManager.default.contentsOfDirectory(atPath: hostTarget)
                        #expect(hostEntries.isEmpty, "nothing was made in the host's \(hostTarget): \(hostEntries)")
                    }
                }
            }
        }

        @Test func runAsUserIsHonoured() async throws {
            try await withRuntime { client in
                try await withHostDirectory(["root-only.txt": ("for root", 0o600), "public.txt": ("for all", 0o644)]) {
                    directory in
                    try await withProbePod(client, "wasm-user") { pod in
                        let mount = Runtime_V1_Mount.with {
                            $0.containerPath = "/data"; $0.hostPath = directory
                        }
                        let asRoot = try await probe(client, in: pod, ["read:/data/root-only.txt"]) {
                            $0.mounts = [mount]
                        }
                        #expect(asRoot.contains("read /data/root-only.txt: ok for root"), "root reads it: \(asRoot)")
                        let asUser = try await probe(
                            client, in: pod,
                            ["read:/data/root-only.txt", "read:/data/public.txt", "write:/data/by-user.txt"]
                        ) { config in
                            config.mounts = [mount]
                            config.linux.securityContext.runAsUser = .with { $0.value = 1000 }
                        }
                        #expect(
                            asUser.contains { $0.hasPrefix("read /data/root-only.txt: denied") }, "uid 1000: \(asUser)")
                        #expect(asUser.contains("read /data/public.txt: ok for all"), "\(asUser)")
                        #expect(
                            asUser.contains { $0.hasPrefix("write /data/by-user.txt: denied") },
                            "the directory is root's 0755: \(asUser)")
                    }
                }
            }
        }

        /// runAsGroup and supplementary groups: a file only group 4321 may read is readable with that
        /// group as the primary or a supplementary group, and not without it.
        @Test func runAsGroupAndSupplementaryGroupsAreHonoured() async throws {
            try await withRuntime { client in
                try await withHostDirectory(["group-only.txt": ("for the group", 0o040)]) { directory in
                    #expect(chown("\(directory)/group-only.txt", 0, 4321) == 0)
                    try await withProbePod(client, "wasm-groups") { pod in
                        let mount = Runtime_V1_Mount.with {
                            $0.containerPath = "/data"; $0.hostPath = directory
                        }
                        func read(group: Int64, supplementary: [Int64]) async throws -> [String] {
                            try await probe(client, in: pod, ["read:/data/group-only.txt"]) { config in
                                config.mounts = [mount]
                                config.linux.securityContext.runAsUser = .with { $0.value = 1000 }
                                config.linux.securityContext.runAsGroup = .with { $0.value = group }
                                config.linux.securityContext.supplementalGroups = supplementary
                            }
                        }
                        let primary = try await read(group: 4321, supplementary: [])
                        #expect(primary.contains("read /data/group-only.txt: ok for the group"), "\(primary)")
                        let supplementary = try await read(group: 3000, supplementary: [4321])
                        #expect(
                            supplementary.contains("read /data/group-only.txt: ok for the group"), "\(supplementary)")
                        let without = try await read(group: 3000, supplementary: [5000])
                        #expect(without.contains { $0.hasPrefix("read /data/group-only.txt: denied") }, "\(without)")
                    }
                }
            }
        }

        @Test func aReadOnlyRootfsCannotBeWritten() async throws {
            try await withRuntime { client in
                try await withProbePod(client, "wasm-rofs") { pod in
                    let readOnly = try await probe(client, in: pod, ["write:/newfile", "read:/fileprobe.wasm"]) {
                        config in
                        config.linux.securityContext.readonlyRootfs = true
                    }
                    #expect(readOnly.contains { $0.hasPrefix("write /newfile: denied") }, "\(readOnly)")
                    #expect(readOnly.contains { $0.hasPrefix("read /fileprobe.wasm: ok") }, "\(readOnly)")
                    let writable = try await probe(client, in: pod, ["write:/newfile"])
                    #expect(
                        writable.contains("write /newfile: ok"),
                        "without readonly_rootfs the same write works: \(writable)")
                }
            }
        }

        /// A start function that never returns: `create` gives up at the setup deadline, and what
        /// wasm-runc had made for the instance while it was in setup (its record under the shim's
        /// runc root, its cgroup, its process) is gone afterwards.
        @Test func aLoopingStartFunctionIsBoundedAndLeavesNothingBehind() async throws {
            try await withRuntime { client in
                let clock = ContinuousClock()
                let began = clock.now
                try await withInstanceInSetup(client, "wasm-loop", deadlineSeconds: 3) { id, started in
                    // wasm-runc keeps it under the runc shim's root; CRIBench's shim in the task's bundle.
                    let records = [
                        "/run/containerd/runc/k8s.io/.wasm/\(id)",
                        "\(environment.stateDirectory)/state/io.containerd.runtime.v2.task/k8s.io/\(id)/.wasm/\(id)",
                    ]
                    func recorded() -> Bool { records.contains { FileManager.default.fileExists(atPath: $0) } }
                    var cgroup: String?
                    try await eventually("the instance is in setup, recorded and in its cgroup") {
                        guard let pid = instanceProcesses(of: id).first, recorded() else { return false }
                        cgroup = memoryCgroup(of: pid)
                        return cgroup.map { FileManager.default.fileExists(atPath: $0) } ?? false
                    }
                    let error = await #expect(throws: CRIError.self) { try await started.value }
                    #expect(clock.now - began < .seconds(20), "bounded by the setup deadline")
                    #expect(error?.description.contains("did not become ready") == true, "\(String(describing: error))")
                    #expect(instanceProcesses(of: id).isEmpty, "no instance process of \(id) is left")
                    #expect(!recorded(), "no instance record is left (\(records))")
                    #expect(
                        cgroup.map { !FileManager.default.fileExists(atPath: $0) } ?? false,
                        "the instance's cgroup \(cgroup ?? "?") is removed")
                }
            }
        }

        /// Starts the loop-start module, whose start function never returns, with a setup deadline
        /// of `deadlineSeconds`, in the background: `body` sees the container while wasm-runc holds
        /// it in setup, and the start that will fail at the deadline.
        func withInstanceInSetup(
            _ client: CRIClient, _ name: String, deadlineSeconds: Int,
            _ body: (String, Task<Void, Error>) async throws -> Void
        ) async throws {
            try await withPodSandbox(
                client, name: name, handler: environment.wasmRuntimeHandler, image: environment.wasmImage("loop-start")
            ) { pod in
                var config = ContainerConfig.make(name: "loop", image: environment.wasmImage("loop-start"))
                config.annotations["io.cribench.wasm.setup-timeout-seconds"] = String(deadlineSeconds)
                let id = try await createContainer(client, in: pod, config)
                try await body(id, Task { try await client.startContainer(id) })
            }
        }

        /// The directory of a process's cgroup in the v1 memory hierarchy.
        func memoryCgroup(of pid: Int32) -> String? {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return nil }
            let line = text.split(separator: "\n").first {
                $0.split(separator: ":", maxSplits: 2).dropFirst().first?.split(separator: ",").contains("memory")
                    == true
            }
            return line.map { "/sys/fs/cgroup/memory" + String($0.split(separator: ":", maxSplits: 2)[2]) }
        }

        /// Capabilities as the pod asks for them: all dropped, one added back.
        @Test func capabilitiesDropAllAndAddOne() async throws {
            try await withRuntime { client in
                try await withPodSandbox(
                    client, name: "wasm-caps", handler: environment.wasmRuntimeHandler,
                    image: environment.wasmImage("idle")
                ) { pod in
                    var config = ContainerConfig.make(name: "idle", image: environment.wasmImage("idle"))
                    config.linux.securityContext.capabilities = .with {
                        $0.dropCapabilities = ["ALL"]; $0.addCapabilities = ["NET_ADMIN"]
                    }
                    let id = try await createContainer(client, in: pod, config)
                    try await client.startContainer(id)
                    let pid = try #require(try await verbosePID(client.containerStatusInfo(id)))
                    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
                    #expect(status.contains("CapEff:\t0000000000001000"), "CAP_NET_ADMIN (12) alone")
                    #expect(status.contains("CapBnd:\t0000000000001000"))
                    try await client.stopContainer(id, gracePeriodSeconds: 10)
                }
            }
        }

        /// What the host sees of a running instance: its own mount namespace, the pod's network
        /// namespace, the spec's capabilities only, and a name that says what it is.
        @Test func aRunningInstanceIsIsolatedAsAContainer() async throws {
            try await withRuntime { client in
                try await withPodSandbox(
                    client, name: "wasm-ns", handler: environment.wasmRuntimeHandler,
                    image: environment.wasmImage("idle")
                ) { pod in
                    let id = try await createContainer(
                        client, in: pod, .make(name: "idle", image: environment.wasmImage("idle")))
                    try await client.startContainer(id)
                    let pid = try #require(
                        try await verbosePID(client.containerStatusInfo(id)),
                        "ContainerStatus verbose info names the pid")
                    // The pod's network namespace is the one CRI pinned and wrote into the sandbox's spec
                    // (a pause process under runc is in it; CRIBench's shim runs no process for the sandbox).
                    let sandboxInfo = try await client.podSandboxStatus(pod.id, verbose: true).info
                    let podNetwork = try #require(
                        specNamespacePath(sandboxInfo, "network"), "the sandbox's spec names its netns")
                    func namespace(_ pid: Int, _ kind: String) -> String? {
                        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind)")
                    }
                    #expect(namespace(pid, "mnt") != namespace(Int(getpid()), "mnt"), "a mount namespace of its own")
                    #expect(
                        inode("/proc/\(pid)/ns/net") == inode(podNetwork), "the pod's network namespace (\(podNetwork))"
                    )
                    #expect(namespace(pid, "net") != namespace(Int(getpid()), "net"))
                    let comm = try String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8).trimmingCharacters(
                        in: .whitespacesAndNewlines)
                    #expect(comm == "wasm-instance")
                    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
                    func field(_ name: String) -> String? {
                        status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map {
                            $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
                        }
                    }
                    let own = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
                    let hostBounding = own.split(separator: "\n").first { $0.hasPrefix("CapBnd:") }.map {
                        $0.dropFirst(7).trimmingCharacters(in: .whitespaces)
                    }
                    #expect(
                        field("CapBnd") != hostBounding, "bounding set reduced to the spec's: \(field("CapBnd") ?? "?")"
                    )
                    // containerd's default set for a container: chown dac_override fowner fsetid kill setgid setuid
                    // setpcap net_bind_service net_raw sys_chroot mknod audit_write setfcap.
                    #expect(field("CapBnd") == "00000000a80425fb", "\(field("CapBnd") ?? "?")")
                    #expect(field("CapEff") == "00000000a80425fb")
                    try await client.stopContainer(id, gracePeriodSeconds: 10)
                }
            }
        }

        // MARK: The wall for native code (a module that escaped the interpreter)

        /// procfs and sysfs are out of the module's reach, whatever the spec mounts: its own /proc and
        /// /sys, and a hostPath of the host's /proc. The same files read from busybox under runc show
        /// that they exist and are readable in a container.
        @Test func aModuleCannotReachProcfsOrSysfs() async throws {
            let paths = ["/proc/self/environ", "/proc/1/cmdline", "/sys/devices/system/cpu/online"]
            try await withRuntime { client in
                try await withProbePod(client, "wasm-procfs") { pod in
                    let log = try await probe(
                        client, in: pod,
                        ["write:/proc/self/mem"] + paths.map { "read:" + $0 } + ["read:/host-proc/self/status"]
                    ) {
                        $0.mounts = [
                            .with {
                                $0.containerPath = "/host-proc"; $0.hostPath = "/proc"; $0.readonly = true
                            }
                        ]
                    }
                    for path in ["/proc/self/mem"] + paths + ["/host-proc/self/status"] {
                        #expect(
                            log.contains {
                                $0.range(
                                    of: #"^(read|write) \#(path): denied No such file"#, options: .regularExpression)
                                    != nil
                            },
                            "\(path) is out of the module's view: \(log)")
                    }
                }
                try await withPodSandbox(client, name: "runc-procfs", handler: "runc", image: environment.busyboxImage)
                { pod in
                    let script = paths.map { "head -c 40 \($0) >/dev/null && echo readable \($0)" }.joined(
                        separator: "; ")
                    let (_, status) = try await runToExit(
                        client, in: pod,
                        .make(name: "control", image: environment.busyboxImage, command: ["sh", "-c", script]))
                    let log = containerLogLines(pod, status)
                    for path in paths {
                        #expect(log.contains("readable \(path)"), "runc's container reads \(path): \(log)")
                    }
                }
            }
        }

        /// What the host sees of a running instance: not the host's wasm-runc file as its executable
        /// (and that file unchanged), the spec's environment only, no descriptor but stdio and WASI's
        /// root, and with RuntimeDefault and no_new_privs a seccomp filter in force.
        @Test func aRunningInstanceHasTheWallRuncGivesNativeCode() async throws {
            let hostRuntime = ProcessInfo.processInfo.environment["CRIBENCH_WASM_RUNTIME"] ?? "/usr/local/bin/wasm-runc"
            let hashBefore = try fileDigest(hostRuntime)
            try await withRuntime { client in
                try await withPodSandbox(
                    client, name: "wasm-wall", handler: environment.wasmRuntimeHandler,
                    image: environment.wasmImage("idle")
                ) { pod in
                    var config = ContainerConfig.make(name: "idle", image: environment.wasmImage("idle"))
                    // The pod's environment is the module's, never the loader's of a process that
                    // starts as host root.
                    config.envs = [
                        .with {
                            $0.key = "CRIBENCH_SPEC_VARIABLE"; $0.value = "from-the-spec"
                        },
                        .with {
                            $0.key = "LD_PRELOAD"; $0.value = "/nonexistent-cribench.so"
                        },
                    ]
                    config.linux.securityContext.noNewPrivs = true
                    config.linux.securityContext.seccomp = .with { $0.profileType = .runtimeDefault }
                    let id = try await createContainer(client, in: pod, config)
                    try await client.startContainer(id)
                    let pid = try #require(
                        try await verbosePID(client.containerStatusInfo(id)),
                        "ContainerStatus verbose info names the pid")

                    var exe = stat(), host = stat()
                    #expect(stat("/proc/\(pid)/exe", &exe) == 0 && stat(hostRuntime, &host) == 0)
                    #expect(exe.st_dev != host.st_dev, "the instance runs from a sealed view, not \(hostRuntime)")
                    let writable = open("/proc/\(pid)/exe", O_WRONLY)
                    let openError = errno
                    if writable >= 0 { close(writable) }
                    #expect(
                        writable < 0 && (openError == EROFS || openError == ETXTBSY),
                        "the instance's executable cannot be written: errno \(openError)")

                    let spec = try bundleConfig(id)
                    let specEnvironment = (spec["process"] as? [String: Any])?["env"] as? [String] ?? []
                    #expect(
                        specEnvironment.contains("CRIBENCH_SPEC_VARIABLE=from-the-spec")
                            && specEnvironment.contains("LD_PRELOAD=/nonexistent-cribench.so"))
                    let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
                    let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                    #expect(
                        variables.isEmpty,
                        "the process starts with no environment (the module gets the spec's through WASI): \(variables)"
                    )

                    let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap(
                        Int32.init
                    ).sorted()
                    let beyondStdio = descriptors.filter { $0 > 2 }
                    #expect(
                        descriptors.starts(with: [0, 1, 2]) && beyondStdio.count <= 1,
                        "stdio and WASI's root only: \(descriptors)")
                    for fd in beyondStdio {
                        var info = stat()
                        #expect(
                            stat("/proc/\(pid)/fd/\(fd)", &info) == 0 && info.st_mode & S_IFMT == S_IFDIR,
                            "fd \(fd) is WASI's preopened root")
                    }

                    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
                    #expect(status.contains("Seccomp:\t2"), "a seccomp filter is in force")
                    #expect(status.contains("NoNewPrivs:\t1"))
                    try await client.stopContainer(id, gracePeriodSeconds: 10)
                }
            }
            #expect(try fileDigest(hostRuntime) == hashBefore, "\(hostRuntime) is unchanged")
        }

        /// While the module's start function runs, setup still holds a descriptor of /proc/self/fd;
        /// escaped code must not climb from it to /proc/sys or sysrq-trigger (the container's /proc
        /// covers them with mounts that are detached by then). Watched from the host during a start
        /// function that loops until setup's deadline.
        @Test func theDescriptorSetupKeepsDuringInstantiationReachesNoKernelSettings() async throws {
            try await withRuntime { client in
                try await withInstanceInSetup(client, "wasm-setupfd", deadlineSeconds: 6) { id, started in
                    var procDirectories: [String] = []
                    try await eventually("the instance's setup descriptors are visible") {
                        guard let pid = instanceProcesses(of: id).first,
                            let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
                        else { return false }
                        // A process's fd directory in some procfs: its parent holds the process's status.
                        procDirectories = fds.map { "/proc/\(pid)/fd/\($0)" }.filter { path in
                            FileManager.default.fileExists(atPath: "\(path)/../status")
                        }
                        return !procDirectories.isEmpty
                    }
                    for directory in procDirectories {
                        for escape in ["../../sys/kernel", "../../sysrq-trigger", "../../kcore"] {
                            #expect(
                                !FileManager.default.fileExists(atPath: "\(directory)/\(escape)"),
                                "\(directory)/\(escape) is reachable")
                        }
                    }
                    await #expect(throws: CRIError.self) { try await started.value }
                }
            }
        }

        /// A read-only hostPath whose directory holds a submount: the submount is read-only and
        /// nodev inside the instance too (the remount of a bind covered its top mount only).
        @Test func aReadOnlyHostPathsSubmountIsReadOnlyAndNodev() async throws {
            try await withRuntime { client in
                try await withHostDirectory([:]) { directory in
                    let submount = "\(directory)/sub"
                    try FileManager.default.createDirectory(atPath: submount, withIntermediateDirectories: false)
                    try #require(mount("tmpfs", submount, "tmpfs", 0, "mode=0755") == 0, "mount a tmpfs at \(submount)")
                    defer { umount2(submount, Int32(MNT_DETACH)) }
                    try #require(
                        mknod("\(submount)/null", S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0,
                        "a null device node in the submount")
                    try #require(
                        mknod("\(directory)/null", S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0,
                        "and one at the volume's top")
                    try await withProbePod(client, "wasm-submount") { pod in
                        let log = try await probe(
                            client, in: pod,
                            [
                                "write:/data/sub/new.txt", "stat:/data/sub/null", "read:/data/sub/null",
                                "read:/data/null", "read:/dev/null",
                            ]
                        ) { config in
                            config.mounts = [
                                .with {
                                    $0.containerPath = "/data"; $0.hostPath = directory; $0.readonly = true
                                }
                            ]
                        }
                        #expect(
                            log.contains { $0.hasPrefix("write /data/sub/new.txt: denied") },
                            "the submount is read-only: \(log)")
                        #expect(log.contains("stat /data/sub/null: character-device"), "the node is seen: \(log)")
                        #expect(
                            log.contains("read /data/sub/null: denied Permission denied"),
                            "the submount is nodev: \(log)")
                        #expect(
                            log.contains("read /data/null: denied Permission denied"), "the volume is nodev: \(log)")
                        #expect(log.contains("read /dev/null: ok "), "the default device works: \(log)")
                        #expect(!FileManager.default.fileExists(atPath: "\(submount)/new.txt"))
                        // The control: mounted writable, the same write lands.
                        let writable = try await probe(client, in: pod, ["write:/data/sub/new.txt"]) { config in
                            config.mounts = [
                                .with {
                                    $0.containerPath = "/data"; $0.hostPath = directory
                                }
                            ]
                        }
                        #expect(writable.contains("write /data/sub/new.txt: ok"), "\(writable)")
                    }
                    // A writable volume whose submount the host made read-only: the submount stays
                    // read-only (an "rw" volume clears read-only on its own top mount only, as runc).
                    try #require(
                        mount(nil, submount, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) == 0,
                        "remount,bind,ro \(submount)")
                    try await withProbePod(client, "wasm-rosubmount") { pod in
                        let log = try await probe(
                            client, in: pod, ["write:/data/sub/other.txt", "write:/data/top.txt"]
                        ) { config in
                            config.mounts = [
                                .with {
                                    $0.containerPath = "/data"; $0.hostPath = directory
                                }
                            ]
                        }
                        #expect(log.contains { $0.hasPrefix("write /data/sub/other.txt: denied") }, "\(log)")
                        #expect(log.contains("write /data/top.txt: ok"), "the volume itself is writable: \(log)")
                    }
                    #expect(!FileManager.default.fileExists(atPath: "\(submount)/other.txt"))
                }
            }
        }

        func fileDigest(_ path: String) throws -> String {
            let result = try ChildProcess.run("/usr/bin/sha256sum", [path], environment: [:])
            return String(result.out.prefix(64))
        }

        /// The bundle's config.json as containerd wrote it for the runtime.
        func bundleConfig(_ id: String) throws -> [String: Any] {
            let path = "\(environment.stateDirectory)/state/io.containerd.runtime.v2.task/k8s.io/\(id)/config.json"
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        /// Processes whose command line names the container: wasm-runc's instance carries its id.
        func instanceProcesses(of id: String) -> [Int32] {
            let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
            return pids.filter { pid in
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
                return String(decoding: data, as: UTF8.self).contains(id)
                    && String(decoding: data, as: UTF8.self).contains("_init")
            }
        }
    }
}

extension CRIClient {
    /// ContainerStatus with verbose info (containerd puts the pid there).
    func containerStatusInfo(_ id: String) async throws -> [String: String] {
        try await containerStatusResponse(id, verbose: true).info
    }
}
