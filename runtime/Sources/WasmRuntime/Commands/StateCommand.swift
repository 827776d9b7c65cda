/// `state ID`: runc's JSON, which containerd's shim parses.
extension InstanceCommand {
    func state() throws {
        print(try InstanceRecord.load(root: invocation.root, id: id).runcStateJSON(root: invocation.root))
    }
}
