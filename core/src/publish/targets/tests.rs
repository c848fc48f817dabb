use super::*;
use crate::format::note::SecretKey;
use crate::publish::source::SourceArticle;
use crate::publish::{PublishOptions, publish};

const NOW: i64 = 1_531_900_000;

fn source(n: u64) -> SourceArticle {
    SourceArticle::numbered(n, NOW - 100_000 + n as i64 * 60)
}

fn tree(n: u64) -> (tempfile::TempDir, SecretKey) {
    let dir = tempfile::tempdir().unwrap();
    let key = SecretKey::generate();
    publish(
        dir.path(),
        &key,
        (0..n).map(source).collect(),
        &PublishOptions::new(NOW, "p"),
    )
    .unwrap();
    (dir, key)
}

fn folder(dir: &Path) -> FolderTarget {
    let url = url::Url::from_directory_path(dir).unwrap().to_string();
    FolderTarget::new(&url, dir.to_path_buf())
}

/// The ranks of the kinds of file in upload order: immutable, pages, head.
fn assert_ordered(uploaded: &[String]) {
    let rank = |p: &str| match TreePath::parse(p) {
        Ok(TreePath::Head) => 2,
        Ok(_) => 0,
        Err(_) => 1,
    };
    let ranks: Vec<i32> = uploaded.iter().map(|p| rank(p)).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{uploaded:?}");
    assert_eq!(uploaded.last().map(String::as_str), Some(layout::HEAD));
}

#[test]
fn a_folder_gets_the_whole_tree_then_only_what_it_lacks_head_last() {
    let (dir, key) = tree(30);
    let out = tempfile::tempdir().unwrap();
    let target = folder(out.path());

    let first = upload(dir.path(), &target).unwrap();
    assert!(first.verified);
    assert_eq!(first.skipped, 0);
    assert_ordered(&first.uploaded);
    // The copy is the tree: it loads and verifies, and has every file.
    let copied = TreeState::load(out.path()).unwrap();
    assert_eq!(copied.articles.len(), 30);
    assert!(out.path().join(site::INDEX).is_file());

    let again = upload(dir.path(), &target).unwrap();
    assert!(again.uploaded.is_empty() && again.verified);
    assert_eq!(again.skipped, first.uploaded.len());

    publish(
        dir.path(),
        &key,
        (0..40).map(source).collect(),
        &PublishOptions::new(NOW + 60, "p"),
    )
    .unwrap();
    let before: std::collections::BTreeSet<String> = first.uploaded.iter().cloned().collect();
    let third = upload(dir.path(), &target).unwrap();
    assert!(third.verified);
    assert_ordered(&third.uploaded);
    for path in &third.uploaded {
        let changes_in_place = path == layout::HEAD || site::is_site_path(path);
        assert!(
            !before.contains(path) || changes_in_place,
            "{path} was sent again"
        );
    }
    // 10 new article pages, the index, the newest archive page, the about page, a new log
    // file, the archived head and head at the least.
    assert!(third.uploaded.len() >= 16, "{:?}", third.uploaded);
    assert!(third.uploaded.len() < first.uploaded.len());
    assert_eq!(TreeState::load(out.path()).unwrap().articles.len(), 40);
}

#[test]
fn a_killed_upload_resumes_with_the_files_still_missing() {
    let (dir, _) = tree(25);
    let out = tempfile::tempdir().unwrap();
    let target = folder(out.path());
    let full = upload(dir.path(), &target).unwrap();
    // As if killed part-way: the head never arrived and the later half of the files is gone.
    let lost: Vec<&String> = full.uploaded.iter().skip(full.uploaded.len() / 2).collect();
    for path in &lost {
        std::fs::remove_file(out.path().join(path)).unwrap();
    }
    let resumed = upload(dir.path(), &target).unwrap();
    let lost: Vec<String> = lost.into_iter().cloned().collect();
    assert_eq!(resumed.uploaded, lost);
    assert!(resumed.verified);
}

/// A target that corrupts `head` on the way.
struct Corrupting(FolderTarget);

impl Target for Corrupting {
    fn url(&self) -> &str {
        self.0.url()
    }
    fn has(&self, path: &str) -> Result<bool, TargetError> {
        self.0.has(path)
    }
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TargetError> {
        self.0.get(path)
    }
    fn put(&self, path: &str, bytes: &[u8], headers: FileHeaders) -> Result<(), TargetError> {
        let mut bytes = bytes.to_vec();
        if path == layout::HEAD {
            let i = bytes.len() / 2;
            bytes[i] ^= 1;
        }
        self.0.put(path, &bytes, headers)
    }
}

#[test]
fn a_head_that_does_not_read_back_intact_is_reported_unverified() {
    let (dir, _) = tree(3);
    let out = tempfile::tempdir().unwrap();
    let report = upload(dir.path(), &Corrupting(folder(out.path()))).unwrap();
    assert!(!report.verified);
}

#[test]
fn the_urls_scheme_chooses_the_target() {
    assert!(open("file:///tmp/mirror").is_ok());
    let mut options = TargetOptions::new();
    options.insert("region".into(), "us-east-1".into());
    assert!(open_with("s3://bucket/prefix", &options).is_ok());
    for url in ["https://mirror.example/", "ftp://x/y", "not a url"] {
        assert!(
            matches!(open(url), Err(TargetError::Unsupported(_))),
            "{url}"
        );
    }
}

