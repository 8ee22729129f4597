// swift-tools-version:6.0
import PackageDescription

/// The SwiftNIO products of an HTTP/1.1 server (the proxy, its tests' upstreams, the canned bench server).
let nioHTTPServer: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
]

/// Airlock: an egress firewall for third-party API calls.
/// Targets follow the flow of a call (see README "Architecture"): C interop at the edge,
/// pure policy in the middle, NIO only in the proxy and the CLI.
let package = Package(
    name: "Airlock",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "airlock", targets: ["airlock"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "AirlockCore"),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(name: "CAirlockXMLShim", dependencies: ["CLibXML2"]),
        .target(name: "AirlockXML", dependencies: ["CAirlockXMLShim"]),
        .target(name: "AirlockJSON", dependencies: ["AirlockCore"]),
        .executableTarget(name: "airlock-json-bench", dependencies: ["AirlockJSON"]),
        .executableTarget(name: "airlock-xml-bench", dependencies: ["AirlockXML"]),
        .executableTarget(
            name: "airlock-canned-bench",
            dependencies: nioHTTPServer
        ),
        .target(
            name: "AirlockPolicy",
            dependencies: ["AirlockCore", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "AirlockAudit", dependencies: ["AirlockCore"]),
        .target(
            name: "AirlockInspection",
            dependencies: ["AirlockCore", "AirlockPolicy", "AirlockJSON", "AirlockXML", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "AirlockCurl", dependencies: ["AirlockCore", "CCurl"]),
        .target(name: "AirlockUpstream", dependencies: ["AirlockCore", "AirlockPolicy", "AirlockCurl"]),
        .target(
            name: "AirlockProxy",
            dependencies: [
                "AirlockCore", "AirlockPolicy", "AirlockAudit", "AirlockUpstream", "AirlockInspection",
            ] + nioHTTPServer
        ),
        .executableTarget(
            name: "airlock",
            dependencies: [
                "AirlockCore", "AirlockPolicy", "AirlockAudit", "AirlockProxy", "AirlockXML", "AirlockJSON", "AirlockInspection",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "AirlockPolicyTests", dependencies: ["AirlockPolicy"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AirlockAuditTests", dependencies: ["AirlockAudit"]),
        .testTarget(name: "AirlockJSONTests", dependencies: ["AirlockJSON", "AirlockTestSupport"], exclude: ["JSONTestSuiteChoices.md"]),
        .testTarget(name: "AirlockInspectionTests", dependencies: ["AirlockInspection", "AirlockPolicy", "AirlockJSON", "AirlockTestSupport"]),
        .testTarget(name: "AirlockXMLTests", dependencies: ["AirlockXML", "AirlockTestSupport"], resources: [.copy("Fixtures")]),
        .target(
            name: "AirlockTestSupport",
            dependencies: nioHTTPServer,
            path: "Tests/AirlockTestSupport"
        ),
        .testTarget(name: "AirlockCLITests", dependencies: ["airlock", "AirlockTestSupport"]),
        .testTarget(name: "AirlockUpstreamTests", dependencies: ["AirlockCurl", "AirlockUpstream", "AirlockPolicy", "AirlockTestSupport"]),
        .testTarget(
            name: "AirlockProxyTests",
            dependencies: [
                "AirlockProxy", "AirlockPolicy", "AirlockAudit", "AirlockUpstream", "AirlockTestSupport",
            ] + nioHTTPServer
        ),
    ]
)
