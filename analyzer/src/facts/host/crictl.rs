//! `crictl ps -a`: the node's containers as the runtime sees them, which still works when
//! the API server is down (a static kube-apiserver `Exited` with attempt 12 says why).
//!
//! The table is written by Go's tabwriter: every cell starts at its header's column and
//! cells are separated by at least two spaces (`CREATED` values such as `2 minutes ago`
//! contain single spaces). Headers vary by version: `CONTAINER ID` or `CONTAINER`, with or
//! without `POD` and `NAMESPACE`; columns are found by name.
//!
//! Strictness: table. Lines before the header are skipped only if they look like crictl's
//! own log lines (`WARN[0000] ...`, `time="..." level=...`); after it, every line must be
//! a row with at least the container id, state and name.

use super::{numbered_lines, ParseError};

/// One container row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Container {
    /// Container id (truncated, as printed).
    pub id: String,
    /// Image id or reference.
    pub image: Option<String>,
    /// Relative creation time as printed (`2 minutes ago`, `About an hour ago`).
    pub created: Option<String>,
    /// `Running`, `Exited`, `Created`, `Unknown`.
    pub state: String,
    /// Container name (`kube-apiserver`).
    pub name: String,
    /// Restart attempt.
    pub attempt: Option<u32>,
    /// Pod sandbox id.
    pub pod_id: Option<String>,
    /// Pod name (crictl ≥ 1.20).
    pub pod: Option<String>,
    /// Pod namespace (crictl ≥ 1.29).
    pub namespace: Option<String>,
    /// 1-based line.
    pub line: usize,
}

impl Container {
    /// State is `Running`.
    pub fn is_running(&self) -> bool {
        self.state.eq_ignore_ascii_case("Running")
    }
}

/// A column of the header: its name and the byte offset where its cells start.
struct Column {
    name: String,
    start: usize,
}

/// Parses `crictl ps -a` output.
pub(crate) fn parse(text: &str) -> Result<Vec<Container>, ParseError> {
    let mut columns: Option<Vec<Column>> = None;
    let mut containers = Vec::new();
    for (n, line) in numbered_lines(text) {
        if line.trim().is_empty() {
            continue;
        }
        let Some(columns) = &columns else {
            if line.trim_start().starts_with("CONTAINER") {
                columns = Some(header_columns(line));
            } else if !is_log_line(line) {
                return Err(ParseError::new(
                    n,
                    "the crictl header `CONTAINER IMAGE CREATED STATE NAME ...`",
                    line,
                ));
            }
            continue;
        };
        containers.push(row(n, line, columns)?);
    }
    Ok(containers)
}

/// crictl's logrus lines on stderr, when merged into the output.
fn is_log_line(line: &str) -> bool {
    let line = line.trim_start();
    ["WARN[", "ERRO[", "INFO[", "DEBU[", "FATA[", "time=\""]
        .iter()
        .any(|p| line.starts_with(p))
}

