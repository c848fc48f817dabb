//! The README's first command: the demo runs every scenario and ends with exit 0.

use std::process::Command;

#[test]
fn the_demo_ends_every_scenario_in_its_expected_state() {
    let out = Command::new(env!("CARGO_BIN_EXE_article-sync"))
        .args(["demo", "--articles", "60"])
        .current_dir(std::env::temp_dir())
        .output()
        .expect("the demo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("9/9 scenarios ended in the expected state"),
        "{stdout}"
    );
    for state in ["direct", "main_blocked_mirror", "national_shutdown"] {
        assert!(
            stdout.contains(&format!("[{state}]")),
            "{state} shown: {stdout}"
        );
    }
    assert!(stdout.contains("احتمال دارد اینترنت به طور سراسری قطع شده باشد"));
    assert!(
        stdout.contains("under the article: yes"),
        "the comment came back: {stdout}"
    );
    assert!(
        stdout.contains("the reader shows the photo: 1280×800 image/jpeg")
            && stdout.contains("hash verified, from mirror")
            && stdout.contains("(0 request(s) to it)"),
        "the feed's photo came through a mirror while its image host was blocked: {stdout}"
    );
    assert!(!stdout.contains('✗'), "{stdout}");
}
