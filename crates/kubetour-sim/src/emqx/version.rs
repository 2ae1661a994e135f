//! Which EMQX an image is, and which rule family it follows.
//!
//! The sim models two families (EMQX.md): 4.x (cuttlefish config, 4.4 rules) and 5.x
//! (hocon config, 5.7–5.8 rules). Within 5.x, two facts depend on the exact version: the
//! discovery HTTP client (httpc up to 5.8.8 prints the response body in error terms,
//! hackney from 5.8.9 prints a `#Ref<…>`), and the licence (5.9+ clusters only with a
//! licence key).

use std::fmt;

/// A parsed EMQX release, e.g. `5.8.9` or `4.1-rc.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// The release string EMQX prints (`emqx_app:get_release()`): the tag without a
    /// leading `v`, e.g. `4.1-rc.1`, `5.8.9`.
    pub release: String,
    /// An `emqx/emqx-enterprise` image: before 5.9 only this edition has replicants
    /// (`emqx_enterprise_schema` injects `replicant` into `node.role`).
    pub enterprise: bool,
}

/// The rule family a version follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// 4.x: cuttlefish names, `APP_NAME`, node-name prefix from the hostname.
    V4,
    /// 5.x (and later): hocon names, `EMQX_NAME` default `emqx`.
    V5,
}

/// The HTTP client ekka's k8s strategy uses, which decides how an HTTP error is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscoveryClient {
    /// `httpc` (4.4, 5.7–5.8.8): `{403,"<body>"}`.
    Httpc,
    /// `hackney` (ekka 0.23.2, 5.8.9+): `{403,#Ref<0.X.Y.Z>}`.
    Hackney,
}

/// What `latest` (or no tag) means: the current Apache-2.0 release, the default profile.
pub const LATEST: &str = "5.8.9";

impl Version {
    /// Parses a tag such as `5.8.9`, `v4.4.19`, `v4.1-rc.1`, `5.8` or `latest`.
    /// Returns None for tags that are not an EMQX release of 4.0 or later.
    pub fn parse_tag(tag: &str) -> Option<Version> {
        // Choice: `latest` is the newest Apache-2.0 release (5.8.9), the project's default
        // profile, rather than a 5.9+/6.x image whose licence would refuse clustering.
        let tag = if tag == "latest" { LATEST } else { tag };
        let release = tag.strip_prefix('v').unwrap_or(tag);
        // The numeric core ends at the first character that is not a digit or a dot
        // (`4.1-rc.1` → `4.1`, `5.8.9-alpine` → `5.8.9`).
        let core_end = release
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(release.len());
        let mut parts = release[..core_end].split('.');
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        let patch: u32 = match parts.next() {
            Some(p) if !p.is_empty() => p.parse().ok()?,
            _ => 0,
        };
        if major < 4 {
            // 3.x (emqttd-era) images behave too differently to model; not EMQX here.
            return None;
        }
        Some(Version {
            major,
            minor,
            patch,
            release: release.to_string(),
            enterprise: false,
        })
    }

    pub fn family(&self) -> Family {
        if self.major == 4 {
            Family::V4
        } else {
            Family::V5
        }
    }

    fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }

    pub fn discovery_client(&self) -> DiscoveryClient {
        if self.at_least(5, 8, 9) {
            DiscoveryClient::Hackney
        } else {
            DiscoveryClient::Httpc
        }
    }

    /// 5.9 and later: the free licence allows one node only (SINGLE_NODE_LICENSE).
    pub fn needs_licence_to_cluster(&self) -> bool {
        self.at_least(5, 9, 0)
    }

    /// `node.role = replicant` passes `validate_node_role/1`: the Enterprise edition, and
    /// from 5.9 the one unified edition `emqx/emqx` ships (5.8 open source: core only).
    pub fn allows_replicant(&self) -> bool {
        self.family() == Family::V5 && (self.enterprise || self.at_least(5, 9, 0))
    }

    /// The description `is running now!` prints (`emqx_app:get_description()`, from
    /// `emqx_description/2` in mix.exs / rebar.config.erl).
    pub fn description(&self) -> &'static str {
        match (self.family(), self.enterprise) {
            (Family::V4, _) => "EMQX Broker",
            (Family::V5, true) => "EMQX Enterprise",
            (Family::V5, false) => "EMQX",
        }
    }

    /// 5.8 added `singleton` to the discovery strategies.
    pub fn has_singleton_strategy(&self) -> bool {
        self.at_least(5, 8, 0)
    }

    /// 5.7.2–5.8.2 answer `/status?format=json` with content-type `applicatin/json`.
    pub fn has_json_content_type_typo(&self) -> bool {
        self.at_least(5, 7, 2) && !self.at_least(5, 8, 3)
    }

    /// 4.0–4.2 print `emqx ctl status` on two lines (EMQX.md §3.2).
    pub fn has_two_line_status(&self) -> bool {
        self.major == 4 && self.minor <= 2
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.release)
    }
}

