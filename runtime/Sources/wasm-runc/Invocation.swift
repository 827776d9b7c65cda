import WasmRuntime

/// A parsed command line in runc's shape: global flags, a command, its flags and arguments.
struct Invocation {
    var root = "/run/wasm-runc"
    var logPath: String?
    var logJSON = false
    var command = ""
    /// The command's own arguments, flags included, in order.
    var arguments: [String] = []
    /// The whole command line as given, to hand to runc unchanged.
    let original: [String]

    /// Global flags runc takes that carry a value; others (--debug, --systemd-cgroup) stand alone.
    static let valuedGlobals: Set<String> = ["--root", "--log", "--log-format", "--criu", "--rootless"]

    init(_ argv: [String]) {
        original = argv
        var index = 1
        while index < argv.count, argv[index].hasPrefix("-") {
            let flag = argv[index]
            if flag == "--version" || flag == "-v" || flag == "--help" || flag == "-h" { break }
            var name = flag, value: String?
            if let equals = flag.firstIndex(of: "=") {
                name = String(flag[..<equals])
                value = String(flag[flag.index(after: equals)...])
            } else if Self.valuedGlobals.contains(flag), index + 1 < argv.count {
                index += 1
                value = argv[index]
            }
            switch name {
            case "--root": root = value ?? root
            case "--log": logPath = value
            case "--log-format": logJSON = value == "json"
            default: break
            }
            index += 1
        }
        if index < argv.count {
            command = argv[index]
            arguments = Array(argv[(index + 1)...])
        }
    }

    var log: RuntimeLog { RuntimeLog(path: logPath, json: logJSON) }

    /// The command's positional arguments, skipping its flags (and the values of `valued` flags).
    func positionals(valued: Set<String> = []) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("-") {
                if valued.contains(argument) { index += 1 }
            } else {
                result.append(argument)
            }
            index += 1
        }
        return result
    }

    /// The value of a command flag given as `--name value` or `--name=value`.
    func value(of names: String...) -> String? {
        for (index, argument) in arguments.enumerated() {
            for name in names {
                if argument == name, index + 1 < arguments.count { return arguments[index + 1] }
                if argument.hasPrefix(name + "=") { return String(argument.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }

    func has(_ names: String...) -> Bool { arguments.contains { names.contains($0) } }
}
