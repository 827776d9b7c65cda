import Foundation

/// Kubernetes resource quantities ("128Mi", "1G", "500m", "0.5", 2), as the API server
/// reads them: binary suffixes Ki..Ei, decimal k..E, milli "m", plain numbers and exponents.
enum Quantity {
    static let binary: [String: Double] = [
        "Ki": 1024, "Mi": 1_048_576, "Gi": 1_073_741_824, "Ti": 1_099_511_627_776, "Pi": 1_125_899_906_842_624,
        "Ei": 1_152_921_504_606_846_976,
    ]
    static let decimal: [String: Double] = ["m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18]

    static func value(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in binary where trimmed.hasSuffix(suffix) {
            return Double(trimmed.dropLast(2)).map { $0 * factor }
        }
        if let last = trimmed.last.map(String.init), let factor = decimal[last] {
            return Double(trimmed.dropLast()).map { $0 * factor }
        }
        return Double(trimmed)
    }

    static func number(_ node: ManifestNode) throws -> Double {
        let text = try node.scalarText()
        guard let value = value(text), value >= 0, value.isFinite else {
            throw node.fail("is not a Kubernetes quantity: \(text) (e.g. 128Mi, 1G, 500m, 2)")
        }
        return value
    }

    /// Bounded so that the kubelet's arithmetic on them cannot overflow: 1 EiB of memory,
    /// a million cores.
    static func bytes(_ node: ManifestNode) throws -> Int64 {
        let value = try number(node)
        guard value <= 1_152_921_504_606_846_976 else {
            throw node.fail("is more memory than any node has: \(try node.scalarText())")
        }
        return Int64(value.rounded(.up))
    }

    static func millicores(_ node: ManifestNode) throws -> Int64 {
        let value = try number(node)
        guard value <= 1_000_000 else { throw node.fail("is more CPU than any node has: \(try node.scalarText())") }
        // Up to whole millicores, as the API server does, without 0.1 * 1000 becoming 101.
        return Int64(((value * 1000 * 1e6).rounded() / 1e6).rounded(.up))
    }
}
