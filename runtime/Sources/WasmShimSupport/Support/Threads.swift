#if canImport(Glibc)
import Glibc
#endif

/// A detached thread running `body`. The shim blocks on system calls (poll, waitpid, a
/// module's setup) and keeps its memory small and predictable, so it uses plain threads
/// rather than a cooperative pool that a blocked call would starve.
public func startThread(_ body: @escaping () -> Void) {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    pthread_attr_setstacksize(&attributes, 1 << 20)
    let created = pthread_create(
        &thread, &attributes,
        { argument in
            Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().body()
            return nil
        }, box)
    if created != 0 {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        fatalError("pthread_create: \(String(cString: strerror(created)))")
    }
}

private final class ThreadBody {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// A mutex with a condition, for the few pieces of shared state.
public final class Guarded<Value> {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    @discardableResult
    public func with<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        let result = try body(&value)
        pthread_cond_broadcast(&condition)
        return result
    }

    /// Waits until `ready` returns a value, then returns it.
    public func wait<Result>(until ready: (inout Value) -> Result?) -> Result {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while true {
            if let result = ready(&value) { return result }
            pthread_cond_wait(&condition, &mutex)
        }
    }
}
