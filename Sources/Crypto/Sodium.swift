import CSodium
import Foundation

/// libsodium must be initialised once before any other call; a lazily initialised global constant runs
/// `sodium_init` exactly once, whichever thread gets there first.
private let sodiumInitResult: Int32 = sodium_init()

/// Every public entry point of MeetupCrypto calls this first. libsodium only fails to initialise when it
/// cannot read the system's randomness source, and no key may be made without one, so that is fatal.
@inline(__always)
func ensureSodium() {
    precondition(sodiumInitResult >= 0, "libsodium could not be initialised (no randomness source)")
}

/// Runs `body` with a non-null pointer to `bytes` and its length, even when `bytes` is empty: libsodium
/// accepts a zero length, but a null pointer is undefined behaviour for some of its functions.
@inline(__always)
func withBytes<B: ContiguousBytes, R>(_ bytes: B, _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
    bytes.withUnsafeBytes { raw in
        if let base = raw.baseAddress, raw.count > 0 {
            return body(base.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        var empty: UInt8 = 0
        return withUnsafePointer(to: &empty) { body($0, 0) }
    }
}

/// Counts the bytes of any contiguous byte container without copying it.
@inline(__always)
func lengthOf<B: ContiguousBytes>(_ bytes: B) -> Int {
    bytes.withUnsafeBytes { $0.count }
}

/// Makes `count` bytes filled in by a libsodium call; returns nil when the call reports failure.
@inline(__always)
func makeData(count: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Int32) -> Data? {
    var data = Data(count: max(count, 1))
    let status = data.withUnsafeMutableBytes { fill($0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
    guard status == 0 else { return nil }
    return count == 0 ? Data() : data
}
