//! Reboots: from wtmp (`last -x -F reboot shutdown`), which shows when and whether the node
//! went down cleanly, and from `uptime`, which shows the last boot even when wtmp does not
//! (rotated, not written, `last` not installed). The two agree or the report says they do
//! not; a boot both show is one finding.

use crate::facts::host::last::{LastRecord, RecordKind};
use crate::facts::host::uptime::Uptime;
use crate::facts::outputs::Parsed;
use crate::facts::{Facts, HostFacts};
use crate::findings::{rfc3339, Draft, Findings};
use crate::rules::thresholds::thresholds;
use crate::rules::{humanize, Context, Rule};
use jiff::civil;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use kbundle_format::analysis::{Category, Severity, Subject, TimelineEntry, TimelineSource};

/// A reboot without a clean shutdown, or one inside the incident window.
pub(crate) const REBOOT: Rule = Rule {
    id: "host.unexpected-reboot",
    category: Category::UnexpectedReboot,
    severity: Severity::Warning,
    looks_at: "run/last-reboot.txt: reboot records, crash sessions, shutdown records",
    remediation: "Find why the node went down: kernel panics and hangs in kern.log before the \
reboot, the hypervisor or BMC event log, power.",
};

/// `uptime` says the node booted inside the incident window.
pub(crate) const RECENT_BOOT: Rule = Rule {
    id: "host.recent-boot",
    category: Category::UnexpectedReboot,
    severity: Severity::Warning,
    looks_at: "run/uptime.txt: time since boot, against the boots in run/last-reboot.txt",
    remediation: "Find why the node went down: kernel panics and hangs in kern.log before the \
boot, the hypervisor or BMC event log, power. When `last` does not show the boot, wtmp was \
rotated or not written: the uptime is the truth.",
};

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[&REBOOT, &RECENT_BOOT];

/// Runs the reboot rules.
pub(crate) fn check(facts: &Facts, ctx: &Context, out: &mut Findings) {
    for (node, host) in &facts.hosts {
        from_last(node, host, ctx, out);
        from_uptime(node, host, ctx, out);
    }
}

/// The time of a reboot record, read as UTC (`last` prints node local time).
fn record_time(r: &LastRecord, now: Option<Timestamp>) -> Option<Timestamp> {
    let utc = TimeZone::UTC;
    let reference = utc.to_datetime(now.unwrap_or_else(Timestamp::now));
    let dt = r.start.resolve(reference)?;
    utc.to_timestamp(dt).ok()
}

fn from_last(node: &str, host: &HostFacts, ctx: &Context, out: &mut Findings) {
    let Some(last) = &host.outputs.last else {
        return;
    };
    let unclean = last.value.unclean_reboots();
    for r in last.value.reboots() {
        let time = record_time(r, ctx.now);
        let recent = ctx.within(time, thresholds().incident_window) && time.is_some();
        let cause = unclean.iter().find(|u| u.reboot_line == r.line);
        let (severity, why) = match (cause, recent) {
            (Some(_), true) => (
                Severity::Critical,
                "without a clean shutdown, inside the incident window",
            ),
            (None, true) => (Severity::Warning, "inside the incident window"),
            (Some(_), false) => (Severity::Info, "without a clean shutdown"),
            (None, false) => continue,
        };
        let when = time
            .map(rfc3339)
            .unwrap_or_else(|| "at an unknown time".into());
        let mut draft = Draft::new(&REBOOT, Subject::node(node))
            .severity(severity)
            .title(format!("{node} rebooted {why}"))
            .message(format!(
                "{node} booted at {when} {why} (kernel {}).",
                r.host
            ))
            .seen_at(time)
            .evidence(&last.file, Some(r.line as u64), last.line(r.line));
        if let Some(c) = cause {
            draft = draft.evidence(
                &last.file,
                Some(c.evidence_line as u64),
                last.line(c.evidence_line),
            );
        }
        out.add(draft.build());
    }
}

/// The boot `uptime` shows, when it is inside the incident window.
struct RecentBoot<'a> {
    /// When, in UTC: the collection time minus the time up.
    at: Timestamp,
    /// The `uptime` output.
    uptime: &'a Parsed<Uptime>,
    /// The `last` boot record of the same boot, when `last` shows it.
    in_last: Option<&'a LastRecord>,
}

fn recent_boot<'a>(host: &'a HostFacts, now: Option<Timestamp>) -> Option<RecentBoot<'a>> {
    let uptime = host.outputs.uptime.as_ref()?;
    let now = now?;
    let up = uptime.value.up;
    if up > thresholds().incident_window {
        return None;
    }
    let at = now.checked_sub(up).ok()?;
    // `last` prints the node's local time, `uptime` its local time of day: compare the
    // boot in that frame, whatever the node's zone.
    let local_now = local_time(uptime.value.time_of_day, now);
    let local_boot = local_now.checked_sub(up).ok()?;
    let in_last = host.outputs.last.as_ref().and_then(|last| {
        last.value.reboots().find(|r| {
            r.start.resolve(local_now).is_some_and(|t| {
                let apart = t.duration_since(local_boot);
                -thresholds().same_boot <= apart && apart <= thresholds().same_boot
            })
        })
    });
    Some(RecentBoot {
        at,
        uptime,
        in_last,
    })
}

