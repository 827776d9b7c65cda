import Foundation

/// A strict reader over one parsed YAML value of a manifest: every field read is checked for
/// its type, and a mapping read with `fields` must be wholly consumed, so a field CRIBench does
/// not support is an error naming it and its document instead of being dropped silently.
public struct ManifestError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

struct ManifestNode {
    let value: Any
    /// "document 2 (Pod web)", for messages.
    let document: String
    /// "spec.containers[0].image".
    let path: String

    func fail(_ what: String) -> ManifestError {
        ManifestError("\(document): \(path.isEmpty ? "the document" : path) \(what)")
    }

    func child(_ key: String, _ value: Any) -> ManifestNode {
        ManifestNode(value: value, document: document, path: path.isEmpty ? key : "\(path).\(key)")
    }

    var string: String? { value as? String }

    /// A scalar as text (Kubernetes annotations and env values are strings; YAML may have
    /// typed `1` or `true`, which the API server would reject and the design notes' Pod sketch uses).
    func scalarText() throws -> String {
        switch value {
        case let text as String: return text
        case let number as Int: return String(number)
        case let number as Double: return String(number)
        case let flag as Bool: return flag ? "true" : "false"
        default: throw fail("must be a string")
        }
    }

    func requireString() throws -> String {
        guard let text = value as? String else {
            throw fail("must be a string (quote it: YAML reads \(value) as a \(type(of: value)))")
        }
        return text
    }

    func requireInt() throws -> Int {
        if let number = value as? Int { return number }
        throw fail("must be an integer")
    }

    func requireBool() throws -> Bool {
        if let flag = value as? Bool { return flag }
        throw fail("must be true or false")
    }

    func list() throws -> [ManifestNode] {
        guard let items = value as? [Any] else { throw fail("must be a list") }
        return items.enumerated().map { ManifestNode(value: $1, document: document, path: "\(path)[\($0)]") }
    }

    /// Strings only, as the API server takes them: YAML 1.1 would turn an unquoted `1.10` into
    /// 1.1 and `yes` into true, and passing those on changed would be worse than refusing.
    func stringList() throws -> [String] { try list().map { try $0.requireString() } }

    /// With `typedScalars`, also a number or boolean, as text (only the design notes' annotations need it).
    func stringMap(typedScalars: Bool = false) throws -> [String: String] {
        guard let map = value as? [String: Any] else { throw fail("must be a mapping") }
        var result: [String: String] = [:]
        for (key, item) in map {
            result[key] = typedScalars ? try child(key, item).scalarText() : try child(key, item).requireString()
        }
        return result
    }

    /// Reads a mapping through `body`; afterwards every key must have been taken.
    func fields<T>(_ body: (inout FieldReader) throws -> T) throws -> T {
        guard let map = value as? [String: Any] else { throw fail("must be a mapping") }
        var reader = FieldReader(node: self, map: map)
        let result = try body(&reader)
        if let unknown = map.keys.filter({ !reader.taken.contains($0) }).sorted().first {
            throw ManifestError(
                "\(document): \(child(unknown, 0).path) is not supported by bench pod (remove it, or see the README's "
                    + "\"Your own workloads\" for what is)"
            )
        }
        return result
    }
}

struct FieldReader {
    let node: ManifestNode
    let map: [String: Any]
    var taken: Set<String> = []

    /// The field, or nil when absent (YAML null counts as absent).
    mutating func optional(_ key: String) -> ManifestNode? {
        taken.insert(key)
        guard let value = map[key], !(value is NSNull) else { return nil }
        return node.child(key, value)
    }

    mutating func required(_ key: String) throws -> ManifestNode {
        guard let field = optional(key) else {
            throw ManifestError("\(node.document): \(node.child(key, 0).path) is required")
        }
        return field
    }

    /// A field bench pod knows to be harmless to skip here (scheduling, probes' absence of
    /// meaning on one node...): taken without being read. Kept to a short, documented list.
    mutating func accept(_ keys: String...) { taken.formUnion(keys) }
}
