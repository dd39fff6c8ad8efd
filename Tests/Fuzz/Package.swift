// swift-tools-version: 6.0
// libFuzzer targets for overlayd's parsers, kept out of the main package so that
// `swift build` and `make test` never see sanitizer flags. Built and run by `make fuzz`.
import PackageDescription

let package = Package(
    name: "overlayd-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "overlayd", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        fuzzTarget("FuzzDNS", ["OverlayDNS", "OverlayCore"]),
        fuzzTarget("FuzzPeerFrame", ["OverlayProtocol"], nio: ["NIOCore"]),
        fuzzTarget("FuzzDataPacket", ["OverlayDataPlane"]),
        fuzzTarget("FuzzAPI", ["OverlayHTTP", "OverlayProtocol", "OverlayCore"], nio: ["NIOHTTP1"]),
        fuzzTarget("FuzzJoinToken", ["OverlayProtocol"]),
        fuzzTarget("FuzzPEM", ["OverlayTLS"]),
        fuzzTarget("FuzzConfig", ["OverlayNode", "OverlayController", "OverlayCore"]),
        fuzzTarget("FuzzHostsFile", ["OverlayDNS", "OverlayCore"]),
    ],
    swiftLanguageModes: [.v6]
)

/// One libFuzzer executable: `name` (whose single file is not main.swift, so it builds with
/// -parse-as-library) using the main package's `products` and swift-nio's `nio` products.
func fuzzTarget(_ name: String, _ products: [String], nio: [String] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: products.map { .product(name: $0, package: "overlayd") } + nio.map { .product(name: $0, package: "swift-nio") },
        swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
    )
}
