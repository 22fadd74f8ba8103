import Foundation
import Hummingbird
import MeetupControl

/// Request context of the control API: the control API's JSON dialect both ways.
public struct ControlRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var requestDecoder: JSONDecoder { ControlJSON.decoder() }
    public var responseEncoder: JSONEncoder { ControlJSON.encoder() }
    /// Requests are small commands; photos are the largest thing that will ever come through.
    public var maxUploadSize: Int { 8 << 20 }
}
