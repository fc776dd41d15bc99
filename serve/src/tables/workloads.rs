//! Tables of workload controllers: deployments, replicasets, statefulsets, daemonsets, jobs and
//! cronjobs, with kubernetes' columns and cell rules.

use super::{
    age, age_of, col, containers_and_images, format_labels, format_selector, get, int, list, name,
    text, Col,
};
use jiff::Timestamp;
use serde_json::Value;

type Cells = fn(&Value, Timestamp) -> Vec<Value>;

const DEPLOYMENT: &[Col] = &[
    col("Name", "string", 0),
    col("Ready", "string", 0),
    col("Up-to-date", "string", 0),
    col("Available", "string", 0),
    col("Age", "string", 0),
    col("Containers", "string", 1),
    col("Images", "string", 1),
    col("Selector", "string", 1),
];

const REPLICASET: &[Col] = &[
    col("Name", "string", 0),
    col("Desired", "integer", 0),
    col("Current", "integer", 0),
    col("Ready", "integer", 0),
    col("Age", "string", 0),
    col("Containers", "string", 1),
    col("Images", "string", 1),
    col("Selector", "string", 1),
];

const STATEFULSET: &[Col] = &[
    col("Name", "string", 0),
    col("Ready", "string", 0),
    col("Age", "string", 0),
    col("Containers", "string", 1),
    col("Images", "string", 1),
];

const DAEMONSET: &[Col] = &[
    col("Name", "string", 0),
    col("Desired", "integer", 0),
    col("Current", "integer", 0),
    col("Ready", "integer", 0),
    col("Up-to-date", "integer", 0),
    col("Available", "integer", 0),
    col("Node Selector", "string", 0),
    col("Age", "string", 0),
    col("Containers", "string", 1),
    col("Images", "string", 1),
    col("Selector", "string", 1),
];

const JOB: &[Col] = &[
    col("Name", "string", 0),
    col("Status", "string", 0),
    col("Completions", "string", 0),
    col("Duration", "string", 0),
    col("Age", "string", 0),
    col("Containers", "string", 1),
    col("Images", "string", 1),
    col("Selector", "string", 1),
];

const CRONJOB: &[Col] = &[
    col("Name", "string", 0),
    col("Schedule", "string", 0),
    col("Timezone", "string", 0),
    col("Suspend", "boolean", 0),
    col("Active", "integer", 0),
    col("Last Schedule", "string", 0),
    col("Age", "string", 0),
    col("Containers", "string", 1),
    col("Images", "string", 1),
    col("Selector", "string", 1),
];

pub(super) fn printer(group: &str, resource: &str) -> Option<(&'static [Col], Cells)> {
    let p: (&'static [Col], Cells) = match (group, resource) {
        ("apps", "deployments") => (DEPLOYMENT, deployment),
        ("apps", "replicasets") => (REPLICASET, replicaset),
        ("apps", "statefulsets") => (STATEFULSET, statefulset),
        ("apps", "daemonsets") => (DAEMONSET, daemonset),
        ("batch", "jobs") => (JOB, job),
        ("batch", "cronjobs") => (CRONJOB, cronjob),
        _ => return None,
    };
    Some(p)
}

