//! A stage file's header (its first document) -> the typed parts of a [`Stage`]:
//! checks, steps, try-it actions, hints and observations, with text templated.

use std::time::Duration;

use super::error::TrackError;
use super::locate::Locator;
use super::model::{
    Check, ClaimSet, Condition, Hint, HintSource, Kind, LabelSelector, PodFate, PodTarget, Regex,
    Step, Text, TryAction, TryIt,
};
use super::raw::{
    RawAction, RawCheck, RawDeliveryExpect, RawExpect, RawHint, RawHintSource, RawStep, RawText,
    RawTryIt, RawWait,
};
use super::template::{self, Vars};

/// Converts header parts, reporting errors at the line where the offending text is.
pub struct HeaderContext<'a> {
    pub loc: &'a Locator,
    pub stage: &'a str,
    pub vars: &'a Vars,
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
const DEFAULT_DELETE_WAIT: Duration = Duration::from_secs(120);

impl HeaderContext<'_> {
    pub fn error(&self, needle: &str, message: impl Into<String>) -> TrackError {
        TrackError::at(&self.loc.file, self.loc.line_of(needle), message).stage(self.stage)
    }

    /// Substitutes `${...}` in a piece of header text.
    pub fn text(&self, s: &str) -> Result<String, TrackError> {
        template::text(s, self.vars).map_err(|e| self.error(&e.needle(), e.message()).fix(e.fix()))
    }

    pub fn bilingual(&self, t: &RawText, field: &str) -> Result<Text, TrackError> {
        if t.en.trim().is_empty() || t.zh.trim().is_empty() {
            return Err(self
                .error(field, format!("`{field}` needs both `en` and `zh` text"))
                .fix("Write the text in English and in Chinese"));
        }
        Ok(Text {
            en: reflow(&self.text(t.en.trim_end())?),
            zh: reflow(&self.text(t.zh.trim_end())?),
        })
    }

    pub fn step(&self, raw: &RawStep) -> Result<Step, TrackError> {
        match raw {
            RawStep::Delete(d) => {
                let Some(kind) = Kind::parse(&d.kind) else {
                    let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                    return Err(self
                        .error(&d.kind, format!("a step cannot delete kind `{}`", d.kind))
                        .fix(format!("Use one of: {}", known.join(", "))));
                };
                let wait_gone = match &d.wait {
                    None | Some(RawWait::Flag(true)) => Some(DEFAULT_DELETE_WAIT),
                    Some(RawWait::Flag(false)) => None,
                    Some(RawWait::Timeout(t)) => Some(self.duration(t)?),
                };
                Ok(Step::Delete {
                    kind,
                    name: self.text(&d.name)?,
                    wait_gone,
                })
            }
        }
    }

    pub fn duration(&self, s: &str) -> Result<Duration, TrackError> {
        parse_duration(s).ok_or_else(|| {
            self.error(s, format!("`{s}` is not a duration"))
                .fix("Write seconds or minutes, e.g. `90s`, `3m` or `1m30s`")
        })
    }

    fn timeout(&self, t: &Option<String>) -> Result<Duration, TrackError> {
        t.as_deref()
            .map_or(Ok(DEFAULT_TIMEOUT), |t| self.duration(t))
    }

    pub fn selector(&self, s: &str) -> Result<LabelSelector, TrackError> {
        let s = self.text(s)?;
        let mut pairs = Vec::new();
        for part in s.split(',') {
            let Some((k, v)) = part.split_once('=') else {
                return Err(self
                    .error(&s, format!("selector `{s}` is not a list of key=value"))
                    .fix("Write it as kubectl -l takes it, e.g. `app=emqx`"));
            };
            let (k, v) = (k.trim(), v.trim());
            if k.is_empty() || v.is_empty() {
                return Err(self
                    .error(&s, format!("selector `{s}` has an empty key or value"))
                    .fix("Write it as kubectl -l takes it, e.g. `app=emqx`"));
            }
            pairs.push((k.to_string(), v.to_string()));
        }
        Ok(LabelSelector(pairs))
    }

    pub(super) fn pods(
        &self,
        what: &str,
        pod: &Option<String>,
        selector: &Option<String>,
    ) -> Result<PodTarget, TrackError> {
        match (pod, selector) {
            (Some(p), None) => Ok(PodTarget::Named(self.text(p)?)),
            (None, Some(s)) => Ok(PodTarget::Selected(self.selector(s)?)),
            _ => Err(self
                .error(
                    what,
                    format!("`{what}` needs exactly one of `pod` or `selector`"),
                )
                .fix("Name one pod (`pod: emqx`) or select pods (`selector: app=emqx`)")),
        }
    }

    fn regex(&self, pattern: &str) -> Result<Regex, TrackError> {
        regex::Regex::new(pattern).map(Regex).map_err(|e| {
            self.error(
                pattern,
                format!("pattern `{pattern}` is not a valid regular expression: {e}"),
            )
            .fix("Escape regex characters such as `{` and `(` with a backslash")
        })
    }

    pub fn check(&self, raw: &RawCheck) -> Result<Check, TrackError> {
        use RawCheck as R;
        let (condition, timeout) = match raw {
            R::PodsReady {
                pod,
                selector,
                count,
                timeout,
            } => (
                Condition::PodsReady {
                    pods: self.pods("pods_ready", pod, selector)?,
                    count: *count,
                },
                timeout,
            ),
            R::DeploymentComplete { name, timeout } => (
                Condition::DeploymentComplete {
                    name: self.text(name)?,
                },
                timeout,
            ),
            R::StatefulsetReady { name, timeout } => (
                Condition::StatefulSetReady {
                    name: self.text(name)?,
                },
                timeout,
            ),
            R::PvcsBound {
                names,
                selector,
                count,
                timeout,
            } => {
                let claims = self.claims("pvcs_bound", names, selector, count)?;
                (Condition::PvcsBound { claims }, timeout)
            }
            R::ServiceEndpoints {
                name,
                count,
                timeout,
            } => (
                Condition::ServiceEndpoints {
                    name: self.text(name)?,
                    count: *count,
                },
                timeout,
            ),
            R::EmqxHttpStatus { service, timeout } => (
                Condition::EmqxHttpStatus {
                    service: self.text(service)?,
                },
                timeout,
            ),
            R::EmqxStarted {
                pod,
                selector,
                timeout,
            } => (
                Condition::EmqxStarted {
                    pods: self.pods("emqx_started", pod, selector)?,
                },
                timeout,
            ),
            R::EmqxCluster {
                pod,
                selector,
                running,
                timeout,
            } => (
                Condition::EmqxCluster {
                    pods: self.pods("emqx_cluster", pod, selector)?,
                    running: *running,
                },
                timeout,
            ),
            R::EmqxIslands {
                pod,
                selector,
                count,
                timeout,
            } => (
                Condition::EmqxIslands {
                    pods: self.pods("emqx_islands", pod, selector)?,
                    count: *count,
                },
                timeout,
            ),
            R::EmqxStopped {
                pod,
                selector,
                at_least,
                timeout,
            } => (
                Condition::EmqxStopped {
                    pods: self.pods("emqx_stopped", pod, selector)?,
                    at_least: *at_least,
                },
                timeout,
            ),
            R::EmqxNodeNames {
                pod,
                selector,
                pattern,
                timeout,
            } => (
                Condition::EmqxNodeNames {
                    pods: self.pods("emqx_node_names", pod, selector)?,
                    pattern: self.regex(pattern)?,
                },
                timeout,
            ),
            R::LogLine {
                pod,
                selector,
                pattern,
                timeout,
            } => (
                Condition::LogLine {
                    pods: self.pods("log_line", pod, selector)?,
                    pattern: self.regex(pattern)?,
                },
                timeout,
            ),
            R::MqttDelivery {
                selector,
                expect,
                round,
                port,
                timeout,
            } => (
                Condition::MqttDelivery {
                    pods: PodTarget::Selected(self.selector(selector)?),
                    expect: match expect {
                        RawDeliveryExpect::EveryPair => crate::delivery::Expectation::EveryPair,
                        RawDeliveryExpect::NoPairAcross => {
                            crate::delivery::Expectation::NoPairAcross
                        }
                    },
                    round: match round {
                        Some(r) => self.duration(r)?,
                        None => crate::delivery::RoundOptions::default().timeout,
                    },
                    port: port.unwrap_or(1883),
                },
                timeout,
            ),
            R::NoForeignPods { selector } => (
                Condition::NoForeignPods {
                    selector: self.selector(selector)?,
                },
                &None,
            ),
            R::DefaultStorageClass {} => (Condition::DefaultStorageClass, &None),
            R::MayCreateKinds {} => (Condition::MayCreateKinds, &None),
            R::OrderedStart { .. }
            | R::ParallelStart { .. }
            | R::OneDownAtATime { .. }
            | R::WentThrough { .. }
            | R::SameClaims { .. }
            | R::ClaimsPendingExplained { .. }
            | R::TeardownKeepsClaims {} => {
                let name = raw.name();
                return Err(self
                    .error(
                        name,
                        format!("`{name}` says what the watches saw, so it cannot be waited for"),
                    )
                    .fix("Put it under an observation's `seen_by`"));
            }
        };
        Ok(Check {
            condition,
            timeout: self.timeout(timeout)?,
        })
    }

    pub(super) fn claims(
        &self,
        what: &str,
        names: &Option<Vec<String>>,
        selector: &Option<String>,
        count: &Option<u32>,
    ) -> Result<ClaimSet, TrackError> {
        match (names, selector, count) {
            (Some(n), None, None) if !n.is_empty() => Ok(ClaimSet::Named(
                n.iter().map(|x| self.text(x)).collect::<Result<_, _>>()?,
            )),
            (None, Some(s), Some(c)) => Ok(ClaimSet::Selected {
                selector: self.selector(s)?,
                count: *c,
            }),
            _ => Err(self
                .error(
                    what,
                    format!("`{what}` needs either `names` or `selector` with `count`"),
                )
                .fix("List the claims (`names: [emqx-data-emqx-statefulset-0]`) or select them")),
        }
    }

    pub fn try_it(&self, raw: &RawTryIt) -> Result<TryIt, TrackError> {
        let fate = |expect: RawExpect, action: &str| match expect {
            RawExpect::Gone => Ok(PodFate::Gone),
            RawExpect::ReplacedWithNewName => Ok(PodFate::ReplacedWithNewName),
            RawExpect::BackWithSameName => Ok(PodFate::BackWithSameName),
            RawExpect::PodsUnchanged => Err(self
                .error(
                    "pods_unchanged",
                    format!("`{action}` cannot expect `pods_unchanged`"),
                )
                .fix("Expect `gone`, `replaced_with_new_name` or `back_with_same_name`")),
            RawExpect::CrashLoop => Err(self
                .error(
                    "crash_loop",
                    format!("`{action}` cannot expect `crash_loop`"),
                )
                .fix("Expect `gone`, `replaced_with_new_name` or `back_with_same_name`")),
        };
        let action =
            match &raw.action {
                RawAction::DeletePod { pod, selector } => TryAction::DeletePod {
                    pod: self.pods("delete_pod", pod, selector)?,
                    expect: fate(raw.expect, "delete_pod")?,
                },
                RawAction::DeleteAllPods { selector } => TryAction::DeleteAllPods {
                    selector: self.selector(selector)?,
                    expect: fate(raw.expect, "delete_all_pods")?,
                },
                RawAction::PatchConfigmap { name, key, value } => {
                    if !matches!(raw.expect, RawExpect::PodsUnchanged) {
                        return Err(self
                            .error(
                                "patch_configmap",
                                "`patch_configmap` can only expect `pods_unchanged`",
                            )
                            .fix("A ConfigMap edit never restarts pods: expect `pods_unchanged`"));
                    }
                    TryAction::PatchConfigMap {
                        name: self.text(name)?,
                        key: self.text(key)?,
                        value: self.text(value)?,
                    }
                }
                RawAction::SetImage { deployment, image } => {
                    if !matches!(raw.expect, RawExpect::CrashLoop) {
                        return Err(self
                        .error("set_image", "`set_image` can only expect `crash_loop`")
                        .fix("The try-it shows an image that does not start: expect `crash_loop`"));
                    }
                    TryAction::SetImage {
                        deployment: self.text(deployment)?,
                        image: self.text(image)?,
                    }
                }
            };
        Ok(TryIt {
            title: self.bilingual(&raw.title, "title")?,
            command: self.text(&raw.command)?,
            action,
            then: raw
                .then
                .iter()
                .map(|c| self.check(c))
                .collect::<Result<_, _>>()?,
            observations: raw
                .observations
                .iter()
                .map(|o| self.observation_id(o))
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn hint(&self, raw: &RawHint) -> Result<Hint, TrackError> {
        Ok(Hint {
            source: match raw.source {
                RawHintSource::Logs => HintSource::Logs,
                RawHintSource::Events => HintSource::Events,
            },
            pattern: self.regex(&raw.pattern)?,
            explanation: self.bilingual(&raw.explain, "explain")?,
            fixed_by: raw.fixed_by.clone(),
        })
    }
}

/// Joins the lines of each paragraph, so that stage files can be wrapped for reading
/// while the screen wraps text to its own width. Blank lines separate paragraphs. Lines
/// join with a space, except around Chinese text, which has no spaces between words.
pub fn reflow(text: &str) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        let cjk_join =
            current.chars().last().is_some_and(is_cjk) || line.chars().next().is_some_and(is_cjk);
        if !current.is_empty() && !cjk_join {
            current.push(' ');
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs.join("\n\n")
}

/// CJK ideographs and punctuation (U+2E80..U+9FFF covers the CJK symbols block too).
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
}

/// `90s`, `3m`, `1m30s`, `1h`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut digits = String::new();
    let mut any = false;
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
        any = true;
    }
    (any && digits.is_empty()).then(|| Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_are_joined_with_spaces_except_around_chinese() {
        assert_eq!(reflow("one\ntwo\n\nthree\n"), "one two\n\nthree");
        assert_eq!(
            reflow("第一行，\n第二行 `k8s`\nand more"),
            "第一行，第二行 `k8s` and more"
        );
    }

    #[test]
    fn durations_read_like_kubectl_timeouts() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("3m"), Some(Duration::from_secs(180)));
        assert_eq!(parse_duration("90"), None);
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("9999999999999999999h"), None);
    }
}
