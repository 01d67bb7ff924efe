import ArgumentParser
import CastellanAuth
import CastellanCA
import CastellanFleet
import CastellanStore
import Foundation
import X509

/// `castellan cert …`: issue, list and revoke certificates, and write the CRL.
struct CertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "Issue, list and revoke certificates.",
        subcommands: [Server.self, Issue.self, List.self, Revoke.self, CRL.self])

    /// `castellan cert server --dns NAME ... [--ip ADDR ...] --out PREFIX`.
    struct Server: StoreSubcommand {
        static let configuration = CommandConfiguration(abstract: "Make the broker's TLS server certificate.")
        static let label = "cert server"

        @OptionGroup var config: ConfigOption
        @Option(help: "A DNS name (repeat for several).") var dns: [String] = []
        @Option(help: "An IP address (repeat for several).") var ip: [String] = []
        @Option(help: "Writes PREFIX.pem and PREFIX.key (0600).") var out: String

        func execute(_ environment: CommandEnvironment) async throws {
            let configuration = try config.load(environment)
            let prefix = absolute(out, environment)
            try CAContext.refusing {
                let ca = try CertificateAuthority.load(from: configuration.caDirectory)
                let profile = try CertificateProfiles.load(from: configuration.caDirectory).server
                let issued = try ca.issueServer(
                    dns: dns, ips: ip, keyType: profile.keyType, validityDays: profile.validityDays, now: now(environment),
                    entropy: configuration.entropySource(system: environment.entropy))
                try issued.write(prefix: prefix)
            }
            // Recorded for `castellan mosquitto-conf` and the service (SCRAM -PLUS): the broker certificate is this prefix.
            try? FileManager.default.removeItem(atPath: configuration.brokerCertificateRecord)
            try (prefix + "\n").write(toFile: configuration.brokerCertificateRecord, atomically: true, encoding: .utf8)
            environment.output.out("wrote \(prefix).pem and \(prefix).key")
        }
    }

    /// `castellan cert issue ID [--csr FILE] [--validity-days N] --out PREFIX`.
    struct Issue: StoreSubcommand {
        static let configuration = CommandConfiguration(abstract: "Issue a device certificate (generated key, or from a CSR).")
        static let label = "cert issue"

        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id (it must exist).") var id: String
        @Option(help: "A PEM certificate signing request from the device.") var csr: String?
        @Option(name: .customLong("validity-days"), help: "Default: the device profile in profiles.yaml (365).")
        var validityDays: Int?
        @Option(help: "Writes PREFIX.pem (and PREFIX.key, 0600, for a generated key).") var out: String

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            let fleet = try await config.openFleet(environment)
            let key: Fleet.KeySource = csr.map {
                .csr(pem: try? String(contentsOfFile: absolute($0, environment), encoding: .utf8), name: $0)
            } ?? .generate
            let prefix = absolute(out, environment)
            let issued = try await fleet.issueCertificate(for: device, key: key, validityDays: validityDays) { issued in
                for path in [prefix + ".pem"] + (issued.privateKey == nil ? [] : [prefix + ".key"])
                where FileManager.default.fileExists(atPath: path) {
                    throw CommandFailure.refused("\(path) exists already; refusing to overwrite it")
                }
            }
            try CAContext.refusing { try issued.issued.write(prefix: prefix) }
            environment.output.out("issued \(issued.serial) for \(device): \(prefix).pem")
        }
    }

    /// `castellan cert list [--device ID] [--json]`.
    struct List: StoreSubcommand {
        static let configuration = CommandConfiguration(abstract: "List certificates.")
        static let label = "cert list"

        @OptionGroup var config: ConfigOption
        @Option(help: "Only this device's certificates.") var device: String?
        @Flag(help: "One JSON array.") var json = false

        struct Row: Encodable {
            let serial, device, fingerprint: String
            let notBefore, notAfter: Int64
            let revokedAt: Int64?
            let reason: String?
        }

        func execute(_ environment: CommandEnvironment) async throws {
            let (_, store) = try await config.openStore(environment)
            var records: [CertificateRecord] = []
            if let device {
                records = try await store.certificates(device: try Arguments.device(device))
            } else {
                for record in try await store.devices() { records += try await store.certificates(device: record.id) }
            }
            let rows = records.map {
                Row(serial: $0.serial, device: $0.device.rawValue, fingerprint: $0.fingerprint.description,
                    notBefore: $0.notBefore, notAfter: $0.notAfter, revokedAt: $0.revokedAt, reason: $0.revocationReason)
            }
            if json { return environment.output.out(try Arguments.json(rows)) }
            environment.output.out("SERIAL\tDEVICE\tNOT AFTER\tSTATUS\tSHA-256 FINGERPRINT")
            for row in rows {
                let status = row.revokedAt.map { "revoked \(Timestamp.iso8601(seconds: $0)) (\(row.reason ?? "unspecified"))" } ?? "valid"
                environment.output.out("\(row.serial)\t\(row.device)\t\(Timestamp.iso8601(seconds: row.notAfter))\t\(status)\t\(row.fingerprint)")
            }
        }
    }

    /// `castellan cert revoke (SERIAL | --device ID) [--reason REASON]`.
    struct Revoke: StoreSubcommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a certificate, or all of a device's.")
        static let label = "cert revoke"

        @OptionGroup var config: ConfigOption
        @Argument(help: "The serial number (hex).") var serial: String?
        @Option(help: "Revoke every certificate of this device.") var device: String?
        @Option(help: "unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation.")
        var reason = "unspecified"

        func execute(_ environment: CommandEnvironment) async throws {
            guard (serial == nil) != (device == nil) else { throw CommandFailure.usage("give a SERIAL or --device, not both") }
            let reason = try Fleet.revocationReason(reason, option: "--reason")
            let fleet = try await config.openFleet(environment)
            var target = Fleet.RevocationTarget.serial(serial ?? "")
            if serial == nil, let device { target = .device(try Arguments.device(device)) }
            let serials = try await fleet.revoke(target, reason: reason).map(\.serial)
            environment.output.out("revoked \(serials.joined(separator: ", "))")
            environment.output.out(Following.note("sessions that presented \(serials.count == 1 ? "it" : "them")"))
        }
    }

    /// `castellan cert crl --out FILE`.
    struct CRL: StoreSubcommand {
        static let configuration = CommandConfiguration(commandName: "crl", abstract: "Write the CA-signed CRL (PEM) for mosquitto's crlfile.")
        static let label = "cert crl"

        @OptionGroup var config: ConfigOption
        @Option(help: "Where to write the CRL (replaced if it exists).") var out: String

        func execute(_ environment: CommandEnvironment) async throws {
            let (pem, count) = try await config.openFleet(environment).revocationList()
            try pem.write(toFile: absolute(out, environment), atomically: true, encoding: .utf8)
            environment.output.out("wrote \(out) (\(count) revoked)")
        }
    }
}

private func now(_ environment: CommandEnvironment) -> Date { Date(timeIntervalSince1970: TimeInterval(environment.now())) }

private func absolute(_ path: String, _ environment: CommandEnvironment) -> String {
    path.hasPrefix("/") ? path : environment.workingDirectory + "/" + path
}
