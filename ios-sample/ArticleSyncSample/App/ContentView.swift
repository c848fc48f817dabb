import ArticleSync
import SwiftUI

/// The reading screen: banner, filters, list, and the open article with its comment form;
/// "Share" and "Receive" in the toolbar. Renders `ReaderModel`, `ShareModel` and `ReceiveModel` only; every text is a key of `Localizable.strings` (tests/swift checks that
/// each exists in English and Persian) or the publisher's or reader's own words (`verbatim`).
struct ContentView: View {
    @Bindable var model: ReaderModel
    @State private var share: ShareModel
    @State private var receive: ReceiveModel

    init(model: ReaderModel) {
        _model = Bindable(model)
        _share = State(initialValue: ShareModel(reader: model.reader, publisherKey: Config.publisherKey))
        _receive = State(initialValue: ReceiveModel(reader: model.reader))
    }

    var body: some View {
        NavigationStack {
            VStack(spacing: 0) {
                BannerView(banner: model.banner, syncing: model.syncing, failure: model.failure) {
                    model.sync()
                }
                Picker("tab_filter", selection: Binding(get: { model.filter }, set: { model.show($0) })) {
                    Text("tab_all").tag(ListFilter.all)
                    Text("tab_unread").tag(ListFilter.unread)
                    Text("tab_bookmarked").tag(ListFilter.bookmarked)
                }
                .pickerStyle(.segmented)
                .padding(8)
                List {
                    ForEach(model.items, id: \.id) { summary in
                        Button {
                            model.open(summary.id)
                        } label: {
                            VStack(alignment: .leading) {
                                Text(verbatim: summary.title).font(.headline)
                                Text(verbatim: summary.summary).font(.subheadline).lineLimit(2)
                            }
                            .articleDirection(summary.language)
                        }
                    }
                    if model.hasMore {
                        Button("load_more") { model.loadMore() }
                    }
                }
            }
            .toolbar {
                NavigationLink { ShareView(share: share) } label: { Text("share") }
                NavigationLink { ReceiveView(receive: receive, model: model) } label: { Text("receive") }
            }
            .navigationDestination(
                isPresented: Binding(get: { model.article != nil }, set: { if !$0 { model.close() } })
            ) {
                if let article = model.article {
                    ArticleDetail(article: article, model: model)
                }
            }
        }
    }
}

struct BannerView: View {
    let banner: BannerUi
    let syncing: Bool
    let failure: SyncFailure?
    let retry: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(verbatim: BannerPresenter.line(banner.messages) { NSLocalizedString($0, comment: "") })
            if banner.fromLastRun { Text("banner_last_run").font(.caption) }
            if let copyLine = banner.copyLine { Text(verbatim: copyLine).font(.caption) }
            if let failure {
                Text(verbatim: String(format: NSLocalizedString(failure.key, comment: ""), failure.detail))
                    .font(.caption2)
            }
            if banner.showRetry && !syncing { Button("retry", action: retry) }
        }
        .frame(maxWidth: .infinity, alignment: .leading)
        .padding(12)
        .background(color)
    }

    private var color: Color {
        switch banner.tone {
        case .neutral: return Color.gray.opacity(0.2)
        case .good: return Color.green.opacity(0.25)
        case .warning: return Color.orange.opacity(0.3)
        case .bad: return Color.red.opacity(0.3)
        }
    }
}

struct ArticleDetail: View {
    let article: Article
    @Bindable var model: ReaderModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                Text(verbatim: article.summary.title).font(.title2)
                // The body is sanitised HTML; a real app renders it with images from fetchImage.
                Text(verbatim: plainText(article.bodyHtml))
                if !article.comments.isEmpty {
                    Text("comments").font(.headline)
                    ForEach(article.comments, id: \.id) { comment in
                        Text(verbatim: "\(comment.author): \(comment.body)")
                    }
                }
                if !article.related.isEmpty {
                    Text("related").font(.headline)
                    ForEach(article.related, id: \.id) { Text(verbatim: $0.title) }
                }
                CommentForm(model: model)
            }
            .padding()
            .articleDirection(article.summary.language)
        }
        .toolbar {
            Button { model.toggleBookmark(article.summary) } label: {
                if article.summary.marks.bookmarkedAt == nil { Text("bookmark") } else { Text("remove_bookmark") }
            }
        }
    }

    private func plainText(_ html: String) -> String {
        html.replacingOccurrences(of: "</p>", with: "\n\n")
            .replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
    }
}

/// The seed page's "Leave a comment" form, and the reader's own comments with their state.
struct CommentForm: View {
    @Bindable var model: ReaderModel

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text("comment_form_title").font(.headline)
            TextField("comment_author", text: $model.commentAuthor)
            TextField("comment_body", text: $model.commentBody, axis: .vertical).lineLimit(3...8)
            if let problem = model.commentProblem {
                Text(LocalizedStringKey(problem.key)).foregroundStyle(.red)
            }
            Button("comment_send") { model.sendComment() }
            if !model.ownComments.isEmpty {
                Text("comment_own").font(.headline)
                ForEach(model.ownComments, id: \.id) { item in
                    VStack(alignment: .leading) {
                        Text(verbatim: item.body)
                        Text(LocalizedStringKey(item.state.key)).font(.caption)
                        if let reason = item.reason {
                            Text(verbatim: reason).font(.caption)
                        }
                    }
                }
            }
        }
        .textFieldStyle(.roundedBorder)
    }
}

extension View {
    /// Persian articles read right to left whatever the UI language.
    func articleDirection(_ language: String) -> some View {
        let rtl = language.hasPrefix("fa") || language.hasPrefix("ar")
        return environment(\.layoutDirection, rtl ? .rightToLeft : .leftToRight)
    }
}
