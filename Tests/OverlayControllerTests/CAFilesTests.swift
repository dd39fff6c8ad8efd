import Foundation
@testable import OverlayController
import OverlayTLS
import Testing

/// The CA files through a rotate and a retire, and every state a crash can
/// leave them in: a start finishes the change or drops it, never a mix of
/// one CA's certificate with another's key.
@Suite("CA files")
struct CAFilesTests {
    let passphrase = Array("correct horse battery staple".utf8)

    func freshDirectory() throws -> (CAFiles, CertificateAuthority) {
        let dir = NSTemporaryDirectory() + "/ca-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let files = CAFiles(directory: dir)
        let ca = try CertificateAuthority.create(commonName: "overlayd network CA test")
        try ca.writeKey(file: files.key, passphrase: passphrase)
        try SecureFile.write(ca.certificate.pem, to: files.cert, mode: 0o644)
        return (files, ca)
    }

    func signing(_ files: CAFiles) throws -> CertificateAuthority {
        try CertificateAuthority.load(certificateFile: files.cert, keyFile: files.key, passphrase: passphrase)
    }

    @Test("rotate then retire: the new CA signs, the old is trusted with the cross-certificate until retired")
    func rotateAndRetire() throws {
        let (files, old) = try freshDirectory()
        let network = NetworkCA(signing: old, files: files)
        try network.rotate(passphrase: passphrase)
        let new = try signing(files)
        #expect(new.certificate != old.certificate && new.certificate.commonName == old.certificate.commonName)
        #expect(network.trusted == [new.certificate, old.certificate])
        let loaded = try #require(try files.loadPrevious())
        #expect(loaded.previous == old.certificate)
        #expect(network.intermediates == [loaded.cross])
        #expect(throws: CARolloverError.self) { try network.rotate(passphrase: passphrase) }
        #expect(throws: CARolloverError.self) { try network.retire { _ in ["alice"] } }
        #expect(network.trusted.count == 2, "a refused retire changes nothing")
        try network.retire { _ in [] }
        #expect(network.trusted == [new.certificate] && network.intermediates.isEmpty)
        #expect(try files.loadPrevious() == nil)
        #expect(try files.recover() == nil, "nothing left to finish")
    }

    @Test("a crash before ca-previous.crt is written drops the half-made rotation: the old CA signs on")
    func crashBeforeTakingEffect() throws {
        let (files, old) = try freshDirectory()
        let new = try CertificateAuthority.create(commonName: "overlayd network CA test")
        try new.writeKey(file: files.nextKey, passphrase: passphrase)
        try SecureFile.write(new.certificate.pem, to: files.nextCert, mode: 0o644)
        try SecureFile.write(try old.crossSign(new).pem, to: files.cross, mode: 0o644)
        #expect(try files.recover()?.contains("dropped") == true)
        #expect(try signing(files).certificate == old.certificate)
        #expect(try files.loadPrevious() == nil)
        for f in [files.nextKey, files.nextCert, files.cross] { #expect(!FileManager.default.fileExists(atPath: f)) }
    }

    @Test("a crash between the renames (or before them) finishes the rotation: key and certificate belong together", arguments: [0, 1])
    func crashDuringRenames(renamedBeforeCrash: Int) throws {
        let (files, old) = try freshDirectory()
        let new = try CertificateAuthority.create(commonName: "overlayd network CA test")
        try new.writeKey(file: files.nextKey, passphrase: passphrase)
        try SecureFile.write(new.certificate.pem, to: files.nextCert, mode: 0o644)
        try SecureFile.write(try old.crossSign(new).pem, to: files.cross, mode: 0o644)
        try SecureFile.write(old.certificate.pem, to: files.previous, mode: 0o644)
        if renamedBeforeCrash == 1 { #expect(rename(files.nextKey, files.key) == 0) }
        #expect(try files.recover()?.contains("finished") == true)
        let now = try signing(files)
        #expect(now.certificate == new.certificate)
        #expect(try files.loadPrevious()?.previous == old.certificate)
    }

    @Test("a crash in the middle of a retire finishes it")
    func crashDuringRetire() throws {
        let (files, old) = try freshDirectory()
        let network = NetworkCA(signing: old, files: files)
        try network.rotate(passphrase: passphrase)
        try FileManager.default.removeItem(atPath: files.cross)
        #expect(try files.recover()?.contains("retiring") == true)
        #expect(try files.loadPrevious() == nil)
    }
}
