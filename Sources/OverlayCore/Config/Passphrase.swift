import Foundation

/// Where the key passphrase comes from: `--passphrase-file`, or the systemd
/// credential `passphrase` (`$CREDENTIALS_DIRECTORY/passphrase`, what
/// `LoadCredential=`/`LoadCredentialEncrypted=passphrase:...` provide). Never
/// the command line or the environment, where other users and crash reports
/// can see it.
public enum Passphrase {
    public static let credentialName = "passphrase"

    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [UInt8] {
        let path: String
        if let file {
            path = file
        } else if let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty {
            path = dir + "/" + credentialName
            guard FileManager.default.fileExists(atPath: path) else { throw ConfigError.passphraseCredentialMissing(directory: dir) }
        } else {
            throw ConfigError.passphraseMissing
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError.passphraseUnreadable(path: path, reason: "missing or not readable by this user")
        }
        var bytes = Array(data)
        while let last = bytes.last, last == 0x0a || last == 0x0d { bytes.removeLast() }
        guard bytes.count >= 8 else {
            throw ConfigError.passphraseUnreadable(path: path, reason: "the passphrase must be at least 8 bytes")
        }
        // OpenSSL reads PEM passphrases as C strings of at most 1023 bytes:
        // anything else would encrypt a key that can never be decrypted.
        guard !bytes.contains(0), bytes.count <= 1023 else {
            throw ConfigError.passphraseUnreadable(path: path, reason: "the passphrase must be text of at most 1023 bytes without NUL bytes (e.g. make it with: head -c 32 /dev/urandom | base64)")
        }
        return bytes
    }
}
