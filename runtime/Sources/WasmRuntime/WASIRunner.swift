import WasmKit
import WasmKitWASI

/// A WASI command module, parsed and instantiated, ready to run: args, env and the container's
/// root preopened as the guest's `/` (after pivot_root, `/` is the container's own root),
/// stdio on fds 0-2. Messages name the module by its path inside the container.
public final class WASIInstance {
    private let wasi: WASIBridgeToHost
    private let instance: Instance
    public let modulePath: String

    public init(
        module bytes: [UInt8], guestPath modulePath: String, arguments: [String], environment: [String],
        root: String = "/"
    ) throws {
        self.modulePath = modulePath
        let module: Module
        do {
            module = try parseWasm(bytes: bytes)
        } catch {
            throw RuntimeError("module \(modulePath) is not valid WebAssembly: \(error)")
        }
        guard module.exports.contains(where: { $0.name == "_start" }) else {
            throw RuntimeError("module \(modulePath) is not a WASI command: it exports no _start function")
        }
        var variables: [String: String] = [:]
        for entry in environment {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            variables[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        do {
            wasi = try WASIBridgeToHost(
                args: arguments, environment: variables,
                preopens: [.init(guestPath: "/", hostPath: root)])
            let engine = Engine()
            let store = Store(engine: engine)
            var imports = Imports()
            wasi.link(to: &imports, store: store)
            instance = try module.instantiate(store: store, imports: imports)
        } catch {
            throw RuntimeError("module \(modulePath) cannot be instantiated: \(error)")
        }
    }

    /// Runs _start. Returns the guest's exit code (proc_exit's, or 0 when _start returns), or
    /// 134 after a trap, with the trap written to stderr for the container's log.
    public func run() -> Int32 {
        do {
            return Int32(bitPattern: try wasi.start(instance))
        } catch {
            let message = "wasm-runc: \(modulePath): wasm trap: \(error)\n"
            _ = try? Posix.writeAll(2, Array(message.utf8), what: "stderr")
            return Self.trapExitCode
        }
    }

    /// A trapped instance exits like a process that aborted (128 + SIGABRT).
    public static let trapExitCode: Int32 = 134
}
