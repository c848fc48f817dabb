import ArticleSync
import SwiftUI

/// One screen: banner, filters, list, and the open article. Renders `ReaderModel` only.
struct ContentView: View {
    @Bindable var model: ReaderModel

    var body: some View {
        NavigationStack {
            VStack(spacing: 0) {
                BannerView(banner: model.banner, syncing: model.syncing, error: model.error) {
                    model.sync()
                }
                Picker("", selection: Binding(get: { model.filter }, set: { model.show($0) })) {
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
                                Text(summary.title).font(.headline)
                                Text(summary.summary).font(.subheadline).lineLimit(2)
                            }
                            .articleDirection(summary.language)
                        }
                    }
                    if model.hasMore {
                        Button("load_more") { model.loadMore() }
                    }
                }
            }
            .navigationDestination(
                isPresented: Binding(get: { model.article != nil }, set: { if !$0 { model.close() } })
            ) {
                if let article = model.article {
                    ArticleDetail(article: article) { model.toggleBookmark(article.summary) }
                }
            }
        }
    }
}

struct BannerView: View {
    let banner: BannerUi
    let syncing: Bool
    let error: String?
    let retry: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(banner.messages.map { NSLocalizedString($0.key, comment: "") }.joined(separator: ". "))
            if banner.fromLastRun { Text("banner_last_run").font(.caption) }
            if let error { Text(error).font(.caption2) }
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
    let toggleBookmark: () -> Void

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                Text(article.summary.title).font(.title2)
                // The body is sanitised HTML; a real app renders it with images from fetchImage.
                Text(plainText(article.bodyHtml))
                if !article.comments.isEmpty {
                    Text("comments").font(.headline)
                    ForEach(article.comments, id: \.id) { comment in
                        Text("\(comment.author): \(comment.body)")
                    }
                }
                if !article.related.isEmpty {
                    Text("related").font(.headline)
                    ForEach(article.related, id: \.id) { Text($0.title) }
                }
            }
            .padding()
            .articleDirection(article.summary.language)
        }
        .toolbar {
            Button(article.summary.marks.bookmarkedAt == nil ? "bookmark" : "remove_bookmark",
                   action: toggleBookmark)
        }
    }

    private func plainText(_ html: String) -> String {
        html.replacingOccurrences(of: "</p>", with: "\n\n")
            .replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
    }
}

extension View {
    /// Persian articles read right to left whatever the UI language.
    func articleDirection(_ language: String) -> some View {
        let rtl = language.hasPrefix("fa") || language.hasPrefix("ar")
        return environment(\.layoutDirection, rtl ? .rightToLeft : .leftToRight)
    }
}
