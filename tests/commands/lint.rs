//! Every lint rule has a failing and a passing example under tests/lint/<rule-id>/
//! (`bad.yaml` / `good.yaml`, or `bad/` / `good/` track directories). In a bad example,
//! the line a finding must point at carries the comment `# <- <rule-id>`.

use crate::support::run as kubetour;
use std::path::{Path, PathBuf};

use kubetour::track::lint::{Finding, RULES, lint_path, lint_track};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint")
}

fn example(rule: &str, which: &str) -> PathBuf {
    let dir = fixtures().join(rule);
    let file = dir.join(format!("{which}.yaml"));
    if file.is_file() {
        file
    } else {
        dir.join(which)
    }
}

/// (file, line) of every `# <- rule` marker under `path`.
fn markers(path: &Path, rule: &str) -> Vec<(PathBuf, usize)> {
    let files: Vec<PathBuf> = if path.is_dir() {
        std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            if line.contains(&format!("# <- {rule}")) {
                out.push((file.clone(), i + 1));
            }
        }
    }
    out
}

#[test]
fn every_rule_flags_its_bad_example_at_the_marked_line() {
    for rule in RULES {
        let bad = example(rule.id, "bad");
        assert!(
            bad.exists(),
            "rule {} has no bad example at {}",
            rule.id,
            bad.display()
        );
        let found = lint_path(&bad).unwrap_or_else(|e| panic!("{}: {e}", bad.display()));
        let mine: Vec<&Finding> = found.iter().filter(|f| f.rule == rule.id).collect();
        assert!(
            !mine.is_empty(),
            "rule {} found nothing in {}: {found:#?}",
            rule.id,
            bad.display()
        );
        let marks = markers(&bad, rule.id);
        assert!(
            !marks.is_empty(),
            "{} has no `# <- {}` marker",
            bad.display(),
            rule.id
        );
        for (file, line) in &marks {
            assert!(
                mine.iter().any(|f| &f.file == file && f.line == *line),
                "rule {}: no finding at {}:{line}; found {mine:#?}",
                rule.id,
                file.display()
            );
        }
        for f in &mine {
            assert!(!f.fix.is_empty(), "rule {} gives no fix", rule.id);
        }
    }
}

#[test]
fn every_rule_passes_its_good_example_with_no_findings_at_all() {
    for rule in RULES {
        let good = example(rule.id, "good");
        assert!(
            good.exists(),
            "rule {} has no good example at {}",
            rule.id,
            good.display()
        );
        let found = lint_path(&good).unwrap_or_else(|e| panic!("{}: {e}", good.display()));
        assert!(
            found.is_empty(),
            "{} should be clean: {found:#?}",
            good.display()
        );
    }
}

#[test]
fn the_shipped_tracks_lint_clean_for_both_profiles() {
    for track in ["emqx", "quick"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("stages")
            .join(track);
        let found = lint_track(&dir).unwrap_or_else(|e| panic!("{track}: {e}"));
        assert!(found.is_empty(), "{track}: {found:#?}");
    }
}

#[test]
fn p02_p03_p05_p08_p09_the_seed_manifests_are_caught() {
    // The tutorials' own mistakes, in one file, as they wrote them.
    let found = lint_path(&fixtures().join("seed-mistakes.yaml")).unwrap();
    let pitfalls: Vec<&str> = found.iter().filter_map(|f| f.pitfall).collect();
    for p in ["P2", "P3", "P4", "P5", "P8", "P9"] {
        assert!(pitfalls.contains(&p), "{p} not caught: {found:#?}");
    }
}

#[test]
fn lint_exits_0_when_clean() {
    let (code, stdout, _) = kubetour(&["lint", "stages/emqx", "tests/lint/licence/good.yaml"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.is_empty(), "{stdout}");
}

#[test]
fn lint_exits_1_with_findings_printed_as_file_line_rule_and_fix() {
    let (code, stdout, _) = kubetour(&["lint", "tests/lint/address-type/bad.yaml"]);
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("tests/lint/address-type/bad.yaml:6: [P5 address-type] "),
        "{stdout}"
    );
    assert!(stdout.contains("Fix: Write `hostname`"), "{stdout}");
}

#[test]
fn lint_exits_2_on_unreadable_input() {
    let (code, _, stderr) = kubetour(&["lint", "tests/lint/no-such-file.yaml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-file.yaml"), "{stderr}");
    let (code, _, stderr) = kubetour(&["lint", "tests/lint/unreadable.yaml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("tests/lint/unreadable.yaml:4: "),
        "{stderr}"
    );
}

#[test]
fn a_stage_file_is_linted_as_part_of_its_track() {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint/kubectl-generator/bad");
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let found = lint_path(&dir.path().join("01-pod.yaml")).unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule, "kubectl-generator");
    assert_eq!(found[0].line, 5);
}
