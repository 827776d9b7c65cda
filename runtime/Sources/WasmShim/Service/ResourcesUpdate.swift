import SwiftProtobuf
import WasmRuntime
import WasmShimSupport

/// The new limits of an Update: an OCI LinuxResources that containerd's typeurl carries as
/// JSON (the same shape as a spec's linux.resources).
enum ResourcesUpdate {
    static func parse(_ any: Google_Protobuf_Any) throws -> LinuxSpec.Resources {
        guard any.typeURL.hasSuffix("LinuxResources") else {
            throw ShimError(.invalidArgument, "update: resources of type \(any.typeURL) are not OCI LinuxResources")
        }
        let resources: JSON
        do {
            resources = try JSON.parse(String(decoding: any.value, as: UTF8.self))
        } catch {
            throw ShimError(.invalidArgument, "update: the resources do not parse as JSON: \(error)")
        }
        return LinuxSpec(config: .object(["linux": .object(["resources": resources])])).resources
    }
}
