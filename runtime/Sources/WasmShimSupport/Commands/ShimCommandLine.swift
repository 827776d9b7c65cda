/// The command line containerd gives a shim v2 binary: `-namespace NS -address ADDR
/// -publish-binary PATH -id ID [-debug] start|delete` (Go's flag syntax: one or two dashes,
/// `-name value` or `-name=value`), plus `serve`, this shim's own internal action.
public struct ShimCommandLine {
    public var namespace = "default"
    public var address = ""
    public var id = ""
    public var debug = false
    public var action = ""

    public init(_ arguments: [String]) {
        var index = 1
        while index < arguments.count {
            var argument = arguments[index]
            index += 1
            if argument == "--version" || argument == "-version" {
                action = "version"
                continue
            }
            guard argument.hasPrefix("-") else {
                if action.isEmpty { action = argument }
                continue
            }
            while argument.hasPrefix("-") { argument.removeFirst() }
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                value = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            if argument == "debug" || argument == "v" {
                debug = value.map { $0 != "false" } ?? true
                continue
            }
            if value == nil, index < arguments.count {
                value = arguments[index]
                index += 1
            }
            switch argument {
            case "namespace": namespace = value ?? namespace
            case "address": address = value ?? address
            case "id": id = value ?? id
            default: break
            }
        }
    }
}
