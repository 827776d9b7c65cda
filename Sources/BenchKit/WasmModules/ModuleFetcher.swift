import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches a wasm module named by URL (the wasm fork's `wasm.module.url`): http, https or file.
/// Whatever comes back must be a wasm binary (magic "\0asm", version 1), or the error says
/// what came instead.
public enum ModuleFetcher {
    public static let maximumBytes = 256 << 20

    public static func fetch(_ text: String, timeout: Duration = .seconds(30)) async throws -> Data {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw BenchError(
                "module URL '\(text)' is not a URL: give http://, https:// or file:// and the module's path")
        }
        let data: Data
        switch scheme {
        case "file":
            // A regular file of sane size only: not /dev/zero, not a FIFO that never ends.
            var info = stat()
            guard stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw BenchError("module URL \(text): no regular file at \(url.path)")
            }
            guard Int(info.st_size) <= maximumBytes else {
                throw BenchError(
                    "module URL \(text) is \(info.st_size) bytes, more than the \(maximumBytes >> 20) MiB a module "
                        + "may have"
                )
            }
            guard let contents = FileManager.default.contents(atPath: url.path) else {
                throw BenchError("module URL \(text): \(url.path) cannot be read")
            }
            data = contents
        case "http", "https":
            data = try await download(url, text: text, timeout: timeout)
        default:
            throw BenchError("module URL \(text): scheme \(scheme) is not supported (use http, https or file)")
        }
        guard data.count <= maximumBytes else {
            throw BenchError(
                "module URL \(text) returned \(data.count) bytes, more than the \(maximumBytes >> 20) MiB a module "
                    + "may have"
            )
        }
        // A local file is not echoed back: it may be anything root can read.
        try checkIsWasm(data, source: text, showStart: scheme != "file")
        return data
    }

    static func download(_ url: URL, text: String, timeout: Duration) async throws -> Data {
        var request = URLRequest(url: url)
        request.timeoutInterval = Double(timeout.components.seconds)
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw BenchError(
                "module URL \(text) does not answer (\(error.localizedDescription)): check the address, or that its "
                    + "server is up"
            )
        }
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            throw BenchError(
                "module URL \(text) answered HTTP \(http.statusCode) "
                    + "(\(HTTPURLResponse.localizedString(forStatusCode: http.statusCode))): check the path"
            )
        }
        return data
    }

    public static func checkIsWasm(_ data: Data, source: String, showStart: Bool = true) throws {
        let magic: [UInt8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
        guard data.count >= 8, Array(data.prefix(8)) == magic else {
            let start = String(decoding: data.prefix(24), as: UTF8.self).unicodeScalars.map {
                $0.isASCII && $0.value >= 0x20 ? String($0) : "."
            }.joined()
            let what = showStart ? "\(data.count) bytes starting \"\(start)\"" : "\(data.count) bytes"
            throw BenchError(
                "module URL \(source) did not return a wasm module (\(what), not the wasm magic \\0asm version 1): "
                    + "point it at a .wasm file"
            )
        }
    }
}
