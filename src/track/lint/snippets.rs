//! Commands written outside a track: shell scripts and the code blocks of Markdown
//! pages (tutorials are mostly those). Each command keeps the line it starts on, so a
//! finding points at it.

use std::path::Path;

use super::input::CommandLine;

/// Whether lint reads this file as commands rather than as manifests.
pub fn is_snippet_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x == "sh" || x == "bash" || x == "md" || x == "markdown")
}

/// The commands in a shell script or a Markdown page's fenced code blocks.
pub fn commands_in(path: &Path, text: &str) -> Vec<CommandLine> {
    let markdown = path
        .extension()
        .is_some_and(|x| x == "md" || x == "markdown");
    let mut out = Vec::new();
    let mut in_block = !markdown;
    let mut pending: Option<CommandLine> = None;
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if markdown && (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
            in_block = !in_block;
            out.extend(pending.take());
            continue;
        }
        if !in_block {
            continue;
        }
        // A shell prompt in a page (`$ kubectl …`) is not part of the command.
        let line = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
        let (body, continues) = match line.strip_suffix('\\') {
            Some(b) => (b.trim_end(), true),
            None => (line, false),
        };
        match &mut pending {
            Some(p) => {
                p.text.push(' ');
                p.text.push_str(body);
            }
            None if body.is_empty() || body.starts_with('#') => continue,
            None => {
                pending = Some(CommandLine {
                    file: path.to_path_buf(),
                    line: i + 1,
                    text: body.to_string(),
                })
            }
        }
        if !continues {
            out.extend(pending.take());
        }
    }
    out.extend(pending);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_continued_shell_command_is_one_command_at_its_first_line() {
        let text = "#!/bin/sh\n# set up\nkubectl run emqx \\\n  --image=emqx/emqx:5.8.9 \\\n  --generator=run-pod/v1\necho done\n";
        let c = commands_in(Path::new("setup.sh"), text);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].line, 3);
        assert_eq!(
            c[0].text,
            "kubectl run emqx --image=emqx/emqx:5.8.9 --generator=run-pod/v1"
        );
        assert_eq!(c[1].text, "echo done");
    }

    #[test]
    fn markdown_commands_come_only_from_code_blocks_without_their_prompt() {
        let text =
            "Run `kubectl run --generator=x` in prose.\n\n```bash\n$ kubectl get pods\n```\n";
        let c = commands_in(Path::new("README.md"), text);
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].line, c[0].text.as_str()), (4, "kubectl get pods"));
    }
}
