#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// A mount's option list split as mount(2) takes it: flags, propagation, and the data string
/// for the filesystem ("mode=755,size=65536k").
public struct MountOptions: Equatable {
    public var flags: UInt = 0
    /// Flags to clear from the defaults (e.g. "dev" clears MS_NODEV).
    public var clearedFlags: UInt = 0
    public var propagation: UInt = 0
    public var isBind = false
    public var isRecursive = false
    public var data: [String] = []

    static let flagTable: [String: (set: Bool, flag: UInt)] = [
        "ro": (true, UInt(MS_RDONLY)), "rw": (false, UInt(MS_RDONLY)),
        "nosuid": (true, UInt(MS_NOSUID)), "suid": (false, UInt(MS_NOSUID)),
        "nodev": (true, UInt(MS_NODEV)), "dev": (false, UInt(MS_NODEV)),
        "noexec": (true, UInt(MS_NOEXEC)), "exec": (false, UInt(MS_NOEXEC)),
        "sync": (true, UInt(MS_SYNCHRONOUS)), "async": (false, UInt(MS_SYNCHRONOUS)),
        "dirsync": (true, UInt(MS_DIRSYNC)),
        "noatime": (true, UInt(MS_NOATIME)), "atime": (false, UInt(MS_NOATIME)),
        "nodiratime": (true, UInt(MS_NODIRATIME)), "diratime": (false, UInt(MS_NODIRATIME)),
        "relatime": (true, UInt(MS_RELATIME)), "norelatime": (false, UInt(MS_RELATIME)),
        "strictatime": (true, UInt(MS_STRICTATIME)), "nostrictatime": (false, UInt(MS_STRICTATIME)),
        "mand": (true, UInt(MS_MANDLOCK)), "nomand": (false, UInt(MS_MANDLOCK)),
    ]

    static let propagationTable: [String: UInt] = [
        "private": UInt(MS_PRIVATE), "rprivate": UInt(MS_PRIVATE | MS_REC),
        "slave": UInt(MS_SLAVE), "rslave": UInt(MS_SLAVE | MS_REC),
        "shared": UInt(MS_SHARED), "rshared": UInt(MS_SHARED | MS_REC),
        "unbindable": UInt(MS_UNBINDABLE), "runbindable": UInt(MS_UNBINDABLE | MS_REC),
    ]

    public init(_ options: [String]) {
        for option in options {
            if option == "bind" {
                isBind = true
            } else if option == "rbind" {
                isBind = true
                isRecursive = true
            } else if let entry = Self.flagTable[option] {
                if entry.set { flags |= entry.flag } else { clearedFlags |= entry.flag }
            } else if let value = Self.propagationTable[option] {
                propagation = value
            } else {
                data.append(option)
            }
        }
        flags &= ~clearedFlags
    }

    public var dataString: String { data.joined(separator: ",") }

    /// The options as mount_setattr(2) attributes to set and to clear on a bind's whole tree.
    /// Every bind is nodev whatever it asks for: a device node in a volume must not open
    /// (linux.devices is the way to give a device).
    public var bindAttributes: (set: UInt64, clear: UInt64) {
        var set = UInt64(WR_MOUNT_ATTR_NODEV), clear: UInt64 = 0
        for (flag, attribute) in [
            (UInt(MS_RDONLY), WR_MOUNT_ATTR_RDONLY), (UInt(MS_NOSUID), WR_MOUNT_ATTR_NOSUID),
            (UInt(MS_NOEXEC), WR_MOUNT_ATTR_NOEXEC), (UInt(MS_NODIRATIME), WR_MOUNT_ATTR_NODIRATIME),
        ] {
            if flags & flag != 0 {
                set |= UInt64(attribute)
            } else if clearedFlags & flag != 0 {
                clear |= UInt64(attribute)
            }
        }
        // The access-time mode is one field: setting one clears the others.
        for (flag, attribute) in [
            (UInt(MS_NOATIME), WR_MOUNT_ATTR_NOATIME), (UInt(MS_STRICTATIME), WR_MOUNT_ATTR_STRICTATIME),
            (UInt(MS_RELATIME), WR_MOUNT_ATTR_RELATIME),
        ] where flags & flag != 0 {
            clear |= UInt64(WR_MOUNT_ATTR__ATIME)
            set |= UInt64(attribute)
            break
        }
        return (set, clear)
    }

    /// The flags a bind mount must be remounted with: a bind mount ignores them at first.
    public var needsRemount: Bool {
        isBind
            && flags
                & UInt(
                    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME
                        | MS_STRICTATIME) != 0
    }
}
