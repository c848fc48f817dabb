import ArticleSync
import SwiftUI

@main
struct ArticleSyncSampleApp: App {
    @Environment(\.scenePhase) private var scenePhase
    @State private var model: ReaderModel?
    @State private var failure: String?

    init() {
        do {
            let reader = try Config.reader()
            BackgroundSync.register(reader: reader)
            _model = State(initialValue: try ReaderModel(reader: reader))
        } catch {
            _failure = State(initialValue: "\(error)")
        }
    }

    var body: some Scene {
        WindowGroup {
            if let model {
                ContentView(model: model).onAppear { model.sync() }
            } else {
                Text(failure ?? "")
            }
        }
        .onChange(of: scenePhase) { _, phase in
            if phase == .background { BackgroundSync.schedule() }
        }
    }
}
