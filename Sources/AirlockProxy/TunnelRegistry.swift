import AirlockAudit
import AirlockCore
import AirlockPolicy
import NIOConcurrencyHelpers
import NIOCore

/// The CONNECT tunnels that are open, so that a reload can close those its policy no longer
/// allows. A call in flight ends within its timeout under the policy it started with; a tunnel
/// can last as long as its client likes, so a policy that revokes a destination (or a client, or
/// a token) must reach the tunnels already open to it.
final class TunnelRegistry: Sendable {
    /// One open tunnel: what it was decided on, for deciding it again.
    struct Entry: Sendable {
        let channel: Channel
        /// The tunnel's record (its `url` is the CONNECT authority, its `address` the connected one).
        let record: CallRecord
        /// The client it was decided for, and the token digest that identified it (nil: by address, or nobody).
        let client: String?
        let tokenDigest: [UInt8]?
        let clientAddress: IPAddress?
        /// The address the tunnel is connected to.
        let address: IPAddress
        let port: Int
        /// Whether the refusal that only report mode lets it past is recorded (when it opened, or at a
        /// reload since); a reload records it again only after one that allowed it outright.
        var reported: Bool
    }

    /// What a policy says of an open tunnel.
    enum Verdict {
        /// It would open now.
        case keeps
        /// It would open now only because its upstream is in report mode: what enforce mode refuses.
        case reports(Denial)
        /// It would be refused.
        case refuses(Denial)
    }

    private let open = NIOLockedValueBox<[ObjectIdentifier: Entry]>([:])

    /// Tracks `entry` until its client connection closes.
    func add(_ entry: Entry) {
        let key = ObjectIdentifier(entry.channel)
        open.withLockedValue { $0[key] = entry }
        entry.channel.closeFuture.whenComplete { [self] _ in
            _ = open.withLockedValue { $0.removeValue(forKey: key) }
        }
    }

    /// Records whether the tunnel on `channel` has its report-mode refusal recorded.
    func mark(_ channel: Channel, reported: Bool) {
        open.withLockedValue { $0[ObjectIdentifier(channel)]?.reported = reported }
    }

    /// How many tunnels are open.
    var count: Int { open.withLockedValue { $0.count } }

    /// Decides every open tunnel again under `policy` (its client, its authority, the address it
    /// is connected to) and closes each one that would now be refused, after auditing the refusal
    /// (`deny`, with the reason the new policy gives). One that a report-mode upstream keeps only
    /// for report mode stays open, audited `report` unless it opened so. Returns how many were closed.
    func revoke(under policy: Policy, addressGuard: AddressGuard, audit: AuditLog) -> Int {
        let entries = open.withLockedValue { Array($0.values) }
        var closed = 0
        for entry in entries {
            let denial: Denial
            switch Self.verdict(on: entry, under: policy, addressGuard: addressGuard) {
            case .keeps:
                if entry.reported { mark(entry.channel, reported: false) }
                continue
            case .reports(let would):
                if !entry.reported {
                    mark(entry.channel, reported: true)
                    audit.record(entry.record.event(
                        decision: "report", reason: would.reason,
                        detail: "open tunnel kept (report mode) that the reloaded policy would refuse: \(would.detail)", status: 200)) { _ in }
                }
                continue
            case .refuses(let refusal):
                denial = refusal
            }
            closed += 1
            let event = entry.record.event(
                decision: "deny", reason: denial.reason,
                detail: "open tunnel closed by a policy reload: \(denial.detail)", status: denial.reason.status)
            let channel = entry.channel
            audit.record(event) { _ in channel.close(promise: nil) }
        }
        return closed
    }

    /// What `policy` says of the tunnel of `entry` now.
    static func verdict(on entry: Entry, under policy: Policy, addressGuard: AddressGuard) -> Verdict {
        let client: String?
        switch policy.clients.reidentify(name: entry.client, tokenDigest: entry.tokenDigest, address: entry.clientAddress) {
        case .failure(let denial): return .refuses(denial)
        case .success(let name): client = name
        }
        switch Router.tunnel(policy: policy, client: client, authority: entry.record.url) {
        case .deny(let denial, _):
            return .refuses(denial)
        case .allow(let tunnel):
            if let denial = addressGuard.check(entry.address, port: entry.port, upstream: tunnel.upstream) {
                return .refuses(Denial(denial.reason, "\(tunnel.host.text): \(denial.detail)"))
            }
            return tunnel.wouldDeny.map { .reports($0) } ?? .keeps
        }
    }
}
