import ArgumentParser
import Foundation
import OverlayCore
import OverlayDNS
import OverlayProtocol

struct Resolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask the node's resolver for a name or an overlay IP and print what it answers (node).",
        discussion: """
            NAME may be a node name (bob), a full name (bob.overlay.internal) or an overlay IP (a reverse \
            lookup). The question goes straight to the node's own resolver (its loopback address, else its \
            overlay IP), not through the host's resolver, so this shows what the node answers, TTL included. \
            Exits 1 when the name does not exist or the resolver refuses it.
            """)
    @OptionGroup var socket: SocketOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "A node name, a full name under the network's domain, or an overlay IP.") var name: String
    @Option(help: ArgumentHelp("Record type to ask for: A, AAAA, PTR, SOA, ANY. (default: A, or PTR for an address)", valueName: "type"))
    var type: String?

    func run() async throws {
        try await perform {
            let conn = try await SocketOptions.connect(try socket.nodePath())
            let status = try await conn.json(.GET, "/v1/status", as: NodeStatus.self)
            guard let dns = status.dns else {
                throw CLIError("this node's resolver is off (--dns off); start it with dns = \"on\"")
            }
            guard let server = dns.listen.last, let target = try? HostPort(parsing: server),
                  let address = IPv4Address(target.host), let port = UInt16(exactly: target.port) else {
                throw CLIError("the node reports no resolver address (\(dns.listen.joined(separator: ", ")))")
            }
            let (question, recordType) = try Self.question(name, type: type, domain: dns.domain)
            let answer = try DNSLookup.query(question, type: recordType, server: address, port: port)
            if output.json {
                printJSON(OverlayJSON.encode(ResolveOutput(question: question, type: recordType.mnemonic, server: server, answer: answer), pretty: true))
            } else {
                print(Self.render(answer, question: question, server: server))
            }
            if answer.rcode != 0 || answer.answers.isEmpty { throw ExitCode.failure }
        }
    }

    /// The question to ask: a bare node name gets the domain, an address becomes its reverse name.
    static func question(_ name: String, type: String?, domain: String?) throws -> (String, DNSRecordType) {
        if let ip = IPv4Address(name) {
            return (DNSZone.reverseName(of: ip), try recordType(type ?? "PTR"))
        }
        let full = name.contains(".") ? name : "\(name).\(domain ?? NetworkDomain.defaultDomain)"
        return (full, try recordType(type ?? "A"))
    }

    static func recordType(_ text: String) throws -> DNSRecordType {
        guard let t = DNSRecordType(mnemonic: text.uppercased()) else {
            throw CLIError("--type \(text) is not one of A, AAAA, PTR, SOA, NS, TXT, ANY")
        }
        return t
    }

    static func render(_ answer: DNSAnswer, question: String, server: String) -> String {
        var lines: [String] = []
        switch answer.rcode {
        case 0 where answer.answers.isEmpty:
            lines.append("\(question): no record of that type (the name exists), from \(server)")
        case 0:
            for r in answer.answers {
                lines.append("\(r.name)\t\(r.ttl)s\t\(DNSRecordType.mnemonic(of: r.type))\t\(r.data)")
            }
        case 3:
            lines.append("\(question): no such name (NXDOMAIN) from \(server): no active node holds it")
        case 5:
            lines.append("\(question): refused by \(server): the node answers only for its network's domain and overlay addresses")
        default:
            lines.append("\(question): \(answer.rcodeName) from \(server)")
        }
        return lines.joined(separator: "\n")
    }
}

/// `overlayctl resolve --json`.
struct ResolveOutput: Encodable {
    var question: String
    var type: String
    var server: String
    var rcode: String
    var authoritative: Bool
    var records: [Record]
    struct Record: Encodable { var section: String; var name: String; var type: String; var ttl: UInt32; var data: String }

    init(question: String, type: String, server: String, answer: DNSAnswer) {
        self.question = question; self.type = type; self.server = server
        rcode = answer.rcodeName; authoritative = answer.authoritative
        records = answer.records.map {
            Record(section: $0.section.rawValue, name: $0.name, type: DNSRecordType.mnemonic(of: $0.type), ttl: $0.ttl, data: $0.data)
        }
    }
}

extension DNSAnswer {
    /// The answer section alone: the SOA of an NXDOMAIN or NODATA reply is not an answer.
    var answers: [DNSRecord] { records.filter { $0.section == .answer } }
}
