import CSodium
import Foundation

/// Secret key material in memory of its own, wiped with `sodium_memzero` when the last reference goes.
///
/// The bytes are written once, in `init`, and never handed out mutably, so sharing across tasks is safe:
/// that is why the `@unchecked Sendable` below is sound. Copies made with `copyBytes()` for storage are the
/// caller's to protect.
public final class SecretBytes: @unchecked Sendable {
    private let buffer: UnsafeMutableRawBufferPointer

    public var count: Int { buffer.count }

    /// `count` (at least one) bytes written by `fill`.
    init(count: Int, fill: (UnsafeMutablePointer<UInt8>) -> Void) {
        precondition(count > 0, "secret bytes cannot be empty")
        buffer = .allocate(byteCount: count, alignment: 16)
        fill(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    /// A copy of `bytes`; the source stays the caller's to wipe.
    convenience init<B: ContiguousBytes>(copying bytes: B) {
        let count = lengthOf(bytes)
        self.init(count: count) { destination in
            withBytes(bytes) { source, length in destination.update(from: source, count: length) }
        }
    }

    /// `count` bytes from libsodium's CSPRNG.
    convenience init(random count: Int) {
        ensureSodium()
        self.init(count: count) { randombytes_buf($0, count) }
    }

    deinit {
        sodium_memzero(buffer.baseAddress, buffer.count)
        buffer.deallocate()
    }

    func withUnsafePointer<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)))
    }

    /// The raw bytes, for writing a key file. The returned `Data` is not wiped when dropped.
    public func copyBytes() -> Data {
        Data(bytes: buffer.baseAddress!, count: buffer.count)
    }
}
