/// The device rules as runc enforces them on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program.
/// The kernel calls it for every device access with `struct bpf_cgroup_dev_ctx { u32
/// access_type; u32 major; u32 minor; }` in r1 (access_type: the device type in the low 16
/// bits, 1 block and 2 char; the access in the high 16, 1 mknod, 2 read, 4 write) and allows
/// the access when it returns 1.
///
/// The program loads the four fields, then tests the rules from the last to the first (the last
/// match wins, as in the v1 devices cgroup), each a block that jumps to the next block on the
/// first field that does not match and otherwise returns the rule's verdict; nothing matched
/// returns 0. Not attached yet: see Cgroups, which refuses v2.
public struct BPFInstruction: Equatable, Sendable {
    public let code: UInt8
    public let destination: UInt8
    public let source: UInt8
    public let offset: Int16
    public let immediate: Int32

    public init(code: UInt8, destination: UInt8, source: UInt8, offset: Int16, immediate: Int32) {
        (self.code, self.destination, self.source, self.offset, self.immediate) = (
            code, destination, source, offset, immediate
        )
    }

    /// struct bpf_insn as the kernel reads it: code, dst_reg:4 | src_reg:4, off, imm (little-endian).
    public var encoded: [UInt8] {
        let offsetBits = UInt16(bitPattern: offset), immediateBits = UInt32(bitPattern: immediate)
        return [code, destination | (source << 4), UInt8(offsetBits & 0xff), UInt8(offsetBits >> 8)]
            + (0..<4).map { UInt8((immediateBits >> (8 * UInt32($0))) & 0xff) }
    }
}

public enum DeviceFilterProgram {
    // Opcodes (linux/bpf.h): class | operation | source.
    static let loadWord: UInt8 = 0x61 // BPF_LDX | BPF_MEM | BPF_W
    static let and32: UInt8 = 0x54 // BPF_ALU | BPF_AND | BPF_K
    static let shiftRight32: UInt8 = 0x74 // BPF_ALU | BPF_RSH | BPF_K
    static let move32Register: UInt8 = 0xbc // BPF_ALU | BPF_MOV | BPF_X
    static let move64: UInt8 = 0xb7 // BPF_ALU64 | BPF_MOV | BPF_K
    static let jumpIfNotEqual: UInt8 = 0x55 // BPF_JMP | BPF_JNE | BPF_K
    static let exit: UInt8 = 0x95 // BPF_JMP | BPF_EXIT

    /// BPF_DEVCG_ACC_* bits of an access string ("rwm").
    public static func accessBits(_ access: String) -> Int32 {
        (access.contains("m") ? 1 : 0) | (access.contains("r") ? 2 : 0) | (access.contains("w") ? 4 : 0)
    }

    /// The program for the rules an instance gets (``DeviceRules/effective(_:)``).
    public static func instructions(for specRules: [LinuxSpec.DeviceRule]) -> [BPFInstruction] {
        func op(
            _ code: UInt8, _ destination: UInt8, _ source: UInt8 = 0, offset: Int16 = 0, _ immediate: Int32 = 0
        ) -> BPFInstruction {
            BPFInstruction(code: code, destination: destination, source: source, offset: offset, immediate: immediate)
        }
        var program = [
            op(loadWord, 2, 1, offset: 0), op(and32, 2, 0, 0xffff), // r2: type
            op(loadWord, 3, 1, offset: 0), op(shiftRight32, 3, 0, 16), // r3: access
            op(loadWord, 4, 1, offset: 4), op(loadWord, 5, 1, offset: 8), // r4: major, r5: minor
        ]
        for rule in DeviceRules.effective(specRules).reversed() {
            // Each test jumps to the next block when its field does not match; offsets are
            // filled in once the block's length is known.
            var block: [BPFInstruction] = []
            var jumps: [Int] = []
            let type: Int32? = rule.type == "b" ? 1 : rule.type == "c" ? 2 : nil
            if let type {
                jumps.append(block.count)
                block.append(op(jumpIfNotEqual, 2, 0, type))
            }
            let bits = accessBits(rule.access)
            if bits != 7 {
                // Every access asked for must be one the rule names.
                block += [op(move32Register, 1, 3), op(and32, 1, 0, ~bits & 0xffff)]
                jumps.append(block.count)
                block.append(op(jumpIfNotEqual, 1, 0, 0))
            }
            for (register, number) in [(UInt8(4), rule.major), (UInt8(5), rule.minor)] {
                guard let number else { continue }
                jumps.append(block.count)
                block.append(op(jumpIfNotEqual, register, 0, Int32(truncatingIfNeeded: number)))
            }
            block += [op(move64, 0, 0, rule.allow ? 1 : 0), op(exit, 0)]
            for index in jumps {
                let jump = block[index]
                block[index] = op(
                    jump.code, jump.destination, jump.source, offset: Int16(block.count - index - 1), jump.immediate)
            }
            program += block
        }
        return program + [op(move64, 0, 0, 0), op(exit, 0)]
    }
}