/// The node's local date and time when `uptime` ran: its printed time of day, on the day
/// (of the three around the collection's UTC date) that puts it nearest the collection
/// time — zones are at most 14 hours from UTC.
fn local_time(time_of_day: civil::Time, now: Timestamp) -> civil::DateTime {
    let utc = TimeZone::UTC.to_datetime(now);
    let nearest = [-1, 0, 1]
        .into_iter()
        .filter_map(|days| utc.date().checked_add(days.days()).ok())
        .map(|date| date.to_datetime(time_of_day))
        .min_by_key(|local| local.duration_since(utc).abs());
    nearest.unwrap_or(utc)
}

fn from_uptime(node: &str, host: &HostFacts, ctx: &Context, out: &mut Findings) {
    let Some(boot) = recent_boot(host, ctx.now) else {
        return;
    };
    let up = boot.uptime;
    // When `last` shows the same boot, that record's finding (added first) leads and this
    // joins it as evidence; its words are used only when it stands alone.
    let wtmp = match (boot.in_last, &host.outputs.last) {
        (Some(_), _) => "`last` shows the same boot",
        (None, Some(_)) => "`last` shows no boot then (wtmp rotated or not written)",
        (None, None) => "`last` is not in the bundle",
    };
    let draft = Draft::new(&RECENT_BOOT, Subject::node(node))
        .title(format!("{node} booted inside the incident window"))
        .message(format!(
            "{node} was up {} when the bundle was taken: it booted at about {}; {wtmp}.",
            humanize(up.value.up),
            rfc3339(boot.at)
        ))
        .seen_at(Some(boot.at))
        .evidence(&up.file, Some(up.value.line as u64), up.line(up.value.line));
    out.add(draft.build());
}

