/// What the runtime needs from an OCI bundle's config.json.
public struct OCIBundle {
    public let path: String
    public let rootfs: String
    public let args: [String]
    public let environment: [String]
    public let workingDirectory: String
    /// linux.cgroupsPath: with the cgroupfs driver, a path under each cgroup v1 hierarchy.
    public let cgroupsPath: String?
    public let annotations: [String: String]
    /// Namespaces, mounts, credentials and limits: what makes the instance a container.
    public let spec: LinuxSpec

    public init(path: String) throws {
        let configPath = path + "/config.json"
        let config: JSON
        do {
            config = try JSON.parse(try Posix.readText(configPath))
        } catch {
            throw RuntimeError("bundle \(path): cannot read config.json: \(error)")
        }
        try self.init(path: path, config: config)
    }

    public init(path: String, config: JSON) throws {
        self.path = path
        let root = config["root"]?["path"]?.string ?? "rootfs"
        self.rootfs = root.hasPrefix("/") ? root : path + "/" + root
        guard let process = config["process"] else {
            throw RuntimeError("bundle \(path): config.json has no process")
        }
        self.args = process["args"]?.array?.compactMap(\.string) ?? []
        self.environment = process["env"]?.array?.compactMap(\.string) ?? []
        self.workingDirectory = process["cwd"]?.string ?? "/"
        self.cgroupsPath = config["linux"]?["cgroupsPath"]?.string
        var annotations: [String: String] = [:]
        if case .object(let members)? = config["annotations"] {
            for (key, value) in members { annotations[key] = value.string }
        }
        self.annotations = annotations
        self.spec = LinuxSpec(config: config)
    }

    /// The entrypoint as the container sees it: args[0] if absolute, else looked up relative
    /// to the working directory and then in the PATH the environment gives, every candidate
    /// resolved inside the rootfs (a symlink to /usr/bin/x means the rootfs's /usr/bin/x).
    public func entrypointGuestPath() -> String? {
        guard let entry = args.first, !entry.isEmpty else { return nil }
        if entry.hasPrefix("/") { return entry }
        if entry.contains("/") { return GuestPath.join(workingDirectory, entry) }
        let path =
            environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
            ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in [workingDirectory] + path.split(separator: ":").map(String.init) {
            let candidate = GuestPath.join(directory, entry)
            if GuestPath.isRegularFile(candidate, in: rootfs) { return candidate }
        }
        return nil
    }
}
