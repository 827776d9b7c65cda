/// `ps --format json ID`: the instance's one process, or none once it has stopped.
extension InstanceCommand {
    func ps() throws {
        let state = try InstanceRecord.load(root: invocation.root, id: id)
        guard invocation.value(of: "--format", "-f") == "json" else {
            print("PID\n" + (state.isAlive ? "\(state.pid)" : ""))
            return
        }
        print(state.isAlive ? "[\(state.pid)]" : "[]")
    }
}
