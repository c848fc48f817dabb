import ArticleSync
import SwiftUI

/// The app's language for dates ("en" or "fa"), as the bundle resolved it.
private var uiLanguage: String { Bundle.main.preferredLocalizations.first ?? "en" }

private func localized(_ key: String) -> String { NSLocalizedString(key, comment: "") }

/// "Share": the port, start/stop, then the URL, its QR code, the key fingerprint and the
/// copy's date. Renders `ShareModel` only.
struct ShareView: View {
    @Bindable var share: ShareModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                Text("share_title").font(.headline)
                Text("share_explain").font(.subheadline)
                Text(verbatim: ValueText.shareFingerprint.format(share.fingerprint, localized))
                if let issued = share.copyIssuedAt {
                    Text(verbatim: ValueText.shareCopyDate.format(dayText(issued, language: uiLanguage), localized))
                }
                if let url = share.url {
                    Text(verbatim: ValueText.shareUrl.format(url, localized)).textSelection(.enabled)
                    if let qr = share.qr { QrCodeView(code: qr).accessibilityLabel(Text("share_qr")) }
                    Button("share_stop") { share.stop() }
                } else {
                    TextField("share_port", text: $share.port).keyboardType(.numberPad)
                    Button("share_start") { Task { await share.start() } }
                }
                if let failure = share.failure {
                    Text(LocalizedStringKey(failure.key)).foregroundStyle(.red)
                }
                if let detail = share.detail { Text(verbatim: detail).font(.caption2) }
            }
            .padding()
            .textFieldStyle(.roundedBorder)
        }
    }
}

/// A QR code drawn module by module, black on white with its four-module quiet zone.
struct QrCodeView: View {
    let code: QrCode

    var body: some View {
        Canvas { context, size in
            let side = Int(code.size)
            let module = min(size.width, size.height) / CGFloat(side + 8)
            context.fill(Path(CGRect(origin: .zero, size: size)), with: .color(.white))
            for y in 0..<side {
                for x in 0..<side where code.dark[y * side + x] {
                    let rect = CGRect(
                        x: CGFloat(x + 4) * module, y: CGFloat(y + 4) * module, width: module, height: module)
                    context.fill(Path(rect), with: .color(.black))
                }
            }
        }
        .frame(width: 240, height: 240)
        // Scanned left to right whatever the UI language.
        .environment(\.layoutDirection, .leftToRight)
    }
}

/// "Receive": type or paste the URL another reader shares; it is added as a mirror and synced.
struct ReceiveView: View {
    @Bindable var receive: ReceiveModel
    let model: ReaderModel

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            Text("receive_title").font(.headline)
            TextField("receive_url", text: $receive.text)
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
                .keyboardType(.URL)
            Button("receive_add") {
                if receive.add() != nil { Task { await model.refresh() } }
            }
            if let added = receive.added {
                Text(verbatim: ValueText.receiveAdded.format(added, localized))
            }
            if let failure = receive.failure {
                Text(LocalizedStringKey(failure.key)).foregroundStyle(.red)
            }
            if let detail = receive.detail { Text(verbatim: detail).font(.caption2) }
            Spacer()
        }
        .padding()
        .textFieldStyle(.roundedBorder)
    }
}

extension BannerUi {
    /// The banner's "copy of DATE, not live" line, when the held head expired.
    var copyLine: String? {
        copyOf.map { ValueText.copyOf.format(dayText($0, language: uiLanguage), localized) }
    }
}
