/// Arithmetic in GF(256) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D), and Reed–Solomon encoding.
enum GF {
    /// `exp[i]` is αⁱ, for i in 0..<510 so that products need no modulo; `log` is its inverse.
    static let (exp, log): ([UInt8], [Int]) = {
        var exp = [UInt8](repeating: 0, count: 510), log = [Int](repeating: 0, count: 256)
        var x = 1
        for i in 0..<255 {
            exp[i] = UInt8(x)
            exp[i + 255] = UInt8(x)
            log[x] = i
            x <<= 1
            if x & 0x100 != 0 { x ^= 0x11D }
        }
        return (exp, log)
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        a == 0 || b == 0 ? 0 : exp[log[Int(a)] + log[Int(b)]]
    }

    /// The coefficients, highest power first, of ∏ (x − αⁱ) for i in 0..<degree; the leading 1 is left out.
    static func generator(degree: Int) -> [UInt8] {
        var poly: [UInt8] = [1]
        for i in 0..<degree {
            var next = poly + [0]
            for (j, coefficient) in poly.enumerated() { next[j + 1] ^= multiply(coefficient, exp[i]) }
            poly = next
        }
        return Array(poly.dropFirst())
    }

    /// The remainder of `data × x^degree` divided by the generator: the error-correction codewords.
    static func remainder(_ data: [UInt8], _ generator: [UInt8]) -> [UInt8] {
        var rest = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ rest[0]
            rest.removeFirst()
            rest.append(0)
            for i in rest.indices { rest[i] ^= multiply(generator[i], factor) }
        }
        return rest
    }
}