/// `spec.replicas`, which the API server defaults to 1.
fn replicas(o: &Value) -> i64 {
    get(o, &["spec", "replicas"])
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

fn template_containers(o: &Value) -> (String, String) {
    containers_and_images(list(o, &["spec", "template", "spec", "containers"]))
}

fn deployment(o: &Value, now: Timestamp) -> Vec<Value> {
    let (containers, images) = template_containers(o);
    vec![
        name(o).into(),
        format!("{}/{}", int(o, &["status", "readyReplicas"]), replicas(o)).into(),
        int(o, &["status", "updatedReplicas"]).into(),
        int(o, &["status", "availableReplicas"]).into(),
        age_of(o, now).into(),
        containers.into(),
        images.into(),
        format_selector(get(o, &["spec", "selector"])).into(),
    ]
}

fn replicaset(o: &Value, now: Timestamp) -> Vec<Value> {
    let (containers, images) = template_containers(o);
    vec![
        name(o).into(),
        replicas(o).into(),
        int(o, &["status", "replicas"]).into(),
        int(o, &["status", "readyReplicas"]).into(),
        age_of(o, now).into(),
        containers.into(),
        images.into(),
        format_selector(get(o, &["spec", "selector"])).into(),
    ]
}

fn statefulset(o: &Value, now: Timestamp) -> Vec<Value> {
    let (containers, images) = template_containers(o);
    vec![
        name(o).into(),
        format!("{}/{}", int(o, &["status", "readyReplicas"]), replicas(o)).into(),
        age_of(o, now).into(),
        containers.into(),
        images.into(),
    ]
}

fn daemonset(o: &Value, now: Timestamp) -> Vec<Value> {
    let (containers, images) = template_containers(o);
    let status = |k: &str| int(o, &["status", k]);
    vec![
        name(o).into(),
        status("desiredNumberScheduled").into(),
        status("currentNumberScheduled").into(),
        status("numberReady").into(),
        status("updatedNumberScheduled").into(),
        status("numberAvailable").into(),
        format_labels(get(o, &["spec", "template", "spec", "nodeSelector"])).into(),
        age_of(o, now).into(),
        containers.into(),
        images.into(),
        format_selector(get(o, &["spec", "selector"])).into(),
    ]
}

fn has_true_condition(o: &Value, kind: &str) -> bool {
    list(o, &["status", "conditions"])
        .iter()
        .any(|c| text(c, &["type"]) == kind && text(c, &["status"]) == "True")
}

fn job(o: &Value, now: Timestamp) -> Vec<Value> {
    let succeeded = int(o, &["status", "succeeded"]);
    let completions = match get(o, &["spec", "completions"]).and_then(Value::as_i64) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match get(o, &["spec", "parallelism"]).and_then(Value::as_i64) {
            Some(p) if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let start = text(o, &["status", "startTime"]);
    let end = text(o, &["status", "completionTime"]);
    let duration = if start.is_empty() {
        String::new()
    } else if end.is_empty() {
        age::since(start, now)
    } else {
        age::between(start, end).unwrap_or_default()
    };
    let deleting = get(o, &["metadata", "deletionTimestamp"]).is_some_and(|d| !d.is_null());
    let status = if has_true_condition(o, "Complete") {
        "Complete"
    } else if has_true_condition(o, "Failed") {
        "Failed"
    } else if deleting {
        "Terminating"
    } else if has_true_condition(o, "Suspended") {
        "Suspended"
    } else if has_true_condition(o, "FailureTarget") {
        "FailureTarget"
    } else if has_true_condition(o, "SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    };
    let (containers, images) = template_containers(o);
    vec![
        name(o).into(),
        status.into(),
        completions.into(),
        duration.into(),
        age_of(o, now).into(),
        containers.into(),
        images.into(),
        format_selector(get(o, &["spec", "selector"])).into(),
    ]
}

fn cronjob(o: &Value, now: Timestamp) -> Vec<Value> {
    let last = text(o, &["status", "lastScheduleTime"]);
    let last = if last.is_empty() {
        "<none>".to_string()
    } else {
        age::since(last, now)
    };
    let tz = match text(o, &["spec", "timeZone"]) {
        "" => "<none>",
        tz => tz,
    };
    let (containers, images) = containers_and_images(list(
        o,
        &[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "spec",
            "containers",
        ],
    ));
    vec![
        name(o).into(),
        text(o, &["spec", "schedule"]).into(),
        tz.into(),
        get(o, &["spec", "suspend"])
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .into(),
        list(o, &["status", "active"]).len().into(),
        last.into(),
        age_of(o, now).into(),
        containers.into(),
        images.into(),
        format_selector(get(o, &["spec", "jobTemplate", "spec", "selector"])).into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2022-12-21T16:44:00Z".parse().unwrap()
    }

    #[test]
    fn deployment_and_daemonset_rows() {
        let d = json!({
            "metadata": {"name": "web", "creationTimestamp": "2022-12-21T16:40:00Z"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "busybox"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        });
        assert_eq!(
            deployment(&d, now()),
            vec![
                json!("web"),
                json!("2/3"),
                json!(3),
                json!(2),
                json!("4m"),
                json!("a,b"),
                json!("nginx,busybox"),
                json!("app=web"),
            ]
        );
        let ds = json!({"metadata": {"name": "svclb"}, "spec": {"template": {"spec": {}}}, "status": {"desiredNumberScheduled": 1}});
        let c = daemonset(&ds, now());
        assert_eq!(c[1], 1);
        assert_eq!(c[6], "<none>");
        let sts = json!({"metadata": {"name": "db"}, "spec": {}, "status": {}});
        assert_eq!(statefulset(&sts, now())[1], "0/1");
    }

    #[test]
    fn job_rows() {
        let done = json!({
            "metadata": {"name": "helm-install"},
            "spec": {"completions": 1, "parallelism": 1},
            "status": {"succeeded": 1, "startTime": "2022-12-21T16:00:00Z", "completionTime": "2022-12-21T16:00:42Z",
                       "conditions": [{"type": "Complete", "status": "True"}]}
        });
        let c = job(&done, now());
        assert_eq!(
            (c[1].clone(), c[2].clone(), c[3].clone()),
            (json!("Complete"), json!("1/1"), json!("42s"))
        );
        let running = json!({"metadata": {"name": "j"}, "spec": {"parallelism": 3}, "status": {"startTime": "2022-12-21T16:43:00Z"}});
        let c = job(&running, now());
        assert_eq!(
            (c[1].clone(), c[2].clone(), c[3].clone()),
            (json!("Running"), json!("0/1 of 3"), json!("60s"))
        );
    }
}
