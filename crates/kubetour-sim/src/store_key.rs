//! The key a stored object is kept under.

use super::Res;

/// An object's kind, then its namespace ("" for cluster-scoped kinds) and name in one
/// string joined by a NUL, which neither may hold (both are DNS names). Keys order as
/// (kind, namespace, name): NUL sorts before every character a namespace may end on.
/// One allocation per key rather than two: the store keeps an hour of Events, and their
/// keys were a fifth of what each one cost.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    pub(super) res: Res,
    path: Box<str>,
}

impl Key {
    pub(super) fn new(res: Res, namespace: &str, name: &str) -> Key {
        let mut path = String::with_capacity(namespace.len() + 1 + name.len());
        path.push_str(namespace);
        path.push('\0');
        path.push_str(name);
        Key {
            res,
            path: path.into_boxed_str(),
        }
    }

    /// Where the objects of `res` in `namespace` (every namespace: None) begin.
    pub(super) fn first(res: Res, namespace: Option<&str>) -> Key {
        match namespace {
            Some(ns) => Key::new(res, ns, ""),
            None => Key {
                res,
                path: Box::default(),
            },
        }
    }

    /// Whether this is the key of an object of `res` (in `namespace`, when one is given).
    pub(super) fn is_in(&self, res: Res, namespace: Option<&str>) -> bool {
        self.res == res && namespace.is_none_or(|ns| self.namespace() == ns)
    }

    pub(super) fn namespace(&self) -> &str {
        self.path.split_once('\0').map_or("", |(ns, _)| ns)
    }

    pub(super) fn name(&self) -> &str {
        self.path
            .split_once('\0')
            .map_or(&*self.path, |(_, name)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_by_kind_then_namespace_then_name() {
        let mut keys = [
            Key::new(Res::Pod, "ab", ""),
            Key::new(Res::Pod, "a", "zz"),
            Key::new(Res::Pod, "a", "b"),
            Key::new(Res::Pod, "a-b", "a"),
            Key::new(Res::ConfigMap, "z", "z"),
        ];
        keys.sort();
        let parts: Vec<(Res, &str, &str)> = keys
            .iter()
            .map(|k| (k.res, k.namespace(), k.name()))
            .collect();
        let mut tuples = parts.clone();
        tuples.sort();
        assert_eq!(parts, tuples);
        assert!(Key::first(Res::Pod, Some("a")) < Key::new(Res::Pod, "a", "0"));
        assert!(Key::first(Res::Pod, None) < Key::new(Res::Pod, "", "a"));
    }
}
