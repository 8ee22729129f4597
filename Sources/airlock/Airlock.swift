import ArgumentParser

/// The `airlock` command: an egress firewall for third-party API calls.
@main
struct Airlock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airlock",
        abstract: "An egress firewall for third-party API calls.",
        discussion: """
            Internal services send their outbound HTTP calls through Airlock. It lets a call leave only
            for an allowed destination, checks what comes back, and records every decision in an audit log.
            """,
        subcommands: [Serve.self, Check.self, Explain.self, Audit.self, Validate.self]
    )
}

/// `--policy PATH`, shared by every command that reads a policy.
struct PolicyOptions: ParsableArguments {
    @Option(name: .long, help: "A policy YAML file, or a folder of them.")
    var policy: String
}
