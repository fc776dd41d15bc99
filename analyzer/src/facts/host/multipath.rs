//! `multipath -l`, `multipath -ll` and `multipath -v4 -ll`: device-mapper multipath maps,
//! their path groups and paths, in the modern tree format and the RHEL 5 bracket format.
//!
//! Modern:
//! ```text
//! mpathe (36f01faf000da3761000004323aa6fbce) dm-4 DELL,MD36xxi
//! size=54T features='3 queue_if_no_path pg_init_retries 55' hwhandler='1 rdac' wp=rw
//! |-+- policy='round-robin 0' prio=0 status=active
//! | |- 13:0:0:2 sdg 8:96   active faulty running
//! `-+- policy='round-robin 0' prio=0 status=enabled
//!   `- 12:0:0:2 sdd 8:48   active faulty running
//! ```
//! RHEL 5:
//! ```text
//! L004 (360060160ade32800f2e3baf47665e211) dm-9 DGC,RAID 5
//! [size=100G][features=1 queue_if_no_path][hwhandler=1 emc][rw]
//! \_ round-robin 0 [prio=1][active]
//!  \_ 3:0:1:4 sdk  8:160  [active][ready]
//! ```
//!
//! Strictness: block report. A map starts at a `name [(wwid)] dm-N vendor,product` line
//! followed by its `size=` line; it goes on while lines are path groups or paths. Everything
//! else (the `-v4` debug preamble, `params =` / `status =` lines, `*word = ...`) is
//! skipped, so text with no map yields no maps rather than an error: `multipath -ll` prints
//! nothing at all on a host without multipath devices.

use std::sync::LazyLock;

use regex::Regex;

use super::{numbered_lines, ParseError};

static MAP_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\S+)\s+(?:\(([^()\s]+)\)\s+)?(dm-\d+)(?:\s+(.*))?$")
        .expect("valid map header regex")
});
static KEY_VALUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\w+)=(?:'([^']*)'|(\S+))").expect("valid key=value regex"));
static MODERN_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[|` ]*[|`]-\+-\s+policy='([^']*)'(?:\s+prio=(-?\d+))?(?:\s+status=(\S+))?")
        .expect("valid path group regex")
});
static MODERN_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[|` ]*[|`]- (\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.+?)\s+(\S+)\s*$")
        .expect("valid path regex")
});
static LEGACY_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\\_ (\S+:\S+:\S+:\S+)\s+(\S+)\s+(\S+)\s+\[(\w+)\]\[([^\]]+)\](?:\[(\w+)\])?")
        .expect("valid legacy path regex")
});
static LEGACY_GROUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\\_ ([^\[]*?)\s*((?:\[[^\]]*\])+)\s*$").expect("valid regex"));
static BRACKET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]]*)\]").expect("valid bracket regex"));

/// One multipath map (one `dm-N` device).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultipathMap {
    /// Alias (`mpathe`, `L004`), or the WWID when the map has no alias.
    pub name: String,
    /// WWID; equal to `name` when the map has no alias.
    pub wwid: String,
    /// Device-mapper device (`dm-4`).
    pub dm_device: String,
    /// SCSI vendor (`DELL`), trimmed.
    pub vendor: String,
    /// SCSI product (`MD36xxi`, `RAID 5`), trimmed.
    pub product: String,
    /// `size=` value (`54T`).
    pub size: Option<String>,
    /// `features=` value (`3 queue_if_no_path pg_init_retries 55`).
    pub features: Option<String>,
    /// `hwhandler=` value (`1 rdac`).
    pub hwhandler: Option<String>,
    /// `wp=` (or RHEL 5's bare `[rw]`): `rw` or `ro`.
    pub wp: Option<String>,
    /// Path groups in output order.
    pub groups: Vec<PathGroup>,
    /// 1-based line of the map header.
    pub line: usize,
}

/// A priority group of paths.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PathGroup {
    /// Path selector (`round-robin 0`, `service-time 0`).
    pub policy: String,
    /// Group priority.
    pub prio: Option<i32>,
    /// `active`, `enabled`, `disabled` or `undef`.
    pub status: Option<String>,
    /// Paths of the group.
    pub paths: Vec<Path>,
    /// 1-based line.
    pub line: usize,
}

