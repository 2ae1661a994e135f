//! The command line: subcommands and flags as clap types, and the parsers of the flags'
//! values. Nothing here runs a command: `commands::dispatch` chooses the handler.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "kubetour", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no subcommand: the wizard, with these flags.
    #[command(flatten)]
    pub tour: TourArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The wizard (the default): walk the stages in the terminal UI, live panels beside.
    Tour(TourArgs),
    /// List the stages of a track, one line each.
    Stages(StagesArgs),
    /// Print a track's manifests as multi-document YAML, ready for `kubectl apply -f -`.
    Export(ExportArgs),
    /// Check track directories or manifest files for the pitfalls the tutorials hit.
    Lint(LintArgs),
    /// Run the stages in order on a cluster, with line-by-line progress.
    Run(RunArgs),
    /// One snapshot: pods, kubetour's objects, EMQX membership, recent warnings.
    Status(StatusArgs),
    /// Delete everything kubetour created in the namespace, newest first.
    Teardown(TeardownArgs),
    /// Prove delivery: publish one MQTT message from every EMQX pod to all the others.
    Probe(ProbeArgs),
    /// Break one thing on purpose (a cause of "no cluster") for a learner to find with
    /// kubectl, then undo it. `kubetour drill list` lists the drills.
    Drill(DrillArgs),
    /// The embedded simulated cluster.
    #[command(subcommand)]
    Sim(SimCommand),
}

/// Which cluster to talk to. With none of --kubeconfig, --context or KUBECONFIG,
/// kubetour starts its own simulated cluster on 127.0.0.1.
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    /// A kubeconfig file: use a real cluster (default: the embedded simulated one).
    #[arg(long, env = "KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig (with no --kubeconfig: of ~/.kube/config).
    #[arg(long)]
    pub context: Option<String>,
    /// Confirm writing to a cluster that is not the embedded simulated one.
    #[arg(long)]
    pub yes: bool,
    /// Also allow a context whose name looks like production (prod, production, live).
    #[arg(long)]
    pub allow_production: bool,
    /// Words that mark a production context (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "prod,production,live")]
    pub production_words: Vec<String>,
    /// Embedded cluster only: scale every simulated delay (50 = fifty times faster).
    // allow_negative_numbers: `--speed -1` should reach parse_speed and be told why,
    // not be taken for an unknown flag `-1`.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
    pub speed: f64,
    /// Embedded cluster only: start without a default StorageClass.
    #[arg(long)]
    pub no_default_storage_class: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub track: TrackArgs,
    /// Stop after this stage (default: run every stage).
    #[arg(long)]
    pub through: Option<String>,
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// One JSON event per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Skip the try-it actions.
    #[arg(long)]
    pub no_try_it: bool,
    /// Language of narration: en or zh.
    #[arg(long, default_value = "en")]
    pub lang: String,
}

/// Which EMQX, where, from which image: what the track is rendered with.
#[derive(Debug, Args, Clone)]
pub struct ProfileArgs {
    /// EMQX profile: 5 (default) or 4.
    #[arg(long)]
    pub emqx: Option<String>,
    /// Target namespace (default from the track: emqx).
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    /// Use this image instead of the profile's.
    #[arg(long)]
    pub image: Option<String>,
}