/// Cells of `line` split at runs of two or more blanks, with their byte offsets.
fn cells(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next_blank = chars
            .peek()
            .is_none_or(|&(_, next)| next == ' ' || next == '\t');
        let blank = c == '\t' || (c == ' ' && next_blank);
        match start {
            None if c != ' ' && c != '\t' => start = Some(i),
            Some(s) if blank => {
                out.push((s, &line[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, line[s..].trim_end()));
    }
    out
}

fn header_columns(line: &str) -> Vec<Column> {
    cells(line)
        .into_iter()
        .map(|(start, name)| Column {
            name: name.to_string(),
            start,
        })
        .collect()
}

fn row(n: usize, line: &str, columns: &[Column]) -> Result<Container, ParseError> {
    let values = aligned_values(line, columns).unwrap_or_else(|| {
        // Not aligned with the header (re-indented copy): fall back to the cell order.
        cells(line)
            .into_iter()
            .map(|(_, v)| v.to_string())
            .collect()
    });
    if values.len() != columns.len() {
        return Err(ParseError::new(
            n,
            format!("{} columns as in the crictl header", columns.len()),
            line,
        ));
    }
    let mut container = Container {
        line: n,
        ..Container::default()
    };
    for (column, value) in columns.iter().zip(values) {
        let value = (!value.is_empty()).then_some(value);
        match column.name.as_str() {
            "CONTAINER" | "CONTAINER ID" => container.id = value.unwrap_or_default(),
            "IMAGE" => container.image = value,
            "CREATED" => container.created = value,
            "STATE" => container.state = value.unwrap_or_default(),
            "NAME" => container.name = value.unwrap_or_default(),
            "ATTEMPT" => {
                container.attempt = match value {
                    Some(v) => Some(
                        v.parse()
                            .map_err(|_| ParseError::new(n, "a numeric ATTEMPT", line))?,
                    ),
                    None => None,
                }
            }
            "POD ID" => container.pod_id = value,
            "POD" => container.pod = value,
            "NAMESPACE" => container.namespace = value,
            _ => {}
        }
    }
    if container.id.is_empty() || container.state.is_empty() || container.name.is_empty() {
        return Err(ParseError::new(
            n,
            "a container row with id, state and name",
            line,
        ));
    }
    Ok(container)
}

/// Cuts `line` at the header's column offsets, when every cut falls after two blanks (so
/// never inside `2 minutes ago`).
fn aligned_values(line: &str, columns: &[Column]) -> Option<Vec<String>> {
    let bytes = line.as_bytes();
    let mut values = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let end = columns
            .get(i + 1)
            .map_or(line.len(), |c| c.start.min(line.len()));
        let start = column.start.min(end);
        if start > 0 && start < line.len() {
            let blank_before = |back: usize| start < back || bytes.get(start - back) == Some(&b' ');
            if !(blank_before(1) && blank_before(2)) {
                return None;
            }
        }
        values.push(line.get(start..end)?.trim().to_string());
    }
    Some(values)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// `crictl ps -a` (crictl 1.28) on a control-plane node whose API server keeps exiting.
    pub(crate) const APISERVER_DOWN: &str = "\
CONTAINER           IMAGE               CREATED              STATE               NAME                      ATTEMPT             POD ID              POD
4b1f0c2d9e8a7       6f707f569b572       About a minute ago   Exited              kube-apiserver            12                  a8b5a7b1c3d2e       kube-apiserver-cp-1
2338dc9107afc       8d72586a76469       3 hours ago          Running             kube-scheduler            4                   564d7b6201225       kube-scheduler-cp-1
6da856577fff2       499038711c081       3 hours ago          Running             etcd                      1                   ec9b5c049f6ac       etcd-cp-1   
";

    #[test]
    fn static_pods_with_restart_attempts() {
        let containers = parse(APISERVER_DOWN).unwrap();
        assert_eq!(containers.len(), 3);
        let api = &containers[0];
        assert_eq!(api.name, "kube-apiserver");
        assert_eq!(api.state, "Exited");
        assert!(!api.is_running());
        assert_eq!(api.attempt, Some(12));
        assert_eq!(api.created.as_deref(), Some("About a minute ago"));
        assert_eq!(api.pod.as_deref(), Some("kube-apiserver-cp-1"));
        assert_eq!(api.pod_id.as_deref(), Some("a8b5a7b1c3d2e"));
        assert_eq!(api.line, 2);
        assert_eq!(containers[2].pod.as_deref(), Some("etcd-cp-1"));
        assert!(containers[1].is_running());
    }

    #[test]
    fn namespace_column_and_long_images() {
        let text = "\
CONTAINER           IMAGE                                                              CREATED             STATE               NAME                        ATTEMPT             POD ID              POD                     NAMESPACE
927b36b0ed222       1eeb60bd0586400b73293d5e4e958f04e676a6ed1777cf1f90f97f11a416f2d3   7 minutes ago       Running             speaker                     5                   37b278527b6ec       speaker-rgl99           metallb-system
";
        let containers = parse(text).unwrap();
        assert_eq!(containers[0].namespace.as_deref(), Some("metallb-system"));
        assert_eq!(containers[0].attempt, Some(5));
        assert_eq!(containers[0].image.as_deref().map(str::len), Some(64));
    }

    #[test]
    fn old_header_and_log_lines() {
        let text = "\
WARN[0000] runtime connect using default endpoints: [unix:///run/containerd/containerd.sock]. As the default settings are now deprecated, you should set the endpoint instead.
CONTAINER ID        IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID
1f73f2d81bf98       2ae1ba6417cbc       2 minutes ago       Running             coredns             0                   7a53c1d8d11ce
";
        let containers = parse(text).unwrap();
        assert_eq!(containers.len(), 1);
        assert_eq!(containers[0].id, "1f73f2d81bf98");
        assert_eq!(containers[0].pod, None);
        assert_eq!(containers[0].line, 3);
    }

    #[test]
    fn reindented_rows_fall_back_to_cell_order() {
        let text = "  CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID              POD\n    af0da552dd4d4       52546a367cc9e       10 minutes ago      Running             coredns               1                   6ee72e9892472       coredns-76bb9b6fb5-4z2mz\n";
        let containers = parse(text).unwrap();
        assert_eq!(containers[0].name, "coredns");
        assert_eq!(containers[0].attempt, Some(1));
    }

    #[test]
    fn errors() {
        let err = parse("FATA[0000] connect: connection refused\nhello\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.expected.contains("header"));
        let text = "CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID\nabc  def\n";
        assert_eq!(parse(text).unwrap_err().line, 2);
        let text = "CONTAINER   STATE   NAME   ATTEMPT\nabc   Running   x   many\n";
        assert!(parse(text).unwrap_err().expected.contains("ATTEMPT"));
        assert!(parse("").unwrap().is_empty());
    }
}
