/// CRI's container log format (what the kubelet reads back for `kubectl logs`):
/// "<RFC 3339 time> <stdout|stderr> <P|F> <text>", where P marks a partial line that the
/// next entry continues and F a full one.
public enum CRILogLine {
    public static func messages(_ text: String) -> [String] {
        var lines: [String] = [], partial = ""
        for entry in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let parts = entry.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 3, parts[1] == "stdout" || parts[1] == "stderr" else { continue }
            let message = parts.count == 4 ? String(parts[3]) : ""
            if parts[2] == "P" {
                partial += message
            } else {
                lines.append(partial + message)
                partial = ""
            }
        }
        if !partial.isEmpty { lines.append(partial) }
        return lines
    }
}
