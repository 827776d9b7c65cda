/// The API server's rules for names and label values. They matter here beyond form: names
/// become paths (log files, volume directories) and op names, so `../x` must never get through.
enum KubernetesNames {
    static func isLabel(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 63 && text.wholeMatch(of: /[a-z0-9]([-a-z0-9]*[a-z0-9])?/) != nil
    }

    static func isSubdomain(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 253 && text.wholeMatch(of: /[a-z0-9]([-a-z0-9.]*[a-z0-9])?/) != nil
    }

    static func isLabelValue(_ text: String) -> Bool {
        text.count <= 63 && text.wholeMatch(of: /(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?/) != nil
    }

    static func label(_ node: ManifestNode) throws -> String {
        let text = try node.requireString()
        guard isLabel(text) else {
            throw node.fail("must be a DNS-1123 label (lower-case letters, digits and '-', at most 63), not '\(text)'")
        }
        return text
    }

    static func subdomain(_ node: ManifestNode) throws -> String {
        let text = try node.requireString()
        guard isSubdomain(text) else {
            throw node.fail("must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.'), not '\(text)'")
        }
        return text
    }

    static func labels(_ node: ManifestNode) throws -> [String: String] {
        let map = try node.stringMap(typedScalars: false)
        for (key, value) in map where !isLabelValue(value) {
            throw node.child(key, 0).fail(
                "is not a valid label value: '\(value)' (at most 63 letters, digits, '-', '_' or '.', starting and "
                    + "ending alphanumeric)"
            )
        }
        return map
    }
}
