import Foundation

// `make fuzz` builds this with libFuzzer (-DFUZZING, address sanitizer and coverage): libFuzzer drives it and
// MEETUP_FUZZ_TARGET names the decoder. A plain build replays files through a decoder instead, to check
// a crash found by the fuzzer once it is fixed: `meetup-fuzz TARGET FILE...`.
#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point under this name; libFuzzer's driver is started from it.
@_cdecl("meetup_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    guard let name = ProcessInfo.processInfo.environment["MEETUP_FUZZ_TARGET"], FuzzTarget(rawValue: name) != nil else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("meetup-fuzz: set MEETUP_FUZZ_TARGET to one of \(names)\n".utf8))
        return 2
    }
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in
        guard let bytes, let name = ProcessInfo.processInfo.environment["MEETUP_FUZZ_TARGET"] else { return 0 }
        FuzzTarget(rawValue: name)?.run(Data(bytes: bytes, count: size))
        return 0
    }
}
#else
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: meetup-fuzz \(names) FILE...\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("meetup-fuzz: cannot read \(path)\n".utf8))
                exit(1)
            }
            target.run(data)
            print("\(path): refused or accepted, no crash")
        }
    }
}
#endif
