//! `article-sync bench --quick` end to end on tiny corpora: every row for every size in
//! bench.json, the Markdown table and the PNG chart written. Needs newsboat (the bench installs
//! it with apt-get when running as root).

use std::process::Command;

const SIZES: [u64; 2] = [50, 200];

#[test]
fn quick_bench_produces_every_row_for_every_size_and_a_chart() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_article-sync"))
        .args(["bench", "--quick", "--sizes", "50,200", "--out"])
        .arg(out.path())
        .status()
        .expect("article-sync runs");
    assert!(status.success(), "bench --quick failed: {status}");

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("bench.json")).unwrap()).unwrap();
    assert_eq!(json["quick"], true);
    assert_eq!(json["sizes"], serde_json::json!(SIZES));
    let rows = json["rows"].as_array().expect("rows");
    let expected = article_sync_cli::bench::EXPECTED;
    assert_eq!(rows.len(), expected.len());
    for (id, baselines) in expected {
        let row = rows
            .iter()
            .find(|r| r["id"] == *id)
            .unwrap_or_else(|| panic!("row {id} missing"));
        let cells = row["cells"].as_array().unwrap();
        if *id == "ffi.size" {
            // Size-independent; in --quick it may only say why the library is not there.
            assert_eq!(cells.len(), 1);
            assert!(cells[0]["value"].is_object() || cells[0]["note"].is_string());
            continue;
        }
        let independent = ["comments.", "images.", "judged.", "publish."];
        if independent.iter().any(|p| id.starts_with(p)) {
            // Size-independent, and always measured.
            assert_eq!(cells.len(), 1);
            assert!(
                cells[0]["value"]["median"].as_f64().unwrap() > 0.0,
                "{id}: {row}"
            );
            for name in *baselines {
                assert!(
                    cells[0]["baselines"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|b| b["name"] == *name && b["value"]["median"].as_f64().is_some()),
                    "{id}: no {name} baseline: {row}"
                );
            }
            continue;
        }
        for size in SIZES {
            let cell = cells
                .iter()
                .find(|c| c["size"] == size)
                .unwrap_or_else(|| panic!("{id}: no cell for {size}"));
            let median = cell["value"]["median"]
                .as_f64()
                .unwrap_or_else(|| panic!("{id} at {size}: no value: {cell}"));
            assert!(median >= 0.0);
            for name in *baselines {
                let b = cell["baselines"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|b| b["name"] == *name)
                    .unwrap_or_else(|| panic!("{id} at {size}: no {name} baseline"));
                assert!(b["value"]["median"].as_f64().is_some());
            }
        }
    }
    // The phone variants are smaller than the originals, and images add to the first sync and
    // to the exported copy.
    for id in [
        "images.phone_bytes",
        "images.first_sync_bytes",
        "images.export_bytes",
    ] {
        let row = rows.iter().find(|r| r["id"] == id).unwrap();
        let cell = &row["cells"][0];
        let ratio = cell["baselines"][0]["ratio"].as_f64().unwrap();
        match id {
            "images.phone_bytes" => assert!(ratio < 1.0, "{row}"),
            _ => assert!(ratio > 1.0, "{row}"),
        }
    }
    // After 10 new articles, an upload sends a small part of the whole tree.
    let median = |id: &str| {
        let row = rows.iter().find(|r| r["id"] == id).unwrap();
        row["cells"][0]["value"]["median"].as_f64().unwrap()
    };
    for (part, whole) in [
        ("publish.incremental_requests", "publish.s3_requests"),
        ("publish.incremental_bytes", "publish.s3_bytes"),
    ] {
        assert!(median(part) * 4.0 < median(whole), "{part} against {whole}");
    }
    // The first sync really moved the articles, and the export wrote them: more bytes for more.
    for id in ["first_sync.bytes", "share.export_bytes"] {
        let row = rows.iter().find(|r| r["id"] == id).unwrap();
        let bytes = |i: usize| row["cells"][i]["value"]["median"].as_f64().unwrap();
        assert!(bytes(1) > bytes(0), "{row}");
    }

    let md = std::fs::read_to_string(out.path().join("bench.md")).unwrap();
    assert!(
        md.contains(
            "| First sync of N: wall time until every article is readable | article-sync |"
        ),
        "{md}"
    );
    let png = std::fs::read(out.path().join("bench.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(png.len() > 10_000, "the chart is {} bytes", png.len());
}
