#if canImport(Glibc)
import Glibc
#endif

/// `start ID`: releases the instance waiting in `_init` by reading its exec FIFO.
extension InstanceCommand {
    func start() throws {
        let state = try InstanceRecord.load(root: invocation.root, id: id)
        let fifo = InstanceRecord.execFIFO(root: invocation.root, id: id)
        switch state.status(root: invocation.root) {
        case .running: throw RuntimeError("container \(id) is already running")
        case .stopped: throw RuntimeError("cannot start container \(id): it has stopped")
        case .created: break
        }
        // Non-blocking, so a dead instance cannot hang `start`; then wait for its byte.
        let fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeError.errno("open \(fifo)") }
        defer { close(fd) }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var byte: UInt8 = 0
        let deadline = 10_000
        var waited = 0
        while waited < deadline {
            let ready = poll(&descriptor, 1, 100)
            if ready > 0, read(fd, &byte, 1) == 1 {
                unlink(fifo)
                return
            }
            guard state.isAlive else {
                throw RuntimeError("cannot start container \(id): its instance exited before start")
            }
            waited += 100
        }
        throw RuntimeError("cannot start container \(id): its instance did not answer within 10 s")
    }
}
