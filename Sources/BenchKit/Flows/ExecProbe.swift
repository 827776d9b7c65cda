import CRIClient

/// One exec probe as the kubelet runs one: an ExecSync of a trivial command whose output and
/// exit code are checked. A runtime that cannot exec (a wasm instance has no process to exec
/// into) answers with an error that says so; that answer is kept as what it is, never timed
/// as a fast probe.
public enum ExecProbe {
    public static let command = ["sh", "-c", "echo probe"]
    public static let expectedOutput = "probe\n"

    public enum Outcome: Sendable, Equatable {
        /// The probe ran and printed what it should, in this many nanoseconds.
        case answered(Int64)
        /// The runtime refused to exec, with its words.
        case unsupported(String)
        /// The probe ran wrong or the call failed for another reason.
        case failed(String)
    }

    public static func run(_ client: CRIClient, container: String, timeoutSeconds: Int64 = 10) async throws -> Outcome {
        do {
            let (result, elapsed) = try await timed {
                try await client.execSync(container, command: command, commandTimeoutSeconds: timeoutSeconds)
            }
            let output = String(decoding: result.stdout, as: UTF8.self)
            guard result.exitCode == 0, output == expectedOutput else {
                return .failed("exit code \(result.exitCode), stdout \(output.debugDescription)")
            }
            return .answered(elapsed)
        } catch  where Task.isCancelled {
            throw CancellationError()
        } catch {
            let text = "\(error)"
            return isRefusal(text) ? .unsupported(text) : .failed(text)
        }
    }

    /// The words runtimes use for "this container cannot exec": the shim's Unimplemented and
    /// wasm-runc's own refusal.
    static func isRefusal(_ text: String) -> Bool {
        text.contains("not supported") || text.lowercased().contains("unimplemented")
    }
}