/// One path (one SCSI device) of a map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// `host:channel:target:lun` (`12:0:0:1`; `#:#:#:#` when gone).
    pub hctl: String,
    /// Block device (`sdc`).
    pub device: String,
    /// `major:minor` (`8:32`).
    pub dev_t: String,
    /// Device-mapper's view: `active` or `failed`.
    pub dm_state: String,
    /// Path checker's view: `ready`, `faulty`, `ghost`, `shaky`, `undef`, `i/o pending`, ...
    pub checker_state: String,
    /// SCSI device state: `running`, `offline`, ...; absent in the RHEL 5 format.
    pub online_state: Option<String>,
    /// 1-based line.
    pub line: usize,
}

impl Path {
    /// The path does not carry I/O: dm failed it, the checker finds it faulty or shaky, or
    /// the SCSI device is offline. `ghost` (standby) and `undef` (`-l`, no checker) are not
    /// failures.
    pub fn is_failed(&self) -> bool {
        self.dm_state == "failed"
            || matches!(self.checker_state.as_str(), "faulty" | "shaky")
            || matches!(
                self.online_state.as_deref(),
                Some("offline" | "transport-offline")
            )
    }
}

impl MultipathMap {
    /// All paths of all groups.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.groups.iter().flat_map(|g| g.paths.iter())
    }

    /// Paths that do not carry I/O (see [`Path::is_failed`]).
    pub fn failed_paths(&self) -> impl Iterator<Item = &Path> {
        self.paths().filter(|p| p.is_failed())
    }

    /// Number of paths, to compare with peer nodes' view of the same WWID.
    pub fn path_count(&self) -> usize {
        self.groups.iter().map(|g| g.paths.len()).sum()
    }
}

/// Parses multipath's map listing; debug and noise lines are skipped.
pub(crate) fn parse(text: &str) -> Result<Vec<MultipathMap>, ParseError> {
    let mut maps: Vec<MultipathMap> = Vec::new();
    // A header waiting for its size line, and whether the last map is still open.
    let mut candidate: Option<MultipathMap> = None;
    let mut open = false;
    for (n, line) in numbered_lines(text) {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(mut map) = candidate.take() {
            if read_size_line(line, &mut map) {
                maps.push(map);
                open = true;
                continue;
            }
        }
        if open {
            if let Some(map) = maps.last_mut() {
                if read_map_line(n, line, map)? {
                    continue;
                }
            }
            open = false;
        }
        candidate = header(n, line);
    }
    Ok(maps)
}

fn header(n: usize, line: &str) -> Option<MultipathMap> {
    let caps = MAP_HEADER.captures(line)?;
    let name = caps[1].to_string();
    let wwid = caps
        .get(2)
        .map_or_else(|| name.clone(), |m| m.as_str().to_string());
    let vendor_product = caps.get(4).map_or("", |m| m.as_str());
    let (vendor, product) = vendor_product
        .split_once(',')
        .unwrap_or((vendor_product, ""));
    Some(MultipathMap {
        name,
        wwid,
        dm_device: caps[3].to_string(),
        vendor: vendor.trim().to_string(),
        product: product.trim().to_string(),
        line: n,
        ..MultipathMap::default()
    })
}

/// `size=54T features='...' hwhandler='1 rdac' wp=rw` or `[size=100G][features=...][rw]`.
fn read_size_line(line: &str, map: &mut MultipathMap) -> bool {
    let line = line.trim();
    if line.starts_with("size=") {
        for caps in KEY_VALUE.captures_iter(line) {
            let value = caps
                .get(2)
                .or_else(|| caps.get(3))
                .map(|m| m.as_str().to_string());
            set_map_field(map, &caps[1], value);
        }
        true
    } else if line.starts_with("[size=") {
        for caps in BRACKET.captures_iter(line) {
            match caps[1].split_once('=') {
                Some((key, value)) => set_map_field(map, key, Some(value.to_string())),
                None => map.wp = Some(caps[1].to_string()),
            }
        }
        true
    } else {
        false
    }
}

