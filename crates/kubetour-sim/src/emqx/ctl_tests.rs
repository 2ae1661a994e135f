use super::*;

fn version(tag: &str) -> Version {
    Version::parse_tag(tag).unwrap_or_else(|| panic!("bad tag {tag}"))
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn cluster(running: &[&str], stopped: &[&str]) -> String {
    let v = version("4.4.19");
    let running = strings(running);
    let stopped = strings(stopped);
    let view = CtlView {
        version: &v,
        node_name: "emqx@x",
        state: CtlState::Started,
        running_nodes: &running,
        stopped_nodes: &stopped,
    };
    cluster_status(&view)
}

/// A membership double: joins succeed for names in `reachable`.
struct Fake {
    me: String,
    running: Vec<String>,
    reachable: Vec<String>,
    autocluster: bool,
}

impl Membership for Fake {
    fn join(&mut self, target: &str) -> Result<bool, String> {
        if target == self.me {
            return Ok(false);
        }
        if !self.reachable.iter().any(|r| r == target) {
            return Err(format!("{{node_down,{}}}", crate::emqx::erl::atom(target)));
        }
        self.running.push(target.to_string());
        Ok(true)
    }

    fn leave(&mut self) -> Result<(), String> {
        if self.running.len() < 2 {
            return Err("node_not_in_cluster".into());
        }
        self.running = vec![self.me.clone()];
        Ok(())
    }

    fn disable_autocluster(&mut self) -> bool {
        std::mem::replace(&mut self.autocluster, false)
    }

    fn view(&self) -> (Vec<String>, Vec<String>) {
        (self.running.clone(), Vec::new())
    }
}

const ME: &str = "emqx@emqx-0.emqx-headless.default.svc.cluster.local";

fn fake() -> Fake {
    Fake {
        me: ME.into(),
        running: strings(&[ME]),
        reachable: strings(&["emqx@10.244.0.6"]),
        autocluster: true,
    }
}

fn run_with(tag: &str, argv: &[&str], state: CtlState, membership: &mut Fake) -> ExecOutput {
    let v = version(tag);
    let (running, stopped) = membership.view();
    let view = CtlView {
        version: &v,
        node_name: ME,
        state,
        running_nodes: &running,
        stopped_nodes: &stopped,
    };
    exec(&strings(argv), &view, membership)
}

fn run(tag: &str, argv: &[&str], state: CtlState) -> ExecOutput {
    run_with(tag, argv, state, &mut fake())
}

// Every example block of EMQX.md §3.3, byte for byte.

#[test]
fn a_one_node_cluster_fits_on_one_line() {
    assert_eq!(
        cluster(&["emqx@10.0.0.5"], &[]),
        "Cluster status: #{running_nodes => ['emqx@10.0.0.5'],stopped_nodes => []}\n"
    );
}

#[test]
fn the_docs_two_node_example_breaks_after_the_first_pair() {
    assert_eq!(
        cluster(&["emqx@node2.emqx.io", "emqx@node1.emqx.io"], &[]),
        "Cluster status: #{running_nodes => ['emqx@node1.emqx.io','emqx@node2.emqx.io'],
                  stopped_nodes => []}\n"
    );
}

#[test]
fn three_ip_nodes_move_the_list_to_the_next_line() {
    assert_eq!(
        cluster(
            &["emqx@10.244.0.5", "emqx@10.244.0.6", "emqx@10.244.0.7"],
            &[]
        ),
        "Cluster status: #{running_nodes =>
                      ['emqx@10.244.0.5','emqx@10.244.0.6','emqx@10.244.0.7'],
                  stopped_nodes => []}\n"
    );
}

#[test]
fn three_hostname_nodes_print_one_per_line() {
    assert_eq!(
        cluster(
            &[
                "emqx@emqx-0.emqx-headless.default.svc.cluster.local",
                "emqx@emqx-1.emqx-headless.default.svc.cluster.local",
                "emqx@emqx-2.emqx-headless.default.svc.cluster.local",
            ],
            &[]
        ),
        "Cluster status: #{running_nodes =>
                      ['emqx@emqx-0.emqx-headless.default.svc.cluster.local',
                       'emqx@emqx-1.emqx-headless.default.svc.cluster.local',
                       'emqx@emqx-2.emqx-headless.default.svc.cluster.local'],
                  stopped_nodes => []}\n"
    );
}

