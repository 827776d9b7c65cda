import Foundation

/// The `cribench.env` format scripts/start-containerd.sh writes and scripts/lib.sh reads:
/// `KEY=VALUE` lines, `#` comments, no quoting (the start script refuses values with blanks
/// or quotes, so shell and Swift read the same thing).
enum EnvFile {
    static func parse(_ text: String, file: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "="),
                line[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                equals != line.startIndex
            else {
                throw BenchError(
                    "\(file):\(index + 1): not a KEY=VALUE line: \(line); restart the runtime with "
                        + "scripts/start-containerd.sh to rewrite it"
                )
            }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }
}