fn set_map_field(map: &mut MultipathMap, key: &str, value: Option<String>) {
    match key {
        "size" => map.size = value,
        "features" => map.features = value,
        "hwhandler" => map.hwhandler = value,
        "wp" => map.wp = value,
        _ => {}
    }
}

/// Reads a group or path line into `map`; false when the line is neither (the map ended).
fn read_map_line(n: usize, line: &str, map: &mut MultipathMap) -> Result<bool, ParseError> {
    if let Some(caps) = MODERN_GROUP.captures(line) {
        map.groups.push(PathGroup {
            policy: caps[1].to_string(),
            prio: caps.get(2).and_then(|m| m.as_str().parse().ok()),
            status: caps.get(3).map(|m| m.as_str().to_string()),
            paths: Vec::new(),
            line: n,
        });
        return Ok(true);
    }
    let path = if let Some(caps) = MODERN_PATH.captures(line) {
        Path {
            hctl: caps[1].to_string(),
            device: caps[2].to_string(),
            dev_t: caps[3].to_string(),
            dm_state: caps[4].to_string(),
            checker_state: caps[5].to_string(),
            online_state: Some(caps[6].to_string()),
            line: n,
        }
    } else if let Some(caps) = LEGACY_PATH.captures(line) {
        Path {
            hctl: caps[1].to_string(),
            device: caps[2].to_string(),
            dev_t: caps[3].to_string(),
            dm_state: caps[4].to_string(),
            checker_state: caps[5].to_string(),
            online_state: caps.get(6).map(|m| m.as_str().to_string()),
            line: n,
        }
    } else if let Some(caps) = LEGACY_GROUP.captures(line) {
        let mut group = PathGroup {
            policy: caps[1].to_string(),
            line: n,
            ..PathGroup::default()
        };
        for item in BRACKET.captures_iter(&caps[2]) {
            match item[1].strip_prefix("prio=") {
                Some(prio) => group.prio = prio.parse().ok(),
                None => group.status = Some(item[1].to_string()),
            }
        }
        map.groups.push(group);
        return Ok(true);
    } else {
        return Ok(false);
    };
    let Some(group) = map.groups.last_mut() else {
        return Err(ParseError::new(
            n,
            "a path group line (`policy=...` or `\\_ round-robin 0 [...]`) before paths",
            line,
        ));
    };
    group.paths.push(path);
    Ok(true)
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::testdata::corpus;
    use super::*;

    #[test]
    fn corpus_v4_ll_mpathe_has_eight_faulty_paths() {
        let Some(text) = corpus("insights-multipath-v4-ll-active-faulty.txt") else {
            return;
        };
        let maps = parse(&text).unwrap();
        let names: Vec<&str> = maps.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["mpathg", "mpathe", "36001405b1629f80d52a4c898f8856e43"]
        );
        let g = &maps[0];
        assert_eq!(g.wwid, "36f01faf000da360b0000033c528fea6d");
        assert_eq!((g.dm_device.as_str(), g.line), ("dm-2", 12));
        assert_eq!((g.vendor.as_str(), g.product.as_str()), ("DELL", "MD36xxi"));
        assert_eq!(g.size.as_deref(), Some("54T"));
        assert_eq!(
            g.features.as_deref(),
            Some("3 queue_if_no_path pg_init_retries 50")
        );
        assert_eq!(g.hwhandler.as_deref(), Some("1 rdac"));
        assert_eq!(g.wp.as_deref(), Some("rw"));
        assert_eq!(g.groups.len(), 2);
        assert_eq!(g.groups[0].policy, "round-robin 0");
        assert_eq!(g.groups[0].status.as_deref(), Some("active"));
        assert_eq!(g.groups[1].status.as_deref(), Some("enabled"));
        assert_eq!(g.path_count(), 8);
        assert_eq!(g.failed_paths().count(), 0);
        let e = &maps[1];
        assert_eq!(e.path_count(), 8);
        assert_eq!(e.failed_paths().count(), 8);
        let first = &e.groups[0].paths[0];
        assert_eq!(
            (
                first.hctl.as_str(),
                first.device.as_str(),
                first.dev_t.as_str()
            ),
            ("13:0:0:2", "sdg", "8:96")
        );
        assert_eq!(
            (first.dm_state.as_str(), first.checker_state.as_str()),
            ("active", "faulty")
        );
        assert_eq!(first.online_state.as_deref(), Some("running"));
        assert_eq!(first.line, 27);
        let lio = &maps[2];
        assert_eq!(lio.wwid, lio.name);
        assert_eq!(
            (lio.vendor.as_str(), lio.product.as_str()),
            ("LIO-ORG", "block0_sdb")
        );
        assert_eq!(lio.groups[1].paths[0].line, 41);
        assert_eq!(lio.groups[0].prio, Some(1));
    }

    #[test]
    fn corpus_rhel5_legacy_bracket_format() {
        let Some(text) = corpus("insights-multipath-v4-ll-rhel5-legacy-format.txt") else {
            return;
        };
        let maps = parse(&text).unwrap();
        assert_eq!(maps.len(), 1);
        let map = &maps[0];
        assert_eq!(map.name, "L004");
        assert_eq!(map.wwid, "360060160ade32800f2e3baf47665e211");
        assert_eq!(
            (map.vendor.as_str(), map.product.as_str()),
            ("DGC", "RAID 5")
        );
        assert_eq!(map.size.as_deref(), Some("100G"));
        assert_eq!(map.features.as_deref(), Some("1 queue_if_no_path"));
        assert_eq!(map.hwhandler.as_deref(), Some("1 emc"));
        assert_eq!(map.wp.as_deref(), Some("rw"));
        assert_eq!(map.groups.len(), 2);
        assert_eq!(map.groups[0].policy, "round-robin 0");
        assert_eq!(map.groups[0].prio, Some(1));
        assert_eq!(map.groups[0].status.as_deref(), Some("active"));
        assert_eq!(map.groups[1].status.as_deref(), Some("enabled"));
        assert_eq!(map.path_count(), 4);
        let path = &map.groups[1].paths[1];
        assert_eq!(
            (path.device.as_str(), path.dev_t.as_str()),
            ("sdu", "65:64")
        );
        assert_eq!(path.checker_state, "ready");
        assert_eq!(path.online_state, None);
        assert_eq!(path.line, 66);
        assert_eq!(map.failed_paths().count(), 0);
    }

    /// `multipath -ll` (multipath-tools 0.8, RHEL 8) with a failed path, a ghost (ALUA
    /// standby) path and an offline device.
    pub(crate) const ALUA: &str = "\
mpatha (3600a098038303634722b4d59646c4436) dm-0 NETAPP,LUN C-Mode
size=100G features='3 queue_if_no_path pg_init_retries 50' hwhandler='1 alua' wp=rw
|-+- policy='service-time 0' prio=50 status=active
| |- 1:0:0:1 sdb 8:16 active ready running
| `- 2:0:0:1 sdd 8:48 failed faulty offline
`-+- policy='service-time 0' prio=10 status=enabled
  |- 1:0:1:1 sdc 8:32 active ghost running
  `- 2:0:1:1 sde 8:64 active i/o pending running
";

    #[test]
    fn failed_ghost_and_pending_paths() {
        let maps = parse(ALUA).unwrap();
        let map = &maps[0];
        assert_eq!(map.product, "LUN C-Mode");
        assert_eq!(map.groups[0].prio, Some(50));
        let failed: Vec<&str> = map.failed_paths().map(|p| p.device.as_str()).collect();
        assert_eq!(failed, ["sdd"]);
        let pending = &map.groups[1].paths[1];
        assert_eq!(pending.checker_state, "i/o pending");
        assert_eq!(map.groups[1].paths[0].checker_state, "ghost");
    }

    #[test]
    fn nothing_or_noise_is_no_maps() {
        assert!(parse("").unwrap().is_empty());
        assert!(
            parse("Oct 28 14:02:44 | DM multipath kernel driver not loaded\n")
                .unwrap()
                .is_empty()
        );
        // A header-like line without its size line is not a map.
        assert!(parse("sdb: dm-3 whatever\nparams = 1 2 3\n")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn path_before_any_group_is_an_error() {
        let text = "mpatha (3600a) dm-0 A,B\nsize=1G features='0' hwhandler='0' wp=rw\n| |- 1:0:0:1 sdb 8:16 active ready running\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.expected.contains("path group"));
    }
}