#[derive(Debug, Args)]
pub struct TourArgs {
    #[command(flatten)]
    pub track: TrackArgs,
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Language of narration: en or zh (switch any time with `l`).
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Apply each stage, run its try-its, and go on by itself once it passes.
    #[arg(long)]
    pub autopilot: bool,
    /// With --autopilot: wait for `n` between stages.
    #[arg(long, requires = "autopilot")]
    pub pause: bool,
    /// Colours: dark or light (NO_COLOR turns colours off).
    #[arg(long, default_value = "dark")]
    pub theme: String,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub track: TrackArgs,
    /// EMQX profile: 5 (default) or 4 (decides the control command used to ask nodes).
    #[arg(long)]
    pub emqx: Option<String>,
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DrillArgs {
    /// `list`, or the name of the drill to run.
    pub name: String,
    #[command(flatten)]
    pub track: TrackArgs,
    /// EMQX profile: 5 (default) or 4.
    #[arg(long)]
    pub emqx: Option<String>,
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print the diagnosis as soon as kubetour names the cause, then undo (for trainers
    /// and demos); without it, press Enter for the diagnosis.
    #[arg(long)]
    pub reveal: bool,
    /// Give up after this many seconds: print the diagnosis and undo.
    #[arg(long, default_value_t = 1800)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct TeardownArgs {
    #[command(flatten)]
    pub track: TrackArgs,
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Also delete the PersistentVolumeClaims (and EMQX's data in them).
    #[arg(long)]
    pub delete_claims: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The namespace of the EMQX pods.
    #[arg(long, short = 'n', default_value = "emqx")]
    pub namespace: String,
    /// Which pods: a label selector as kubectl -l takes it.
    #[arg(long, short = 'l', default_value = "app=emqx")]
    pub selector: String,
    /// The matrix as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// MQTT username, for brokers with authentication.
    #[arg(long, requires = "password")]
    pub username: Option<String>,
    /// MQTT password.
    #[arg(
        long,
        requires = "username",
        env = "KUBETOUR_MQTT_PASSWORD",
        hide_env_values = true
    )]
    pub password: Option<String>,
    /// How long a round waits for connections, then for the messages (3s, 500ms).
    #[arg(long, default_value = "3s", value_parser = parse_timeout)]
    pub timeout: std::time::Duration,
    /// The pods' MQTT port.
    #[arg(long, default_value_t = 1883)]
    pub port: u16,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct TrackArgs {
    /// The track to use (a name under stages/, or a path to a track directory).
    #[arg(long, default_value = "emqx")]
    pub track: String,
}

#[derive(Debug, Args)]
pub struct StagesArgs {
    #[command(flatten)]
    pub track: TrackArgs,
    /// Language of titles: en or zh.
    #[arg(long, default_value = "en")]
    pub lang: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub track: TrackArgs,
    /// Export the cumulative state through this stage (default: the last stage).
    #[arg(long, conflicts_with = "stage")]
    pub through: Option<String>,
    /// Export only what this one stage applies.
    #[arg(long)]
    pub stage: Option<String>,
    /// EMQX profile: 5 (emqx/emqx:5.8.9, default) or 4 (emqx/emqx:4.4.19).
    #[arg(long)]
    pub emqx: Option<String>,
    /// Target namespace (default from the track: emqx).
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    /// Use this image instead of the profile's.
    #[arg(long)]
    pub image: Option<String>,
    /// What to print: the manifests (default), values for the official EMQX Helm chart,
    /// or an EMQX resource for the EMQX Operator (apps.emqx.io/v2beta1, EMQX 5 only).
    #[arg(long = "as", value_enum, conflicts_with = "stage")]
    pub format: Option<ExportAs>,
}

/// `kubetour export --as ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportAs {
    /// Multi-document YAML for `kubectl apply -f -`.
    Manifests,
    /// A values file for `helm install emqx emqx/emqx -f values.yaml`.
    HelmValues,
    /// An `EMQX` resource for `kubectl apply -f emqx.yaml` with the Operator installed.
    Operator,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Track directories or manifest files (default: every shipped track).
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Run the simulated cluster until Ctrl-C and print the KUBECONFIG line to use it.
    Serve(SimServeArgs),
}

#[derive(Debug, Args)]
pub struct SimServeArgs {
    /// Address to listen on; must be a loopback address (127.0.0.1:0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Where to write the kubeconfig (mode 0600).
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Scale every simulated delay: 2 runs twice as fast, 50 fifty times.
    // allow_negative_numbers: `--speed -1` should reach parse_speed and be told why,
    // not be taken for an unknown flag `-1`.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
    pub speed: f64,
    /// Start without a default StorageClass, to show claims staying Pending.
    #[arg(long)]
    pub no_default_storage_class: bool,
    /// Answer every request this much later (2s, 250ms): a slow API server, to see that
    /// a client does not wait for it.
    #[arg(long, value_parser = parse_latency)]
    pub latency: Option<std::time::Duration>,
    /// How many worker nodes to simulate (each takes 110 pods, as a kubelet's default
    /// `maxPods`): 10 nodes hold the 1,000 pods of the side-by-side benchmark.
    #[arg(long, default_value_t = 3, value_parser = parse_nodes, allow_negative_numbers = true)]
    pub nodes: usize,
    /// Keep the cluster in this file: loaded at start when it exists, written soon after
    /// changes and at shutdown, so a restart keeps objects, certificates, tokens and what
    /// the pods are doing (as etcd does for a real API server).
    #[arg(long)]
    pub state: Option<PathBuf>,
}

/// `--nodes`: 1 to 250 (each node has its own /24 of pod addresses under 10.244.0.0/16).
fn parse_nodes(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=250).contains(&n) => Ok(n),
        Ok(_) => Err(format!("{text} nodes: give 1 to 250")),
        Err(_) => Err(format!(
            "`{text}` is not a whole number of nodes: give 1 to 250"
        )),
    }
}

/// `--speed`: a finite factor above zero (1 = real time).
fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 && f <= 1000.0 => Ok(f),
        Ok(_) => Err(format!(
            "{text} is not a usable speed: give a factor above 0 and at most 1000 (1 = real time, 50 = fifty times faster)"
        )),
        Err(_) => Err(format!(
            "`{text}` is not a number: give a factor such as 1, 10 or 50"
        )),
    }
}

/// A duration as the flags take it (`2s`, `250ms`, `1m`), in seconds.
fn parse_seconds(text: &str) -> Result<f64, String> {
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((text, ""), |i| text.split_at(i));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: give one such as 2s or 250ms"))?;
    match unit {
        "ms" => Ok(value / 1000.0),
        "s" => Ok(value),
        "m" => Ok(value * 60.0),
        _ => Err(format!(
            "`{text}` has no unit this understands: use ms, s or m (2s, 250ms)"
        )),
    }
}

/// `--latency`: 0 to 10 minutes.
fn parse_latency(text: &str) -> Result<std::time::Duration, String> {
    let seconds = parse_seconds(text)?;
    if !(0.0..=600.0).contains(&seconds) {
        return Err(format!("{text} is not a usable latency: give 0 to 10m"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// `probe --timeout`: more than 0, at most 10 minutes.
fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let seconds = parse_seconds(text.trim())?;
    if !(seconds > 0.0 && seconds <= 600.0) {
        return Err(format!(
            "timeout `{text}`: give more than 0 and at most 10m"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn latencies_read_with_their_unit() {
        assert_eq!(parse_latency("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_latency("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_latency("2").unwrap_err().contains("no unit"));
        assert!(
            parse_latency("fast")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(
            parse_latency("11m")
                .unwrap_err()
                .contains("not a usable latency")
        );
    }
}