/// Adds reboots from `last`, and a boot only `uptime` shows, to the timeline.
pub(crate) fn reboots_timeline(facts: &Facts, add: &mut dyn FnMut(Timestamp, TimelineEntry)) {
    let now = facts.reference_time();
    for (node, host) in &facts.hosts {
        if let Some(boot) = recent_boot(host, now).filter(|b| b.in_last.is_none()) {
            let up = boot.uptime;
            add(
                boot.at,
                crate::timeline::entry(
                    boot.at,
                    TimelineSource::Reboot,
                    Subject::node(node),
                    format!("system boot (uptime: up {})", humanize(up.value.up)),
                    &up.file,
                    Some(up.value.line as u64),
                    Severity::Warning,
                ),
            );
        }
        let Some(last) = &host.outputs.last else {
            continue;
        };
        for r in last
            .value
            .records
            .iter()
            .filter(|r| matches!(r.kind, RecordKind::Reboot | RecordKind::Shutdown))
        {
            let Some(time) = record_time(r, now) else {
                continue;
            };
            if now.is_some_and(|n| n.duration_since(time) > thresholds().incident_window) {
                continue;
            }
            let what = if r.kind == RecordKind::Reboot {
                "boot"
            } else {
                "shutdown"
            };
            add(
                time,
                crate::timeline::entry(
                    time,
                    TimelineSource::Reboot,
                    Subject::node(node),
                    format!("system {what} (kernel {})", r.host),
                    &last.file,
                    Some(r.line as u64),
                    if r.kind == RecordKind::Reboot {
                        Severity::Warning
                    } else {
                        Severity::Info
                    },
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::host::{last, uptime};
    use crate::rules::testing::{evaluate, facts_at_ten, rule_ids};

    /// Booted 08:41 on the day of collection (10:00), after a boot that never shut down.
    const LAST_CRASH: &str = "\
reboot   system boot  5.15.0-91-generic Fri Nov 27 08:41:12 2026   still running
reboot   system boot  5.15.0-91-generic Mon Nov  2 07:59:58 2026 - Fri Nov 27 08:40:00 2026 (25+00:40)

wtmp begins Mon Nov  2 07:59:58 2026
";
    const LAST_CLEAN_OLD: &str = "\
reboot   system boot  5.15.0-91-generic Mon Nov  2 07:59:58 2026   still running
shutdown system down  5.15.0-91-generic Mon Nov  2 07:58:40 2026 - Mon Nov  2 07:59:58 2026  (00:01)
reboot   system boot  5.15.0-91-generic Thu Oct  1 10:00:00 2026 - Mon Nov  2 07:58:40 2026 (31+21:58)

wtmp begins Thu Oct  1 10:00:00 2026
";
    /// Up since 08:41 at 10:00 (collection time), the boot of `LAST_CRASH`.
    const UP_SINCE_0841: &str = " 10:00:01 up  1:19,  1 user,  load average: 0.31, 0.42, 0.39\n";
    /// The same moment on a node on UTC+1 (its clock says 11:00): booted 09:41 local.
    const UP_SINCE_0841_CET: &str =
        " 11:00:01 up  1:19,  1 user,  load average: 0.31, 0.42, 0.39\n";
    /// Up since Nov 2.
    const UP_25_DAYS: &str =
        " 10:00:01 up 25 days,  2:00,  1 user,  load average: 0.38, 0.44, 0.41\n";

    fn facts(hosts: &[(&str, Option<&str>, Option<&str>)]) -> Facts {
        let mut facts = facts_at_ten();
        for (name, last_text, uptime_text) in hosts {
            let mut h = HostFacts::default();
            if let Some(text) = last_text {
                h.outputs.last = Some(Parsed::new(
                    last::parse(text).unwrap(),
                    "l.txt",
                    (*text).into(),
                ));
            }
            if let Some(text) = uptime_text {
                h.outputs.uptime = Some(Parsed::new(
                    uptime::parse(text).unwrap(),
                    "u.txt",
                    (*text).into(),
                ));
            }
            facts.hosts.insert((*name).into(), h);
        }
        facts
    }

    #[test]
    fn must_match_last_and_uptime_agreeing_as_one_finding() {
        let facts = facts(&[("bad", Some(LAST_CRASH), Some(UP_SINCE_0841))]);
        assert_eq!(rule_ids(&facts), ["host.unexpected-reboot Node bad"]);
        let f = &evaluate(&facts).into_sorted()[0];
        assert!(
            f.evidence.iter().any(|e| e.file == "u.txt"),
            "{:?}",
            f.evidence
        );
        // Also when the node's clock is not on UTC: both outputs are in its local time.
        let last_cet = LAST_CRASH.replace("27 08:4", "27 09:4");
        let facts = self::facts(&[("cet", Some(&last_cet), Some(UP_SINCE_0841_CET))]);
        let boot = recent_boot(&facts.hosts["cet"], facts.reference_time()).unwrap();
        assert_eq!(boot.in_last.map(|r| r.line), Some(1));
        assert_eq!(
            boot.at,
            "2026-11-27T08:41:00Z".parse::<Timestamp>().unwrap()
        );
        // The UTC node's record an hour before is another boot.
        let facts = self::facts(&[("cet", Some(LAST_CRASH), Some(UP_SINCE_0841_CET))]);
        let boot = recent_boot(&facts.hosts["cet"], facts.reference_time()).unwrap();
        assert!(boot.in_last.is_none());
    }

    #[test]
    fn must_match_a_boot_only_uptime_shows() {
        // wtmp knows only the old boots; uptime says 08:41.
        let facts = facts(&[
            ("w", Some(LAST_CLEAN_OLD), Some(UP_SINCE_0841)),
            ("x", None, Some(UP_SINCE_0841)),
        ]);
        assert_eq!(
            rule_ids(&facts),
            ["host.recent-boot Node w", "host.recent-boot Node x"]
        );
        let all = evaluate(&facts).into_sorted();
        assert!(
            all[0]
                .message
                .contains("booted at about 2026-11-27T08:41:00Z"),
            "{}",
            all[0].message
        );
        assert!(
            all[0].message.contains("`last` shows no boot then"),
            "{}",
            all[0].message
        );
        assert!(
            all[1].message.contains("`last` is not in the bundle"),
            "{}",
            all[1].message
        );
        let mut times = Vec::new();
        reboots_timeline(&facts, &mut |t, e| times.push((t, e.text)));
        assert_eq!(times.len(), 2, "{times:?}");
        assert_eq!(
            times[0].0,
            "2026-11-27T08:41:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn must_not_match_a_node_up_since_before_the_window() {
        let facts = facts(&[
            ("good", Some(LAST_CLEAN_OLD), Some(UP_25_DAYS)),
            ("alone", None, Some(UP_25_DAYS)),
        ]);
        assert!(rule_ids(&facts).is_empty());
        let mut entries = 0;
        reboots_timeline(&facts, &mut |_, _| entries += 1);
        assert_eq!(entries, 0);
    }

    #[test]
    fn local_time_is_the_day_nearest_the_collection() {
        let now: Timestamp = "2026-11-27T23:30:00Z".parse().unwrap();
        // UTC+2: already the 28th there.
        assert_eq!(
            local_time(civil::time(1, 30, 0, 0), now),
            civil::date(2026, 11, 28).at(1, 30, 0, 0)
        );
        let now: Timestamp = "2026-11-27T00:30:00Z".parse().unwrap();
        // UTC-5: still the 26th.
        assert_eq!(
            local_time(civil::time(19, 30, 0, 0), now),
            civil::date(2026, 11, 26).at(19, 30, 0, 0)
        );
    }
}
