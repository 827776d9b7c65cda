import Foundation

/// A wasm module packaged as CRIBench's wasm images are (scripts/build-wasm-images.sh): one
/// plain OCI manifest (no index: containerd 1.6 rejects an index whose only platform is
/// wasi/wasm), config os wasi, architecture wasm, entrypoint naming the module, one
/// uncompressed layer holding it.
public struct WasmImageLayout: Sendable {
    public struct Blob: Sendable {
        public let mediaType: String
        public let data: Data
        public let digest: String

        init(mediaType: String, data: Data) {
            self.mediaType = mediaType
            self.data = data
            digest = "sha256:" + SHA256.hex(data)
        }
    }

    public let layer: Blob
    public let config: Blob
    public let manifest: Blob

    public init(module: Data, fileName requested: String, sourceURL: String) throws {
        // A ustar name holds 100 bytes; a longer one would not match the entrypoint.
        let fileName = requested.utf8.count <= 100 && !requested.contains("/") ? requested : "module.wasm"
        layer = Blob(
            mediaType: "application/vnd.oci.image.layer.v1.tar",
            data: TarArchive.single(fileName: fileName, contents: module, mode: 0o755))
        let configObject: [String: Any] = [
            "architecture": "wasm", "os": "wasi",
            "config": [
                "Entrypoint": ["/" + fileName],
                "Labels": ["io.cribench.kind": "wasm", "io.cribench.module-url": sourceURL],
            ],
            "rootfs": ["type": "layers", "diff_ids": [layer.digest]],
        ]
        config = Blob(
            mediaType: "application/vnd.oci.image.config.v1+json",
            data: try JSONSerialization.data(withJSONObject: configObject, options: [.sortedKeys]))
        let manifestObject: [String: Any] = [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": ["mediaType": config.mediaType, "digest": config.digest, "size": config.data.count],
            "layers": [["mediaType": layer.mediaType, "digest": layer.digest, "size": layer.data.count]],
        ]
        manifest = Blob(
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            data: try JSONSerialization.data(withJSONObject: manifestObject, options: [.sortedKeys]))
    }
}

/// A POSIX ustar archive of one regular file owned by root.
enum TarArchive {
    static func single(fileName: String, contents: Data, mode: Int) -> Data {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, width: Int) -> String { String(value, radix: 8).leftPadded(to: width - 1) }
        put(fileName, at: 0, width: 100)
        put(octal(mode, width: 8), at: 100, width: 8)
        put(octal(0, width: 8), at: 108, width: 8)
        put(octal(0, width: 8), at: 116, width: 8)
        put(octal(contents.count, width: 12), at: 124, width: 12)
        put(octal(0, width: 12), at: 136, width: 12)
        put("0", at: 156, width: 1)
        put("ustar\u{0}00", at: 257, width: 8)
        put("root", at: 265, width: 32)
        put("root", at: 297, width: 32)
        // The checksum is taken with its own field as spaces.
        for index in 148..<156 { header[index] = 0x20 }
        let sum = header.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + "\u{0} ", at: 148, width: 8)
        var archive = Data(header)
        archive.append(contents)
        archive.append(Data(count: (512 - contents.count % 512) % 512))
        archive.append(Data(count: 1024))
        return archive
    }
}
