import Foundation
import OverlayCore
import Testing

/// The passphrase comes from `$CREDENTIALS_DIRECTORY/passphrase` (systemd
/// credentials) or `--passphrase-file`, and from nowhere else.
@Suite struct PassphraseTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ovl-pass-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    @Test func theFileWinsOverTheCredential() throws {
        try "credential secret\n".write(toFile: dir + "/passphrase", atomically: true, encoding: .utf8)
        try "file secret 1234\n".write(toFile: dir + "/other", atomically: true, encoding: .utf8)
        #expect(try Passphrase.load(file: dir + "/other", environment: ["CREDENTIALS_DIRECTORY": dir]) == Array("file secret 1234".utf8))
        #expect(try Passphrase.load(file: nil, environment: ["CREDENTIALS_DIRECTORY": dir]) == Array("credential secret".utf8))
    }

    @Test func neverFromTheEnvironment() {
        let env = ["OVERLAYD_PASSPHRASE": "in the environment", "PASSPHRASE": "in the environment"]
        #expect(throws: ConfigError.passphraseMissing) { try Passphrase.load(file: nil, environment: env) }
    }

    @Test func withNeitherTheErrorSaysHowToUseSystemdCredentials() {
        let message = ConfigError.passphraseMissing.description
        #expect(message.contains("systemd-creds encrypt"))
        #expect(message.contains("LoadCredentialEncrypted=passphrase:"))
        #expect(message.contains("--passphrase-file"))
    }

    @Test func aCredentialsDirectoryWithoutThePassphraseSaysWhatToName() {
        #expect(throws: ConfigError.passphraseCredentialMissing(directory: dir)) {
            try Passphrase.load(file: nil, environment: ["CREDENTIALS_DIRECTORY": dir])
        }
        let message = ConfigError.passphraseCredentialMissing(directory: dir).description
        #expect(message.contains(dir) && message.contains("LoadCredentialEncrypted=passphrase:"))
    }
}
