/// A parsed command line in runc's shape: global flags, a command, its flags and arguments.
public struct RuncCommandLine {
    public var root = "/run/wasm-runc"
    public var logPath: String?
    public var logJSON = false
    public var systemdCgroup = false
    public var command = ""
    /// The command's own arguments, flags included, in order.
    public var arguments: [String] = []
    /// The whole command line as given, to hand to runc unchanged.
    public let original: [String]

    public init(_ argv: [String]) {
        original = argv
        var index = 1
        while index < argv.count, argv[index].hasPrefix("-") {
            let flag = argv[index]
            if RuncFlags.terminal.contains(flag) { break }
            var name = flag, value: String?
            if let equals = flag.firstIndex(of: "=") {
                name = String(flag[..<equals])
                value = String(flag[flag.index(after: equals)...])
            } else if RuncFlags.globalValued.contains(flag), index + 1 < argv.count {
                index += 1
                value = argv[index]
            }
            switch name {
            case "--root": root = value ?? root
            case "--log": logPath = value
            case "--log-format": logJSON = value == "json"
            case "--systemd-cgroup": systemdCgroup = true
            default: break
            }
            index += 1
        }
        if index < argv.count {
            command = argv[index]
            arguments = Array(argv[(index + 1)...])
        }
    }

    public var log: RuntimeLog { RuntimeLog(path: logPath, json: logJSON) }

    /// The command's positional arguments, skipping its flags and the values of those the
    /// flag table says carry one.
    public var positionals: [String] {
        let valued = RuncFlags.valued(for: command)
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                result += arguments[(index + 1)...]
                break
            }
            if argument.hasPrefix("-") {
                if valued.contains(argument) { index += 1 }
            } else {
                result.append(argument)
            }
            index += 1
        }
        return result
    }

    /// The container the command is about: its first positional argument.
    public var containerID: String? { positionals.first }

    /// The value of a command flag given as `--name value` or `--name=value`.
    public func value(of names: String...) -> String? {
        for (index, argument) in arguments.enumerated() {
            for name in names {
                if argument == name, index + 1 < arguments.count { return arguments[index + 1] }
                if argument.hasPrefix(name + "=") { return String(argument.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }

    public func has(_ names: String...) -> Bool { arguments.contains { names.contains($0) } }
}
