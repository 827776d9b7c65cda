import CRIClient
import Foundation
import Testing

/// A wrong endpoint fails at once with one line naming it and what was found there.
@Suite("Endpoint faults", .timeLimit(.minutes(10)))
struct EndpointFaultTests {
    func expectFailure(_ endpoint: CRIEndpoint, code: CRIError.Code, mentioning words: [String]) async throws {
        let error = await #expect(throws: CRIError.self) {
            try await withCRIClient(endpoint: endpoint, timeout: .seconds(5)) { try await $0.version() }
        }
        let message = try #require(error).description
        #expect(try #require(error).code == code, "\(message)")
        #expect(message.contains(endpoint.socketPath), "the error names the endpoint: \(message)")
        #expect(!message.contains("\n"), "one line: \(message)")
        for word in words { #expect(message.contains(word), "\(message) should say \(word)") }
    }

    @Test func missingSocket() async throws {
        try await expectFailure(
            CRIEndpoint(socketPath: "/run/cribench-no-such-dir/cri.sock"), code: .noSuchSocket,
            mentioning: ["no such file", "start-containerd.sh"])
    }

    @Test func pathThatIsNotASocket() async throws {
        let path = NSTemporaryDirectory() + "cribench-not-a-socket-\(UUID().uuidString)"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("plain file".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await expectFailure(CRIEndpoint(socketPath: path), code: .notASocket, mentioning: ["not a unix socket"])
    }

    @Test func socketNobodyServes() async throws {
        let server = try UnixSocketServer(listening: false)
        defer { server.close() }
        try await expectFailure(
            CRIEndpoint(socketPath: server.path), code: .connectionFailed, mentioning: ["connection refused"])
    }

    @Test func serverThatIsNotACRIRuntime() async throws {
        let server = try UnixSocketServer(
            listening: true, reply: "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        defer { server.close() }
        let error = await #expect(throws: CRIError.self) {
            try await withCRIClient(endpoint: CRIEndpoint(socketPath: server.path), timeout: .seconds(5)) {
                try await $0.version()
            }
        }
        let message = try #require(error).description
        #expect(try #require(error).code == .notCRI, "\(message)")
        #expect(message.contains(server.path) && message.contains("Version"), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test(arguments: ["tcp://127.0.0.1:5000", "relative/path.sock", "unix://relative", ""])
    func malformedEndpointsAreRefused(text: String) {
        #expect(throws: CRIError.self) { try CRIEndpoint(parsing: text) }
    }

    @Test func endpointsParseLikeCrictl() throws {
        #expect(
            try CRIEndpoint(parsing: "unix:///run/containerd/containerd.sock").socketPath
                == "/run/containerd/containerd.sock")
        #expect(try CRIEndpoint(parsing: "/run/x.sock").description == "unix:///run/x.sock")
    }
}

/// A unix socket in a temporary directory: bound but not listening (connections are refused),
/// or listening and answering every connection with `reply` (a server that is not CRI), or,
/// `silent`, accepting connections and never answering.
final class UnixSocketServer: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private var thread: Thread?

    init(listening: Bool, reply: String = "", silent: Bool = false) throws {
        path = "/tmp/cribench-\(UUID().uuidString.prefix(8)).sock"
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw TestFailure("cannot bind \(path)") }
        guard listening else { return }
        listen(fd, 8)
        let listener = fd
        let thread = Thread {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                // Held open, never read or written, until the server closes.
                if silent { continue }
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = read(client, &buffer, buffer.count)
                _ = reply.withCString { write(client, $0, strlen($0)) }
                Glibc.close(client)
            }
        }
        thread.start()
        self.thread = thread
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        unlink(path)
    }
}
