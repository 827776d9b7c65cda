import Foundation

/// A local HTTP server for wasm modules by URL (no internet here): Python's http.server on a
/// free loopback port, serving one directory; stopped (killed and reaped) by `stop`.
final class ModuleServer: @unchecked Sendable {
    let directory: String
    let port: Int
    private let pid: pid_t
    private let scratch: String

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(serving directory: String) throws {
        self.directory = directory
        scratch = NSTemporaryDirectory() + "cribench-modserver-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        guard
            let python = ["/usr/bin/python3", "/bin/python3", "/usr/local/bin/python3"].first(
                where: FileManager.default.isExecutableFile)
        else {
            throw TestFailure("python3 is needed to serve modules over HTTP: apt-get install python3")
        }
        pid = try ChildProcess.spawn(
            python, ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory],
            environment: ChildProcess.cleanEnvironment, stdout: scratch + "/out", stderr: scratch + "/err")
        var found: Int?
        for _ in 0..<100 {
            let out = (try? String(contentsOfFile: scratch + "/out", encoding: .utf8)) ?? ""
            if let match = out.firstMatch(of: /port (\d+)/) { found = Int(match.1); break }
            usleep(50_000)
        }
        guard let found else {
            kill(pid, SIGKILL)
            _ = try? ChildProcess.wait(pid)
            throw TestFailure(
                "the module server did not start: "
                    + "\((try? String(contentsOfFile: scratch + "/err", encoding: .utf8)) ?? "")"
            )
        }
        port = found
    }

    func stop() {
        kill(pid, SIGKILL)
        _ = try? ChildProcess.wait(pid)
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