#[test]
fn a_stopped_hostname_node_goes_on_its_own_line() {
    assert_eq!(
        cluster(
            &[
                "emqx@emqx-0.emqx-headless.default.svc.cluster.local",
                "emqx@emqx-1.emqx-headless.default.svc.cluster.local",
            ],
            &["emqx@emqx-2.emqx-headless.default.svc.cluster.local"]
        ),
        "Cluster status: #{running_nodes =>
                      ['emqx@emqx-0.emqx-headless.default.svc.cluster.local',
                       'emqx@emqx-1.emqx-headless.default.svc.cluster.local'],
                  stopped_nodes =>
                      ['emqx@emqx-2.emqx-headless.default.svc.cluster.local']}\n"
    );
}

#[test]
fn a_stopped_ip_node_fits_after_its_key() {
    assert_eq!(
        cluster(
            &["emqx@10.244.0.5", "emqx@10.244.0.6"],
            &["emqx@10.244.0.4"]
        ),
        "Cluster status: #{running_nodes => ['emqx@10.244.0.5','emqx@10.244.0.6'],
                  stopped_nodes => ['emqx@10.244.0.4']}\n"
    );
}

#[test]
fn dns_names_print_one_per_line() {
    assert_eq!(
        cluster(
            &[
                "emqx@10-244-0-5.default.pod.cluster.local",
                "emqx@10-244-0-6.default.pod.cluster.local",
                "emqx@10-244-0-7.default.pod.cluster.local",
            ],
            &[]
        ),
        "Cluster status: #{running_nodes =>
                      ['emqx@10-244-0-5.default.pod.cluster.local',
                       'emqx@10-244-0-6.default.pod.cluster.local',
                       'emqx@10-244-0-7.default.pod.cluster.local'],
                  stopped_nodes => []}\n"
    );
}

#[test]
fn status_prints_the_node_release_and_state() {
    let out = run("4.4.19", &["emqx_ctl", "status"], CtlState::Started);
    assert_eq!(
        out.stdout,
        "Node 'emqx@emqx-0.emqx-headless.default.svc.cluster.local' 4.4.19 is started\n"
    );
    assert_eq!(out.exit_code, 0);
    let out = run("5.8.9", &["emqx", "ctl", "status"], CtlState::Started);
    assert_eq!(
        out.stdout,
        "Node 'emqx@emqx-0.emqx-headless.default.svc.cluster.local' 5.8.9 is started\n"
    );
    let out = run("5.8.9", &["emqx", "ctl", "status"], CtlState::Starting);
    assert_eq!(
        out.stdout,
        "Node 'emqx@emqx-0.emqx-headless.default.svc.cluster.local' 5.8.9 is starting\n"
    );
}

#[test]
fn the_old_blog_image_prints_status_on_two_lines() {
    let out = run("v4.1-rc.1", &["emqx_ctl", "status"], CtlState::Started);
    assert_eq!(
        out.stdout,
        "Node 'emqx@emqx-0.emqx-headless.default.svc.cluster.local' is started\nemqx 4.1-rc.1 is running\n"
    );
}

#[test]
fn a_node_that_is_not_running_does_not_answer_pings() {
    let out = run(
        "5.8.9",
        &["emqx", "ctl", "cluster", "status"],
        CtlState::NotRunning,
    );
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "Node 'emqx@emqx-0.emqx-headless.default.svc.cluster.local' not responding to pings.\n"
    );
    assert_eq!(out.exit_code, 1);
}

#[test]
fn every_documented_argv_form_reaches_ctl() {
    for argv in [
        &["emqx", "ctl", "status"][..],
        &["emqx_ctl", "status"],
        &["/opt/emqx/bin/emqx", "ctl", "status"],
        &["/opt/emqx/bin/emqx_ctl", "status"],
        &["sh", "-c", "emqx ctl status"],
        &["/bin/sh", "-c", "emqx_ctl status"],
    ] {
        for tag in ["4.4.19", "5.8.9"] {
            let out = run(tag, argv, CtlState::Started);
            assert_eq!(out.exit_code, 0, "{tag} {argv:?}");
            assert!(out.stdout.ends_with(" is started\n"), "{tag} {argv:?}");
        }
    }
}

