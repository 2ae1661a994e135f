//! One delivery round over port-forwards: connect and subscribe on every pod, publish
//! one QoS 1 message from each, collect what arrives until everything did or the
//! deadline passed, disconnect. Each round has its own random topic prefix and client
//! ids, so two rounds (or two people probing the same cluster) never see each other.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use futures::future::join_all;
use tokio::time::Instant;

use super::matrix::{Cell, Matrix};
use crate::cluster::portforward_mqtt::{Login, MqttError, MqttSession};

/// How a round is run.
#[derive(Debug, Clone)]
pub struct RoundOptions {
    /// The MQTT listener's port in the pods (1883).
    pub port: u16,
    /// How long each part of the round may take: connecting and subscribing on every
    /// pod, then waiting for the messages.
    pub timeout: Duration,
    pub login: Option<Login>,
}

impl Default for RoundOptions {
    fn default() -> Self {
        RoundOptions {
            port: 1883,
            timeout: Duration::from_secs(3),
            login: None,
        }
    }
}

/// A fresh random tag for a round's topics and client ids (hex, 8 characters).
fn nonce() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{:08x}", h.finish() as u32)
}

/// The topic a pod's message is published on in a round.
pub fn probe_topic(nonce: &str, pod: &str) -> String {
    format!("kubetour/probe/{nonce}/{pod}")
}

/// Runs one round among `pods` (names in the namespace, two or more for a judgement).
pub async fn run_round(
    client: &kube::Client,
    namespace: &str,
    pods: &[String],
    options: &RoundOptions,
) -> Matrix {
    let started = Instant::now();
    let mut matrix = Matrix::empty(pods.to_vec(), options.timeout);
    let tag = nonce();
    let filter = format!("kubetour/probe/{tag}/+");

    // 1. Connect and subscribe everywhere first, so every subscriber is in place before
    //    anyone publishes.
    let opened = join_all(pods.iter().enumerate().map(|(i, pod)| {
        let filter = filter.clone();
        let client_id = format!("kubetour-probe-{tag}-{i}");
        async move {
            let attempt = async {
                let mut s = MqttSession::connect(
                    client,
                    namespace,
                    pod,
                    options.port,
                    &client_id,
                    options.login.as_ref(),
                )
                .await?;
                s.subscribe(&filter).await?;
                Ok::<_, MqttError>(s)
            };
            match tokio::time::timeout(options.timeout, attempt).await {
                Ok(r) => r.map_err(Failure::Mqtt),
                Err(_) => Err(Failure::Timeout),
            }
        }
    }))
    .await;
    let mut sessions = Vec::new();
    for (i, result) in opened.into_iter().enumerate() {
        match result {
            Ok(s) => sessions.push((i, s)),
            Err(failure) => {
                if let Failure::Mqtt(e) = &failure
                    && let Some(r) = e.refusal()
                    && matrix.refused.is_none()
                {
                    matrix.refused = Some(r.clone());
                }
                matrix
                    .unreachable
                    .insert(pods[i].clone(), failure.describe(options.timeout));
            }
        }
    }

    // 2. Publish from each and collect until every subscriber has every message or the
    //    deadline passes.
    let expected = sessions.len();
    let index: BTreeMap<String, usize> = pods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.clone(), i))
        .collect();
    let deadline = Instant::now() + options.timeout;
    let prefix = format!("kubetour/probe/{tag}/");
    let outcomes = join_all(sessions.into_iter().map(|(i, mut s)| {
        let topic = probe_topic(&tag, &pods[i]);
        let prefix = prefix.clone();
        let index = &index;
        async move {
            let mut heard: Vec<(usize, Instant)> = Vec::new();
            let published_at = Instant::now();
            let sent = tokio::time::timeout_at(deadline, s.publish(&topic, pods[i].as_bytes()))
                .await
                .map_err(|_| "no PUBACK before the deadline".to_string())
                .and_then(|r| r.map_err(|e| e.to_string()));
            let mut error = sent.err();
            while heard.len() < expected {
                match tokio::time::timeout_at(deadline, s.next_publish()).await {
                    Err(_) => break,
                    Ok(Err(e)) => {
                        error.get_or_insert(e.to_string());
                        break;
                    }
                    Ok(Ok(p)) => {
                        let from = p
                            .topic
                            .strip_prefix(&prefix)
                            .and_then(|pod| index.get(pod).copied());
                        if let Some(from) = from
                            && !heard.iter().any(|(f, _)| *f == from)
                        {
                            heard.push((from, Instant::now()));
                        }
                    }
                }
            }
            s.disconnect(Duration::from_millis(500)).await;
            (i, published_at, error, heard)
        }
    }))
    .await;

    // 3. Fill the matrix: a cell is tried when both ends took part.
    let published: BTreeMap<usize, Instant> =
        outcomes.iter().map(|(i, at, _, _)| (*i, *at)).collect();
    for (to, _, error, heard) in &outcomes {
        if let Some(e) = error {
            matrix
                .unreachable
                .entry(pods[*to].clone())
                .or_insert_with(|| e.clone());
        }
        for (from, at) in &published {
            let cell = match heard.iter().find(|(f, _)| f == from) {
                Some((_, got)) => Cell::Delivered(got.saturating_duration_since(*at)),
                None => Cell::Lost,
            };
            if let Some(row) = matrix.cells.get_mut(*from)
                && let Some(c) = row.get_mut(*to)
            {
                *c = cell;
            }
        }
    }
    matrix.elapsed = started.elapsed();
    matrix
}

enum Failure {
    Mqtt(MqttError),
    Timeout,
}

impl Failure {
    fn describe(&self, timeout: Duration) -> String {
        match self {
            Failure::Mqtt(e) => e.to_string(),
            Failure::Timeout => format!(
                "no MQTT connection and subscription within {} ms",
                timeout.as_millis()
            ),
        }
    }
}
