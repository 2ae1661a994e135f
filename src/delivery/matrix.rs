//! The result of one delivery round, and how it is judged. Pure data, no I/O.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::cluster::refusal::{Refusal, Trouble};

/// What became of the message published on one pod, as seen on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "ms")]
pub enum Cell {
    /// It arrived, this long after it was published.
    #[serde(serialize_with = "as_ms")]
    Delivered(Duration),
    /// Both pods took part and nothing arrived before the round's deadline.
    Lost,
    /// One of the two pods could not take part (no connection, no subscription).
    NotTried,
}

fn as_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(ms(*d))
}

/// Whole milliseconds, at least 1 for anything that took time at all.
pub fn ms(d: Duration) -> u64 {
    let m = d.as_millis();
    u64::try_from(m)
        .unwrap_or(u64::MAX)
        .max(u64::from(!d.is_zero()))
}

/// What a delivery check expects of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    /// One cluster: a message from any pod reaches every pod (itself included).
    EveryPair,
    /// Islands: a message reaches its own pod and no other.
    NoPairAcross,
}

impl std::fmt::Display for Expectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Expectation::EveryPair => "every pair delivers",
            Expectation::NoPairAcross => "no pair across pods delivers",
        })
    }
}

/// One round: `cells[from][to]` is what became of the message published on
/// `pods[from]`, as seen by the subscriber on `pods[to]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    pub pods: Vec<String>,
    pub cells: Vec<Vec<Cell>>,
    /// Pods that could not take part, and why.
    pub unreachable: BTreeMap<String, String>,
    /// Set when a port-forward was refused for a reason that holds for every pod (RBAC
    /// on `pods/portforward`, the kubelet): nothing about delivery can be said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<Refusal>,
    /// How long the round took, connections included.
    #[serde(serialize_with = "as_ms")]
    pub elapsed: Duration,
    /// How long the round waited for messages.
    #[serde(serialize_with = "as_ms")]
    pub timeout: Duration,
}

/// A judgement of a matrix against an expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub met: bool,
    /// What was seen, in words.
    pub observed: String,
    /// Set when nothing could be said (the port-forward was refused): why.
    pub unverified: Option<String>,
}

impl Matrix {
    /// A matrix with every cell `NotTried` (filled in by the round).
    pub fn empty(pods: Vec<String>, timeout: Duration) -> Matrix {
        let n = pods.len();
        Matrix {
            pods,
            cells: vec![vec![Cell::NotTried; n]; n],
            unreachable: BTreeMap::new(),
            refused: None,
            elapsed: Duration::ZERO,
            timeout,
        }
    }

    pub fn cell(&self, from: usize, to: usize) -> Cell {
        self.cells
            .get(from)
            .and_then(|r| r.get(to))
            .copied()
            .unwrap_or(Cell::NotTried)
    }

