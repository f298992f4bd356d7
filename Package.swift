// swift-tools-version:5.9
// libsnapshot (the runtime), the snapshot-cc driver and the snapshot CLI.
// The LLVM pass plugin is C++ and is built by the top-level CMakeLists.txt, which also drives this.
import PackageDescription

// The runtime sits on commit paths: no dynamic exclusivity checks. Not -Ounchecked: it deletes
// precondition()s together with any side effect inside them, and checks are the product here.
let hotPathSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
    // Start-up cost: do not pull in the concurrency and regex runtimes (and libdispatch) at load.
    .unsafeFlags(["-Xfrontend", "-disable-implicit-concurrency-module-import",
                  "-Xfrontend", "-disable-implicit-string-processing-module-import"]),
]

let package = Package(
    name: "Snapshot",
    products: [
        .library(name: "snapshot", type: .dynamic, targets: ["SnapshotRuntime"]),
        .executable(name: "snapshot-cc", targets: ["snapshot-cc"]),
        .executable(name: "snapshot-cli", targets: ["SnapshotCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The C ABI shared with the pass (snapshot_abi.h), the public header (snapshot.h), the hot
        // globals the inline range check reads, and the libc interposers (variadic, errno-setting).
        .target(name: "CSnapshotShim", dependencies: ["CSnapshotPmem"]),
        // libpmem (Debian's libpmem-dev), opened with dlopen at the first managed mapping: linking it
        // would load libndctl, libudev, libkmod and libcrypto into every process at start-up.
        .target(name: "CSnapshotPmem", linkerSettings: [.linkedLibrary("dl")]),
        // Undo-log format, checksums, identity and recovery: shared by the runtime and the CLI.
        .target(name: "SnapshotLog", dependencies: ["CSnapshotPmem"], swiftSettings: hotPathSettings),
        .target(name: "SnapshotRuntime",
                dependencies: ["CSnapshotShim", "SnapshotLog"],
                swiftSettings: hotPathSettings,
                // Self-contained libsnapshot.so: no Swift toolchain needed where programs run, and
                // measured faster to load than the shared Swift runtime (bench/startup).
                linkerSettings: [.unsafeFlags(["-static-stdlib"])]),
        // The driver runs once per compile in big builds: no concurrency/regex runtimes, and a
        // static Swift stdlib, so it starts fast and an installed prefix needs no Swift toolchain.
        .executableTarget(name: "snapshot-cc",
                          swiftSettings: [.unsafeFlags([
                              "-Xfrontend", "-disable-implicit-concurrency-module-import",
                              "-Xfrontend", "-disable-implicit-string-processing-module-import"])],
                          linkerSettings: [.unsafeFlags(["-static-stdlib"])]),
        .executableTarget(name: "SnapshotCLI", dependencies: [
            "SnapshotLog",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "SnapshotLogTests", dependencies: ["SnapshotLog"]),
    ]
)
