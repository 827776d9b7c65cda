
/// `state ID`: runc's JSON, which containerd's shim parses.
struct StateCommand {
    let invocation: RuncCommandLine
    let id: String

    init(_ invocation: RuncCommandLine, id: String) {
        self.invocation = invocation
        self.id = id
    }

    func run() throws {
        print(try InstanceRecord.load(root: invocation.root, id: id).runcStateJSON(root: invocation.root))
    }
}