    fn pairs(&self) -> impl Iterator<Item = (usize, usize, Cell)> + '_ {
        let n = self.pods.len();
        (0..n).flat_map(move |f| (0..n).map(move |t| (f, t, self.cell(f, t))))
    }

    /// Every pair, each pod to itself included, delivered.
    pub fn every_pair_delivers(&self) -> bool {
        self.pods.len() >= 2
            && self.unreachable.is_empty()
            && self
                .pairs()
                .all(|(_, _, c)| matches!(c, Cell::Delivered(_)))
    }

    /// No message crossed pods, while each pod delivered its own (so the probe works:
    /// a broker delivering nothing at all would prove nothing about routing).
    pub fn no_pair_across_delivers(&self) -> bool {
        self.pods.len() >= 2
            && self.unreachable.is_empty()
            && self.pairs().all(|(f, t, c)| match c {
                Cell::Delivered(_) => f == t,
                Cell::Lost => f != t,
                Cell::NotTried => false,
            })
    }

    /// How many cross-pod pairs delivered, of how many.
    pub fn across(&self) -> (usize, usize) {
        let across: Vec<Cell> = self
            .pairs()
            .filter(|(f, t, _)| f != t)
            .map(|(_, _, c)| c)
            .collect();
        let delivered = across
            .iter()
            .filter(|c| matches!(c, Cell::Delivered(_)))
            .count();
        (delivered, across.len())
    }

    /// The slowest delivery across pods.
    pub fn slowest_across(&self) -> Option<Duration> {
        self.pairs()
            .filter(|(f, t, _)| f != t)
            .filter_map(|(_, _, c)| match c {
                Cell::Delivered(d) => Some(d),
                _ => None,
            })
            .max()
    }

    pub fn judge(&self, expect: Expectation) -> Judgement {
        let unverified = self
            .refused
            .as_ref()
            .filter(|r| r.trouble.is_cluster_wide())
            .map(|r| format!("no delivery could be tried: {r}"));
        let met = unverified.is_none()
            && match expect {
                Expectation::EveryPair => self.every_pair_delivers(),
                Expectation::NoPairAcross => self.no_pair_across_delivers(),
            };
        Judgement {
            met,
            observed: self.describe(),
            unverified,
        }
    }

    /// The round in words: one clause per publisher, then who could not take part.
    pub fn describe(&self) -> String {
        if self.pods.len() < 2 {
            return format!(
                "delivery needs two or more pods; {} matched ({})",
                self.pods.len(),
                self.pods.join(", ")
            );
        }
        let (delivered, of) = self.across();
        let mut parts = Vec::new();
        if delivered == of && self.unreachable.is_empty() {
            let slowest = self.slowest_across().map(ms).unwrap_or(0);
            parts.push(format!(
                "a message from each of {} reached every other ({delivered}/{of} pairs, slowest {slowest} ms)",
                self.pods.join(", ")
            ));
        } else {
            for (f, from) in self.pods.iter().enumerate() {
                if self.unreachable.contains_key(from) {
                    continue;
                }
                let mut arrived = Vec::new();
                let mut missing = Vec::new();
                for (t, to) in self.pods.iter().enumerate() {
                    match self.cell(f, t) {
                        Cell::Delivered(d) => arrived.push(format!("{to} ({} ms)", ms(d))),
                        Cell::Lost => missing.push(to.clone()),
                        Cell::NotTried => {}
                    }
                }
                let arrived = if arrived.is_empty() {
                    "arrived nowhere".to_string()
                } else {
                    format!("arrived on {}", arrived.join(", "))
                };
                let missing = if missing.is_empty() {
                    String::new()
                } else {
                    format!(", nothing on {}", missing.join(" or "))
                };
                parts.push(format!("published on {from}: {arrived}{missing}"));
            }
            parts.push(format!("{delivered}/{of} pairs across pods delivered"));
        }
        for (pod, why) in &self.unreachable {
            parts.push(format!("{pod} not tried: {why}"));
        }
        parts.join("; ")
    }

    /// Whether a refusal was RBAC's (for the headless probe's exit code and hint).
    pub fn forbidden(&self) -> bool {
        self.refused
            .as_ref()
            .is_some_and(|r| r.trouble == Trouble::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(pods: &[&str], f: impl Fn(usize, usize) -> Cell) -> Matrix {
        let mut m = Matrix::empty(
            pods.iter().map(|p| p.to_string()).collect(),
            Duration::from_secs(3),
        );
        for (i, row) in m.cells.iter_mut().enumerate() {
            for (j, c) in row.iter_mut().enumerate() {
                *c = f(i, j);
            }
        }
        m
    }

    #[test]
    fn one_cluster_delivers_every_pair_and_is_not_islands() {
        let m = grid(&["a", "b", "c"], |_, _| {
            Cell::Delivered(Duration::from_millis(4))
        });
        assert!(m.judge(Expectation::EveryPair).met);
        assert!(!m.judge(Expectation::NoPairAcross).met);
        assert!(
            m.describe().contains("reached every other (6/6 pairs"),
            "{}",
            m.describe()
        );
    }

    #[test]
    fn islands_deliver_only_to_themselves() {
        let m = grid(&["a", "b", "c"], |f, t| {
            if f == t {
                Cell::Delivered(Duration::from_millis(2))
            } else {
                Cell::Lost
            }
        });
        assert!(m.judge(Expectation::NoPairAcross).met);
        assert!(!m.judge(Expectation::EveryPair).met);
        assert!(
            m.describe()
                .starts_with("published on a: arrived on a (2 ms), nothing on b or c"),
            "{}",
            m.describe()
        );
    }

    #[test]
    fn a_broker_that_delivers_nothing_proves_no_islands() {
        let m = grid(&["a", "b"], |_, _| Cell::Lost);
        assert!(!m.judge(Expectation::NoPairAcross).met);
    }

    #[test]
    fn a_refused_forward_is_not_verified_never_passed() {
        let mut m = grid(&["a", "b"], |_, _| Cell::NotTried);
        m.refused = Some(crate::cluster::refusal::from_status(
            403,
            "Forbidden",
            "pods \"a\" is forbidden: cannot create resource \"pods/portforward\"",
        ));
        let j = m.judge(Expectation::NoPairAcross);
        assert!(!j.met);
        assert!(j.unverified.is_some_and(|w| w.contains("pods/portforward")));
        assert!(m.forbidden());
    }

    #[test]
    fn one_pod_is_not_enough_to_say_anything_about_delivery() {
        let m = grid(&["a"], |_, _| Cell::Delivered(Duration::from_millis(1)));
        assert!(!m.judge(Expectation::EveryPair).met);
        assert!(m.describe().contains("two or more pods"));
    }
}