#[test]
fn json_cluster_status_exists_only_on_5() {
    let out = run(
        "5.8.9",
        &["emqx", "ctl", "cluster", "status", "--json"],
        CtlState::Started,
    );
    assert_eq!(
        out.stdout,
        "{\n  \"running_nodes\": [\n    \"emqx@emqx-0.emqx-headless.default.svc.cluster.local\"\n  ],\n  \"stopped_nodes\": []\n}\n"
    );
    let out = run(
        "4.4.19",
        &["emqx_ctl", "cluster", "status", "--json"],
        CtlState::Started,
    );
    assert_eq!(out.exit_code, 1);
    assert!(out.stdout.contains("cluster status"));
}

#[test]
fn other_commands_are_not_found_with_exit_127() {
    let out = run("5.8.9", &["ls", "-l"], CtlState::Started);
    assert_eq!(
        (out.stderr.as_str(), out.exit_code),
        ("sh: ls: not found\n", 127)
    );
    let out = run(
        "4.4.19",
        &["bash", "-c", "emqx ctl status"],
        CtlState::Started,
    );
    assert_eq!(
        (out.stderr.as_str(), out.exit_code),
        ("sh: bash: not found\n", 127)
    );
    let out = run("5.8.9", &["/tmp/emqx", "ctl", "status"], CtlState::Started);
    assert_eq!(out.exit_code, 127);
}

#[test]
fn an_unknown_ctl_subcommand_prints_usage() {
    let out = run("5.8.9", &["emqx", "ctl", "frobnicate"], CtlState::Started);
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stdout
            .starts_with(&format!("{:<48}# Show broker status\n", "status"))
    );
    assert!(out.stdout.contains("cluster status [--json]"));
}

#[test]
fn cluster_join_prints_success_and_the_new_status() {
    let mut m = fake();
    let out = run_with(
        "4.4.19",
        &["emqx_ctl", "cluster", "join", "emqx@10.244.0.6"],
        CtlState::Started,
        &mut m,
    );
    assert_eq!(
        out.stdout,
        "Join the cluster successfully.
Cluster status: #{running_nodes =>
                      ['emqx@10.244.0.6',
                       'emqx@emqx-0.emqx-headless.default.svc.cluster.local'],
                  stopped_nodes => []}\n"
    );
    let out = run_with(
        "4.4.19",
        &["emqx_ctl", "cluster", "join", "emqx@10.244.0.9"],
        CtlState::Started,
        &mut m,
    );
    assert_eq!(
        out.stdout,
        "Failed to join the cluster: {node_down,'emqx@10.244.0.9'}\n"
    );
    let out = run_with(
        "4.4.19",
        &["emqx_ctl", "cluster", "join", ME],
        CtlState::Started,
        &mut m,
    );
    assert_eq!(out.stdout, "Ignore.\n");
}

#[test]
fn cluster_leave_on_5x_says_autocluster_is_now_off() {
    let mut m = fake();
    m.running.push("emqx@10.244.0.6".into());
    let out = run_with(
        "5.8.9",
        &["emqx", "ctl", "cluster", "leave"],
        CtlState::Started,
        &mut m,
    );
    assert_eq!(
        out.stdout,
        format!(
            "Automatic cluster discovery is disabled on this node: '{ME}'. To enable it run: 'emqx ctl cluster discovery enable' or restart the node.
Leave the cluster successfully.
Cluster status: #{{running_nodes =>
                      ['emqx@emqx-0.emqx-headless.default.svc.cluster.local'],
                  stopped_nodes => []}}\n"
        )
    );
    let out = run_with(
        "5.8.9",
        &["emqx", "ctl", "cluster", "leave"],
        CtlState::Started,
        &mut m,
    );
    assert_eq!(
        out.stdout,
        "Failed to leave the cluster: node_not_in_cluster\n"
    );
}

#[test]
fn a_quoted_word_in_a_shell_script_loses_its_quotes() {
    let mut m = fake();
    let out = run_with(
        "5.8.9",
        &["sh", "-c", "emqx ctl cluster join 'emqx@10.244.0.6'"],
        CtlState::Started,
        &mut m,
    );
    assert!(
        out.stdout.starts_with("Join the cluster successfully.\n"),
        "{}",
        out.stdout
    );
}
