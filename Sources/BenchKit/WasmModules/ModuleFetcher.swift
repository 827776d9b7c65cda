import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches a wasm module named by URL (the seeds' `wasm.module.url`): http, https or file.
/// Whatever comes back must be a wasm binary (magic "\0asm", version 1), or the error says
/// what came instead.
public enum ModuleFetcher {
    public static let maximumBytes = 256 << 20

    public static func fetch(_ text: String, timeout: Duration = .seconds(30)) async throws -> Data {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw BenchError("module URL '\(text)' is not a URL: give http://, https:// or file:// and the module's path")
        }
        let data: Data
        switch scheme {
        case "file":
            guard let contents = FileManager.default.contents(atPath: url.path) else {
                throw BenchError("module URL \(text): no readable file at \(url.path)")
            }
            data = contents
        case "http", "https":
            data = try await download(url, text: text, timeout: timeout)
        default:
            throw BenchError("module URL \(text): scheme \(scheme) is not supported (use http, https or file)")
        }
        guard data.count <= maximumBytes else { throw BenchError("module URL \(text) returned \(data.count) bytes, more than the \(maximumBytes >> 20) MiB a module may have") }
        try checkIsWasm(data, source: text)
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
            throw BenchError("module URL \(text) does not answer (\(error.localizedDescription)): check the address, or that its server is up")
        }
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            throw BenchError("module URL \(text) answered HTTP \(http.statusCode) (\(HTTPURLResponse.localizedString(forStatusCode: http.statusCode))): check the path")
        }
        return data
    }

    public static func checkIsWasm(_ data: Data, source: String) throws {
        let magic: [UInt8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
        guard data.count >= 8, Array(data.prefix(8)) == magic else {
            let start = String(decoding: data.prefix(24), as: UTF8.self).unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : "." }.joined()
            throw BenchError("module URL \(source) did not return a wasm module (\(data.count) bytes starting \"\(start)\", not the wasm magic \\0asm version 1): point it at a .wasm file")
        }
    }
}
