//! A container's small in-memory file system (what `cat`, `ls`, `>` and `tar` see),
//! and the ustar format `kubectl cp` moves files with (`tar cf - PATH` out of the pod,
//! `tar xmf - -C DIR` into it).

use std::collections::{BTreeMap, BTreeSet};

/// Largest file kept (kubectl cp of "small files").
pub const MAX_FILE: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct Fs {
    files: BTreeMap<String, Vec<u8>>,
    dirs: BTreeSet<String>,
}

/// `base` + `path`, with `.` and `..` resolved; always absolute.
pub fn resolve(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

impl Fs {
    pub fn new() -> Fs {
        let mut fs = Fs::default();
        fs.dirs.insert("/".into());
        fs
    }

    pub fn mkdir_p(&mut self, path: &str) {
        let mut p = path.to_string();
        while p != "/" && !p.is_empty() {
            self.dirs.insert(p.clone());
            p = parent(&p).to_string();
        }
    }

    pub fn write(&mut self, path: &str, data: Vec<u8>) -> Result<(), String> {
        if self.dirs.contains(path) {
            return Err("Is a directory".into());
        }
        if !self.dirs.contains(parent(path)) {
            return Err("No such file or directory".into());
        }
        self.files.insert(path.to_string(), data);
        Ok(())
    }

    pub fn append(&mut self, path: &str, data: &[u8]) -> Result<(), String> {
        let mut old = self.files.get(path).cloned().unwrap_or_default();
        old.extend_from_slice(data);
        self.write(path, old)
    }

    pub fn read(&self, path: &str) -> Result<&[u8], String> {
        if self.dirs.contains(path) {
            return Err("Is a directory".into());
        }
        self.files
            .get(path)
            .map(Vec::as_slice)
            .ok_or_else(|| "No such file or directory".into())
    }

    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.contains(path)
    }

    pub fn exists(&self, path: &str) -> bool {
        self.dirs.contains(path) || self.files.contains_key(path)
    }

    /// Names directly in a directory, sorted.
    pub fn list(&self, dir: &str) -> Vec<String> {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        let direct = |p: &String| -> Option<String> {
            let rest = p.strip_prefix(&prefix)?;
            (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_string())
        };
        let mut names: BTreeSet<String> = self.files.keys().filter_map(direct).collect();
        names.extend(self.dirs.iter().filter_map(direct));
        names.into_iter().collect()
    }

    /// Every file and directory at or under `path`, directories first.
    fn walk(&self, path: &str) -> Vec<(String, Option<&[u8]>)> {
        let under = |p: &str| p == path || p.starts_with(&format!("{path}/")) || path == "/";
        let mut out: Vec<(String, Option<&[u8]>)> = self
            .dirs
            .iter()
            .filter(|d| under(d) && d.as_str() != "/")
            .map(|d| (d.clone(), None))
            .collect();
        out.extend(
            self.files
                .iter()
                .filter(|(f, _)| under(f))
                .map(|(f, d)| (f.clone(), Some(d.as_slice()))),
        );
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// `tar cf - PATH`: a ustar archive; names lose their leading `/` as GNU tar's do.
    pub fn tar_create(&self, path: &str) -> Result<Vec<u8>, String> {
        if !self.exists(path) {
            return Err(format!("{}: Cannot stat: No such file or directory", path));
        }
        let mut out = Vec::new();
        for (name, data) in self.walk(path) {
            let rel = name.trim_start_matches('/');
            match data {
                None => header(&mut out, &format!("{rel}/"), 0, b'5', 0o755),
                Some(bytes) => {
                    header(&mut out, rel, bytes.len(), b'0', 0o644);
                    out.extend_from_slice(bytes);
                    let pad = (512 - bytes.len() % 512) % 512;
                    out.extend(std::iter::repeat_n(0u8, pad));
                }
            }
        }
        out.extend(std::iter::repeat_n(0u8, 1024));
        Ok(out)
    }

    /// `tar xf - -C DIR`: unpacks regular files and directories under `dir`.
    pub fn tar_extract(&mut self, archive: &[u8], dir: &str) -> Result<(), String> {
        if !self.is_dir(dir) {
            return Err(format!("{dir}: Cannot open: No such file or directory"));
        }
        let mut at = 0;
        while at + 512 <= archive.len() {
            let h = &archive[at..at + 512];
            if h.iter().all(|b| *b == 0) {
                break;
            }
            let field = |from: usize, len: usize| -> String {
                let raw = &h[from..from + len];
                let end = raw.iter().position(|b| *b == 0).unwrap_or(len);
                String::from_utf8_lossy(&raw[..end]).into_owned()
            };
            let mut name = field(0, 100);
            let prefix = field(345, 155);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
            let size_text = field(124, 12);
            let size = usize::from_str_radix(size_text.trim(), 8)
                .map_err(|_| "This does not look like a tar archive".to_string())?;
            if size > MAX_FILE {
                return Err(format!(
                    "{name}: file too large for this simulated container"
                ));
            }
            let kind = h[156];
            at += 512;
            let data = archive
                .get(at..at + size)
                .ok_or("Unexpected EOF in archive")?
                .to_vec();
            at += size.div_ceil(512) * 512;
            let target = resolve(dir, &name);
            match kind {
                b'5' => self.mkdir_p(&target),
                b'0' | 0 => {
                    self.mkdir_p(parent(&target));
                    self.write(&target, data)?;
                }
                // Links, devices, pax headers: skipped, as `kubectl cp` never sends them
                // for the small files it copies.
                _ => {}
            }
        }
        Ok(())
    }
}

fn octal(out: &mut [u8], value: usize) {
    let text = format!("{:0width$o}", value, width = out.len() - 1);
    out[..text.len()].copy_from_slice(text.as_bytes());
}

fn header(out: &mut Vec<u8>, name: &str, size: usize, kind: u8, mode: usize) {
    let mut h = [0u8; 512];
    let bytes = name.as_bytes();
    let n = bytes.len().min(100);
    h[..n].copy_from_slice(&bytes[..n]);
    octal(&mut h[100..108], mode);
    octal(&mut h[108..116], 1000);
    octal(&mut h[116..124], 1000);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], 0);
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..269].copy_from_slice(b"emqx");
    h[297..301].copy_from_slice(b"emqx");
    // The checksum is computed with its own field as spaces.
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    out.extend_from_slice(&h);
}
