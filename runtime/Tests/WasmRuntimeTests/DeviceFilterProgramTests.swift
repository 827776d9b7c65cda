import Testing
import WasmRuntime

/// The cgroup v2 device program, run from its encoded bytes through a small interpreter of the
/// few eBPF instructions it may use, against what runc's default rules allow.
@Suite struct DeviceFilterProgramTests {
    /// Runs the program on a bpf_cgroup_dev_ctx; nil for an instruction it does not know.
    func run(_ bytes: [UInt8], type: UInt32, major: UInt32, minor: UInt32, access: String) -> Int? {
        let access = UInt32(DeviceFilterProgram.accessBits(access))
        let context = [(access << 16) | type, major, minor]
        var registers = [UInt64](repeating: 0, count: 11)
        var pc = 0, steps = 0
        while pc * 8 + 8 <= bytes.count, steps < 10_000 {
            steps += 1
            let instruction = Array(bytes[(pc * 8)..<(pc * 8 + 8)])
            let code = instruction[0], destination = Int(instruction[1] & 0x0f), source = Int(instruction[1] >> 4)
            let offset = Int(Int16(bitPattern: UInt16(instruction[2]) | UInt16(instruction[3]) << 8))
            let immediate = Int32(
                bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(instruction[4 + $1]) << (8 * UInt32($1)) })
            pc += 1
            switch code {
            case 0x61:
                guard source == 1, offset % 4 == 0, (0..<3).contains(offset / 4) else { return nil }
                registers[destination] = UInt64(context[offset / 4])
            case 0x54:
                registers[destination] = UInt64(
                    UInt32(truncatingIfNeeded: registers[destination]) & UInt32(bitPattern: immediate))
            case 0x74:
                registers[destination] = UInt64(UInt32(truncatingIfNeeded: registers[destination]) >> UInt32(immediate))
            case 0xbc: registers[destination] = UInt64(UInt32(truncatingIfNeeded: registers[source]))
            case 0xb7: registers[destination] = UInt64(bitPattern: Int64(immediate))
            case 0x55: if registers[destination] != UInt64(bitPattern: Int64(immediate)) { pc += offset }
            case 0x95: return Int(registers[0])
            default: return nil
            }
        }
        return nil
    }

    /// (type, major, minor, access) → allowed, under runc's default rules alone.
    @Test(
        arguments: [
            ("c", 1, 3, "rwm", true), ("c", 1, 5, "r", true), ("c", 1, 9, "w", true), ("c", 5, 0, "rw", true),
            ("c", 5, 2, "rw", true), ("c", 136, 7, "rw", true), ("c", 1, 11, "r", false), ("b", 8, 0, "r", false),
            ("b", 1, 3, "r", false), ("c", 10, 229, "rw", false), ("c", 4, 1, "w", false), ("c", 137, 0, "r", false),
            ("c", 10, 200, "rwm", false),
        ] as [(String, UInt32, UInt32, String, Bool)])
    func runcsDefaultsAllowExactlyTheDefaultDevices(
        type: String, major: UInt32, minor: UInt32, access: String, allowed: Bool
    ) {
        let bytes = DeviceFilterProgram.instructions(for: []).flatMap(\.encoded)
        #expect(run(bytes, type: type == "b" ? 1 : 2, major: major, minor: minor, access: access) == (allowed ? 1 : 0))
    }

    @Test func specRulesAddAndRestrictAndTheLastMatchWins() {
        // Allow tun (c 10:200 rwm); deny every block device again; allow c 7:* read only.
        let rules = [
            LinuxSpec.DeviceRule(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),
            LinuxSpec.DeviceRule(allow: false, type: "b", major: nil, minor: nil, access: "rwm"),
            LinuxSpec.DeviceRule(allow: true, type: "c", major: 7, minor: nil, access: "r"),
        ]
        let bytes = DeviceFilterProgram.instructions(for: rules).flatMap(\.encoded)
        #expect(run(bytes, type: 2, major: 10, minor: 200, access: "rw") == 1)
        #expect(run(bytes, type: 2, major: 7, minor: 3, access: "r") == 1)
        #expect(run(bytes, type: 2, major: 7, minor: 3, access: "rw") == 0, "write is not in the rule's access")
        #expect(run(bytes, type: 1, major: 7, minor: 3, access: "r") == 0, "a block device of the same number")
        #expect(run(bytes, type: 2, major: 1, minor: 3, access: "rwm") == 1, "the defaults come after the spec's rules")
    }

    @Test func instructionsEncodeAsTheKernelReadsThem() {
        let first = DeviceFilterProgram.instructions(for: [])[0]
        #expect(first.encoded == [0x61, 0x12, 0, 0, 0, 0, 0, 0], "r2 = *(u32 *)(r1 + 0)")
        let jump = BPFInstruction(code: 0x55, destination: 4, source: 0, offset: -2, immediate: 136)
        #expect(jump.encoded == [0x55, 0x04, 0xfe, 0xff, 136, 0, 0, 0])
    }
}