/// A folder that records what happens (the order of its puts, the most puts at once, how often
/// it was asked `has`) and answers the listing itself with sizes and MD5s, as an S3 store does.
struct Recording {
    folder: FolderTarget,
    root: std::path::PathBuf,
    puts: std::sync::Mutex<Vec<String>>,
    busy: AtomicUsize,
    most_busy: AtomicUsize,
    has_calls: AtomicUsize,
}

impl Recording {
    fn new(dir: &Path) -> Recording {
        Recording {
            folder: folder(dir),
            root: dir.to_path_buf(),
            puts: Default::default(),
            busy: AtomicUsize::new(0),
            most_busy: AtomicUsize::new(0),
            has_calls: AtomicUsize::new(0),
        }
    }
}

impl Target for Recording {
    fn url(&self) -> &str {
        self.folder.url()
    }
    fn has(&self, path: &str) -> Result<bool, TargetError> {
        self.has_calls.fetch_add(1, Ordering::SeqCst);
        self.folder.has(path)
    }
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TargetError> {
        self.folder.get(path)
    }
    fn put(&self, path: &str, bytes: &[u8], headers: FileHeaders) -> Result<(), TargetError> {
        let now = self.busy.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_busy.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(2));
        self.puts.lock().unwrap().push(path.to_string());
        let result = self.folder.put(path, bytes, headers);
        self.busy.fetch_sub(1, Ordering::SeqCst);
        result
    }
    fn list(&self, paths: &[String]) -> Result<HashMap<String, Held>, TargetError> {
        let read = |p: &String| {
            std::fs::read(self.root.join(p))
                .ok()
                .map(|b| (p.clone(), b))
        };
        Ok(paths
            .iter()
            .filter_map(read)
            .map(|(p, bytes)| {
                let held = Held {
                    size: Some(bytes.len() as u64),
                    md5: Some(md5::Md5::digest(&bytes).into()),
                };
                (p, held)
            })
            .collect())
    }
}

/// Counts what an upload tells its progress.
#[derive(Default)]
struct Counting {
    planned: AtomicUsize,
    done: AtomicUsize,
    sent: AtomicUsize,
}

impl UploadProgress for Counting {
    fn planned(&self, files: u64) {
        self.planned.store(files as usize, Ordering::SeqCst);
    }
    fn done(&self, _path: &str, _bytes: u64, sent: bool) {
        self.done.fetch_add(1, Ordering::SeqCst);
        if sent {
            self.sent.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[test]
fn files_go_in_parallel_yet_every_immutable_file_lands_before_any_page_and_head_last() {
    let (dir, _) = tree(20);
    let out = tempfile::tempdir().unwrap();
    let target = Recording::new(out.path());
    let progress = Counting::default();
    let opts = UploadOptions {
        jobs: 4,
        progress: &progress,
    };
    let report = upload_with(dir.path(), &target, &opts).unwrap();
    assert!(report.verified);
    let puts = target.puts.lock().unwrap().clone();
    assert_ordered(&puts);
    assert_eq!(puts.len(), report.uploaded.len());
    let most = target.most_busy.load(Ordering::SeqCst);
    assert!((2..=4).contains(&most), "{most} puts at once");
    assert_eq!(progress.planned.load(Ordering::SeqCst), puts.len());
    assert_eq!(progress.done.load(Ordering::SeqCst), puts.len());
    assert_eq!(progress.sent.load(Ordering::SeqCst), puts.len());

    // One job: one put at a time.
    let out = tempfile::tempdir().unwrap();
    let target = Recording::new(out.path());
    let opts = UploadOptions {
        jobs: 1,
        progress: &(),
    };
    upload_with(dir.path(), &target, &opts).unwrap();
    assert_eq!(target.most_busy.load(Ordering::SeqCst), 1);
}

#[test]
fn a_listing_answers_what_the_target_holds_without_a_question_per_file() {
    let (dir, key) = tree(20);
    let out = tempfile::tempdir().unwrap();
    let target = Recording::new(out.path());
    let first = upload(dir.path(), &target).unwrap();
    publish(
        dir.path(),
        &key,
        (0..22).map(source).collect(),
        &PublishOptions::new(NOW + 60, "p"),
    )
    .unwrap();
    // A page whose bytes changed but not its size is still sent: the MD5 tells.
    let about = site::STYLE;
    let mut bytes = std::fs::read(out.path().join(about)).unwrap();
    bytes[0] ^= 0x20;
    std::fs::write(out.path().join(about), &bytes).unwrap();
    target.puts.lock().unwrap().clear();
    let second = upload(dir.path(), &target).unwrap();
    assert_eq!(target.has_calls.load(Ordering::SeqCst), 0);
    assert!(second.verified);
    assert!(second.uploaded.contains(&about.to_string()));
    assert!(
        second.uploaded.len() < first.uploaded.len() / 2,
        "{second:?}"
    );
    let mut puts = target.puts.lock().unwrap().clone();
    puts.sort();
    let mut uploaded = second.uploaded.clone();
    uploaded.sort();
    assert_eq!(puts, uploaded);
}
