//! What runs on the node: the command line handed to the remote shell.
//!
//! ssh passes one string to the user's login shell, so every word is quoted for a POSIX
//! shell; the upload script is wrapped in `sh -c` so a login shell that is not POSIX (fish,
//! csh) still runs it the same way.

/// A word as a POSIX shell reads it back unchanged: bare when it is plainly safe, else in
/// single quotes (`'` written as `'\''`).
pub(super) fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The node part's own arguments: this node only, the archive on stdout, no progress (its
/// stderr carries only the identity line and errors), then the user's node-part flags.
fn collector_args(node_args: &[String]) -> Vec<String> {
    let mut args: Vec<String> = ["--host-only", "-o", "-", "-q"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(node_args.iter().cloned());
    args
}

/// `[sudo -n] <remote-binary> --host-only -o - -q ...`, quoted.
pub(crate) fn remote_command(binary: &str, sudo: bool, node_args: &[String]) -> String {
    let mut words: Vec<String> = Vec::new();
    if sudo {
        words.push("sudo".into());
        words.push("-n".into());
        words.push("--".into());
    }
    words.push(binary.to_string());
    words.extend(collector_args(node_args));
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// The machine name (`uname -m`) this binary was built for.
fn machine() -> &'static str {
    match std::env::consts::ARCH {
        "x86" => "i686",
        "arm" => "armv7l",
        other => other,
    }
}

/// `--ssh-upload`: a script that receives exactly `size` bytes of this binary on stdin
/// into a private `mktemp -d` directory, runs it, and removes the directory when it ends
/// (normally, or on a hang-up or signal). It refuses a node of another machine type before
/// reading anything.
pub(crate) fn upload_script(size: u64, sudo: bool, node_args: &[String]) -> String {
    let args: Vec<String> = collector_args(node_args).iter().map(|a| quote(a)).collect();
    let run = if sudo {
        format!("sudo -n -- \"$d/kbundle-collect\" {}", args.join(" "))
    } else {
        format!("\"$d/kbundle-collect\" {}", args.join(" "))
    };
    let machine = machine();
    let script = format!(
        r#"set -e
m=$(uname -m)
if [ "$m" != {machine} ]; then echo "kbundle-collect: this node is $m; the uploaded kbundle-collect is for {machine}" >&2; exit 97; fi
d=$(mktemp -d "${{TMPDIR:-/tmp}}/kbundle-collect.XXXXXXXX")
trap 'rm -rf "$d"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
head -c {size} > "$d/kbundle-collect"
if [ "$(wc -c < "$d/kbundle-collect")" -ne {size} ]; then echo "kbundle-collect: the upload was cut short" >&2; exit 97; fi
chmod 700 "$d/kbundle-collect"
{run}"#
    );
    format!("sh -c {}", quote(&script))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_survive_a_posix_shell() {
        assert_eq!(quote("kbundle-collect"), "kbundle-collect");
        assert_eq!(quote("--since=72h"), "--since=72h");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
        for word in ["plain", "a b", "it's", "$HOME", "x\ny", "`id`", ""] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", quote(word)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), word);
        }
    }

    #[test]
    fn the_remote_command_asks_for_a_stream_of_this_node() {
        let c = remote_command(
            "/opt/kb dir/kbundle-collect",
            true,
            &["--since".into(), "2h".into()],
        );
        assert_eq!(
            c,
            "sudo -n -- '/opt/kb dir/kbundle-collect' --host-only -o - -q --since 2h"
        );
    }

    #[test]
    fn the_upload_script_is_valid_sh_and_cleans_up() {
        let script = upload_script(4, false, &[]);
        assert!(script.starts_with("sh -c '"));
        // `sh -n` parses without running.
        let inner = script.trim_start_matches("sh -c ");
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("sh -n -c {inner}"))
            .status()
            .unwrap();
        assert!(status.success());
        assert!(script.contains("rm -rf"));
        assert!(script.contains("head -c 4"));
    }
}
