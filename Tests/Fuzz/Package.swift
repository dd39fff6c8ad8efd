// swift-tools-version: 6.0
// libFuzzer targets for overlayd's parsers, kept out of the main package so that
// `swift build` and `make test` never see sanitizer flags. Built and run by `make fuzz`.
import PackageDescription

let package = Package(
    name: "overlayd-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "overlayd", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzDNS",
            dependencies: [.product(name: "OverlayDNS", package: "overlayd")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