/// The EMQX version of a container image, or None when the image is not EMQX.
///
/// Accepted repositories: `emqx/emqx`, with an optional `docker.io/` or
/// `registry-1.docker.io/` registry prefix (what a learner copies from the docs and the
/// charts), and `emqx/emqx-enterprise` 5.x (the EMQX Operator's examples run it; it differs
/// in allowing replicants before 5.9 and in its description). A missing tag means
/// `latest`; a `@sha256:` digest is ignored (the tag, if any, decides). Anything else,
/// including the operator images, is not modelled.
pub fn parse_image(image: &str) -> Option<Version> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let (repo, tag) = match without_digest.rsplit_once(':') {
        // A colon inside the registry part (`host:5000/emqx/emqx`) is not a tag.
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (without_digest, "latest"),
    };
    let repo = repo
        .strip_prefix("docker.io/")
        .or_else(|| repo.strip_prefix("registry-1.docker.io/"))
        .unwrap_or(repo);
    match repo {
        "emqx/emqx" => Version::parse_tag(tag),
        // Enterprise images are 5.x only; `latest` there is not the Apache release.
        "emqx/emqx-enterprise" if tag != "latest" => Version::parse_tag(tag)
            .filter(|v| v.family() == Family::V5)
            .map(|v| Version {
                enterprise: true,
                ..v
            }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(image: &str) -> Version {
        parse_image(image).unwrap_or_else(|| panic!("{image} should parse"))
    }

    #[test]
    fn the_two_profile_images_parse_into_their_families() {
        let five = v("emqx/emqx:5.8.9");
        assert_eq!((five.major, five.minor, five.patch), (5, 8, 9));
        assert_eq!(five.family(), Family::V5);
        let four = v("emqx/emqx:4.4.19");
        assert_eq!((four.major, four.minor, four.patch), (4, 4, 19));
        assert_eq!(four.family(), Family::V4);
        assert_eq!(four.to_string(), "4.4.19");
    }

    #[test]
    fn the_blog_tag_with_a_v_and_a_prerelease_keeps_its_release_string() {
        let old = v("emqx/emqx:v4.1-rc.1");
        assert_eq!((old.major, old.minor, old.patch), (4, 1, 0));
        assert_eq!(old.release, "4.1-rc.1");
        assert!(old.has_two_line_status());
    }

    #[test]
    fn latest_and_a_missing_tag_mean_the_current_apache_release() {
        assert_eq!(v("emqx/emqx:latest").release, "5.8.9");
        assert_eq!(v("emqx/emqx").release, "5.8.9");
        assert_eq!(v("docker.io/emqx/emqx:4.4.19").release, "4.4.19");
    }

    #[test]
    fn other_images_are_not_emqx() {
        assert_eq!(parse_image("nginx:1.27"), None);
        assert_eq!(parse_image("emqx/emqx-enterprise:4.4.19"), None);
        assert_eq!(parse_image("emqx/emqx-enterprise"), None);
        assert_eq!(parse_image("emqx/emqx:3.2.7"), None);
        assert_eq!(parse_image("emqx/emqx:nightly"), None);
        assert_eq!(parse_image("localhost:5000/emqx"), None);
    }

    #[test]
    fn the_discovery_client_switches_to_hackney_at_5_8_9() {
        assert_eq!(
            v("emqx/emqx:4.4.19").discovery_client(),
            DiscoveryClient::Httpc
        );
        assert_eq!(
            v("emqx/emqx:5.7.2").discovery_client(),
            DiscoveryClient::Httpc
        );
        assert_eq!(
            v("emqx/emqx:5.8.8").discovery_client(),
            DiscoveryClient::Httpc
        );
        assert_eq!(
            v("emqx/emqx:5.8.9").discovery_client(),
            DiscoveryClient::Hackney
        );
    }

    #[test]
    fn only_5_9_and_later_need_a_licence_to_cluster() {
        assert!(!v("emqx/emqx:5.8.9").needs_licence_to_cluster());
        assert!(v("emqx/emqx:5.9.0").needs_licence_to_cluster());
        assert!(v("emqx/emqx:6.0.0").needs_licence_to_cluster());
        assert_eq!(v("emqx/emqx:6.0.0").family(), Family::V5);
    }

    #[test]
    fn replicants_need_the_enterprise_image_before_5_9() {
        assert!(!v("emqx/emqx:5.8.9").allows_replicant());
        assert!(v("emqx/emqx-enterprise:5.8.9").allows_replicant());
        assert!(v("emqx/emqx:5.9.0").allows_replicant());
        assert!(!v("emqx/emqx:4.4.19").allows_replicant());
        assert_eq!(
            v("emqx/emqx-enterprise:5.8.9").description(),
            "EMQX Enterprise"
        );
        assert_eq!(v("emqx/emqx:5.8.9").description(), "EMQX");
    }

    #[test]
    fn the_content_type_typo_spans_5_7_2_to_5_8_2() {
        assert!(!v("emqx/emqx:5.7.1").has_json_content_type_typo());
        assert!(v("emqx/emqx:5.7.2").has_json_content_type_typo());
        assert!(v("emqx/emqx:5.8.2").has_json_content_type_typo());
        assert!(!v("emqx/emqx:5.8.3").has_json_content_type_typo());
    }
}
