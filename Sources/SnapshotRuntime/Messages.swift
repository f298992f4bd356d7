// stderr reporting. Every refusal and failure is one line "snapshot: ..." (snapshot_message does a
// single write(2)). Warnings about dropped uncommitted changes are silenced by SNAPSHOT_QUIET=1;
// errors never are.
import CSnapshotShim
#if canImport(Glibc)
import Glibc
#endif

@inline(never)
func report(_ line: String) {
    line.withCString { snapshot_message($0) }
}

@inline(never)
func warn(_ line: String) {
    if snapshot_quiet != 0 { return }
    report(line)
}

/// Sets errno and returns -1 (the libc convention), after saying why on stderr.
@inline(never)
func fail(_ code: Int32, _ line: String) -> Int32 {
    report(line)
    snapshot_set_errno(code)
    return -1
}

func errnoName(_ code: Int32) -> String {
    switch code {
    case EPERM: return "EPERM"
    case ENOENT: return "ENOENT"
    case EIO: return "EIO"
    case EBADF: return "EBADF"
    case ENOMEM: return "ENOMEM"
    case EACCES: return "EACCES"
    case EBUSY: return "EBUSY"
    case EEXIST: return "EEXIST"
    case EINVAL: return "EINVAL"
    case ENOSPC: return "ENOSPC"
    case EROFS: return "EROFS"
    case ENOTSUP: return "ENOTSUP"
    case EFBIG: return "EFBIG"
    case EMLINK: return "EMLINK"
    case ESTALE: return "ESTALE"
    case EBADMSG: return "EBADMSG"
    case ENOTRECOVERABLE: return "ENOTRECOVERABLE"
    default: return "errno \(code)"
    }
}

func hex(_ v: Int) -> String { "0x" + String(v, radix: 16) }
