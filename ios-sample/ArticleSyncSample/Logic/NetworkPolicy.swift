// What the OS says about the network, told to the core.
// Plain Swift: compiled and tested on Linux by tests/swift (scripts/test-bindings.sh).
import ArticleSync

/// The network path as the OS reports it (`NWPathMonitor`'s `NWPath` on iOS).
struct NetworkPath: Equatable, Sendable {
    /// A route to the internet exists (`status == .satisfied`).
    var satisfied: Bool
    /// Cellular or a personal hotspot (`isExpensive`).
    var expensive = false
    /// Low Data Mode (`isConstrained`).
    var constrained = false
}

enum NetworkPolicy {
    /// Tells `reader` about `path`: without a network the banner says "offline" at once; on an
    /// expensive or constrained network syncs skip images (text only). Any thread.
    static func apply(_ path: NetworkPath, to reader: Reader) {
        try? reader.setNetworkAvailable(available: path.satisfied)
        try? reader.setTextOnly(textOnly: path.expensive || path.constrained)
    }
}
