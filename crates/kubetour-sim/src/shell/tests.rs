use super::*;

struct Emqx;

impl Host for Emqx {
    fn program(&mut self, argv: &[String], _stdin: &[u8]) -> Option<Output> {
        (argv.first().map(String::as_str) == Some("emqx")).then(|| Output {
            stdout: format!("ctl {}\n", argv[1..].join(" ")).into_bytes(),
            stderr: Vec::new(),
            code: 0,
        })
    }
}

fn shell() -> Shell {
    let mut fs = Fs::new();
    fs.mkdir_p("/etc");
    fs.mkdir_p("/opt/emqx/data/mnesia");
    fs.write("/etc/hosts", b"10.244.1.2\temqx-0\n".to_vec())
        .unwrap();
    Shell::new(
        vec![
            ("HOME".into(), "/opt/emqx".into()),
            ("A".into(), "x y".into()),
        ],
        "/opt/emqx",
        "emqx-0",
        "emqx-0.emqx-headless.default.svc.cluster.local",
        fs,
    )
}

fn run(script: &str) -> (String, String, i32) {
    let r = shell().run_script(script, &mut Emqx);
    (
        String::from_utf8_lossy(&r.stdout()).into_owned(),
        String::from_utf8_lossy(&r.stderr()).into_owned(),
        r.code,
    )
}

#[test]
fn sequences_and_or_chains_and_quotes_run_as_sh_does() {
    assert_eq!(
        run("echo a; echo 'b  c' && echo \"$HOME\"").0,
        "a\nb  c\n/opt/emqx\n"
    );
    assert_eq!(run("false && echo no || echo yes").0, "yes\n");
    assert_eq!(run("false; echo $?").0, "1\n");
}

#[test]
fn for_loops_iterate_over_words_and_split_unquoted_variables() {
    assert_eq!(run("for i in 1 2 3; do echo n$i; done").0, "n1\nn2\nn3\n");
    assert_eq!(run("for w in $A; do echo [$w]; done").0, "[x]\n[y]\n");
    assert_eq!(run("for w in \"$A\"; do echo [$w]; done").0, "[x y]\n");
}

#[test]
fn exit_ends_the_script_with_its_code() {
    let r = shell().run_script("echo before; exit 3; echo after", &mut Emqx);
    assert_eq!(r.code, 3);
    assert!(r.exited);
    assert_eq!(r.stdout(), b"before\n");
}

#[test]
fn unknown_commands_are_not_found_with_127() {
    let (out, err, code) = run("curl http://x");
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("", "sh: curl: not found\n", 127)
    );
}

#[test]
fn programs_of_the_image_come_from_the_host() {
    assert_eq!(run("emqx ctl status").0, "ctl ctl status\n");
}

#[test]
fn hostname_cat_ls_and_redirections_use_the_container_files() {
    assert_eq!(
        run("hostname; hostname -f").0,
        "emqx-0\nemqx-0.emqx-headless.default.svc.cluster.local\n"
    );
    assert_eq!(run("cat /etc/hosts").0, "10.244.1.2\temqx-0\n");
    assert_eq!(run("ls data").0, "mnesia\n");
    assert!(
        run("echo hi > /tmp/x")
            .1
            .starts_with("sh: cannot create /tmp/x: No such file")
    );
    assert_eq!(
        run("echo hi > data/x; echo ho >> data/x; cat data/x").0,
        "hi\nho\n"
    );
    let (_, err, code) = run("cat /nope");
    assert_eq!(
        (err.as_str(), code),
        ("cat: /nope: No such file or directory\n", 1)
    );
}

#[test]
fn sleep_is_a_step_between_outputs() {
    let r = shell().run_script("echo a; sleep 2; echo b", &mut Emqx);
    assert_eq!(
        r.steps,
        vec![
            Step::Out(b"a\n".to_vec()),
            Step::Sleep(Duration::from_secs(2)),
            Step::Out(b"b\n".to_vec())
        ]
    );
}

#[test]
fn sh_dash_c_runs_a_child_shell_whose_exit_does_not_end_the_parent() {
    let (out, _, code) = run("sh -c 'echo in; exit 4'; echo after $?");
    assert_eq!((out.as_str(), code), ("in\nafter 4\n", 0));
}

#[test]
fn syntax_errors_are_named_as_dash_names_them() {
    let (_, err, code) = run("for x in a; do echo $x");
    assert_eq!(
        (err.as_str(), code),
        ("sh: Syntax error: \"end of file\" unexpected\n", 2)
    );
    assert_eq!(
        run("echo 'open").1,
        "sh: Syntax error: Unterminated quoted string\n"
    );
}

#[test]
fn tar_out_of_the_pod_and_back_in_round_trips_a_file() {
    let mut sh = shell();
    let argv = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
    let out = sh.run_argv(&argv("tar cf - /etc/hosts"), &[], &mut NoPrograms);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stderr(),
        b"tar: Removing leading `/' from member names\n"
    );
    let archive = out.stdout();
    assert_eq!(archive.len() % 512, 0);
    sh.fs.mkdir_p("/tmp");
    let back = sh.run_argv(&argv("tar -xmf - -C /tmp"), &archive, &mut NoPrograms);
    assert_eq!(
        back.code,
        0,
        "{:?}",
        String::from_utf8_lossy(&back.stderr())
    );
    assert_eq!(
        sh.fs.read("/tmp/etc/hosts").unwrap(),
        b"10.244.1.2\temqx-0\n"
    );
}
