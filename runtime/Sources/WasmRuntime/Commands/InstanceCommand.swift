/// A runc command about an existing wasm instance (start, state, kill, delete, ps): the
/// command line and the instance's id. Each command is an extension in its own file.
struct InstanceCommand {
    let invocation: RuncCommandLine
    let id: String

    init(_ invocation: RuncCommandLine, id: String) {
        self.invocation = invocation
        self.id = id
    }
}
