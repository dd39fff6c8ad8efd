// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "overlayd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "overlayd-controller", targets: ["overlayd-controller"]),
        .executable(name: "overlayd-node", targets: ["overlayd-node"]),
        .executable(name: "overlayctl", targets: ["overlayctl"]),
        // For the fuzz package under Tests/Fuzz, which builds every decoder of bytes from the
        // network or the disk with sanitizers: the DNS parser, peer frames, data packets and the
        // replay window, API bodies and join tokens, PEM, and the config files (read through the
        // node's and the controller's own resolve).
        .library(name: "OverlayDNS", targets: ["OverlayDNS"]),
        .library(name: "OverlayProtocol", targets: ["OverlayProtocol"]),
        .library(name: "OverlayDataPlane", targets: ["OverlayDataPlane"]),
        .library(name: "OverlayTLS", targets: ["OverlayTLS"]),
        .library(name: "OverlayHTTP", targets: ["OverlayHTTP"]),
        .library(name: "OverlayCore", targets: ["OverlayCore"]),
        .library(name: "OverlayNode", targets: ["OverlayNode"]),
        .library(name: "OverlayController", targets: ["OverlayController"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "COverlayOpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(
            name: "OverlayTLS",
            dependencies: [
                "COverlayOpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CTun",
            path: "Sources/CTun"
        ),
        .target(
            name: "OverlayDataPlane",
            dependencies: [
                "CTun", "OverlayTLS", "OverlayCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "OverlayDNS",
            dependencies: [
                "OverlayCore", "CSystemd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "OverlayProtocol",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "OverlayCore",
            dependencies: [
                "OverlayProtocol", "CSystemd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "OverlayHTTP",
            dependencies: [
                "OverlayTLS", "OverlayProtocol", "OverlayCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "OverlayController",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "OverlayTLS", "OverlayProtocol", "OverlayCore", "OverlayHTTP",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "OverlayNode",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "OverlayTLS", "OverlayProtocol", "OverlayCore", "OverlayHTTP", "OverlayDataPlane", "OverlayDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "overlayd-controller",
            dependencies: [
                "OverlayController", "OverlayCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "overlayd-node",
            dependencies: [
                "OverlayNode", "OverlayCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "overlayctl",
            dependencies: [
                "OverlayCore", "OverlayProtocol", "OverlayDNS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "overlayd-bench",
            dependencies: [
                "OverlayTLS", "OverlayCore", "OverlayProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/overlayd-bench",
            swiftSettings: strict
        ),
        .testTarget(
            name: "OverlayDataPlaneTests",
            dependencies: ["OverlayDataPlane", "OverlayTLS", "CTun"]
        ),
        .testTarget(
            name: "OverlayDNSTests",
            dependencies: ["OverlayDNS", "OverlayCore",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        ),
        .testTarget(
            name: "OverlayTLSTests",
            dependencies: ["OverlayTLS", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        ),
        .testTarget(
            name: "OverlayControllerTests",
            dependencies: [
                "OverlayController", "OverlayTLS", "OverlayCore", "OverlayProtocol", "OverlayHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "OverlayCoreTests",
            dependencies: ["OverlayCore", "OverlayProtocol", "OverlayNode", "OverlayController", "OverlayTLS",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["OverlayCore", "OverlayProtocol"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
