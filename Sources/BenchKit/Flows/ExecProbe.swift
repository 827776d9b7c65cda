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
            return isRefusal(error) ? .unsupported(text) : .failed(text)
        }
    }

    /// A runtime's "this container cannot exec": gRPC's Unimplemented (a shim without Exec), or
    /// a refusal that names a wasm instance (wasm-runc's). Any other failure, "not supported"
    /// from a broken OCI runtime included, is a failed probe, never a side not measured.
    static func isRefusal(_ error: any Error) -> Bool {
        if (error as? CRIError)?.code == .unimplemented { return true }
        let text = "\(error)"
        return text.contains("not supported") && text.contains("wasm instance")
    }
}
