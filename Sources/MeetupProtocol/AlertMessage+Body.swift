import Foundation

extension AlertMessage {
    /// The largest alert body sent: the envelope limit less the header, signature and seal.
    public static let bodyLimit = Envelope.sizeLimit - 1_024

    /// The body to send: with the photo when it fits in `limit` bytes, else without. Better the alert
    /// without its photo than no alert: the receiver would refuse an oversize one for good.
    public func body(fitting limit: Int = bodyLimit) -> Data {
        let body = WireJSON.encode(self)
        guard body.count > limit, photo != nil else { return body }
        var smaller = self
        smaller.photo = nil
        return WireJSON.encode(smaller)
    }
}
