// swift-tools-version: 6.1
import PackageDescription

// Layers point one way: CSodium <- MeetupCrypto <- MeetupProtocol <- MeetupNode <- executables.
// CheckInCore is pure (no I/O); MeetupControl holds the control API's types and client, shared by
// the daemon and meetupctl. See docs/ARCHITECTURE.md.
let package = Package(
    name: "meetup",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "meetupd", targets: ["meetupd"]),
        .executable(name: "meetupctl", targets: ["meetupctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(name: "MeetupCrypto", dependencies: ["CSodium"], path: "Sources/Crypto"),
        .target(name: "CheckInCore"),
        .target(name: "MeetupProtocol", dependencies: ["MeetupCrypto", "CheckInCore"]),
        // A QR encoder for meetupctl's terminal output: links a phone can scan.
        .target(name: "MeetupQR", path: "Sources/QRCode"),
        .target(
            name: "MeetupControl",
            dependencies: [
                "CheckInCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "MeetupNode",
            dependencies: [
                "MeetupCrypto", "CheckInCore", "MeetupProtocol", "MeetupControl",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "meetupd",
            dependencies: [
                "MeetupNode", "MeetupControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "meetupctl",
            dependencies: [
                "MeetupControl", "CheckInCore", "MeetupQR",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench`: not a test; prints measurements and ratios from one run.
        .executableTarget(
            name: "meetup-bench",
            dependencies: [
                "MeetupNode", "CheckInCore", "MeetupControl", "MeetupCrypto", "MeetupProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/SchedulerBench"
        ),
        // `make fuzz` builds this with libFuzzer; a plain build replays inputs through the decoders.
        .executableTarget(
            name: "meetup-fuzz",
            dependencies: ["MeetupNode", "MeetupControl", "MeetupProtocol", "MeetupCrypto", "CheckInCore"],
            path: "Fuzz"
        ),
        .testTarget(
            name: "CheckInCoreTests",
            dependencies: ["CheckInCore", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "MeetupControlTests", dependencies: ["MeetupControl"]),
        .testTarget(name: "QRCodeTests", dependencies: ["MeetupQR"]),
        // Reads the `key: value` vector files of the test targets below.
        .target(name: "VectorFiles", path: "Tests/VectorFiles"),
        .testTarget(name: "MeetupCryptoTests", dependencies: ["MeetupCrypto", "VectorFiles"], exclude: ["Vectors"]),
        .testTarget(
            name: "MeetupProtocolTests", dependencies: ["MeetupProtocol", "MeetupCrypto", "CheckInCore", "VectorFiles"],
            exclude: ["Vectors"]),
        .testTarget(
            name: "MeetupNodeTests",
            dependencies: [
                "MeetupNode", "MeetupControl",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["MeetupControl", "MeetupNode", "CheckInCore", "meetupd", "meetupctl"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
