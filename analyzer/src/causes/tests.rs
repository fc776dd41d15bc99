//! Every link's examples, through the same matcher and graph the analysis uses.

use super::*;

#[test]
fn every_link_example_holds() {
    let catalog = CauseCatalog::builtin().unwrap_or_else(|e| panic!("{e}"));
    let mut problems = Vec::new();
    for (i, link) in catalog.links.iter().enumerate() {
        let cases = link
            .examples
            .must_link
            .iter()
            .map(|e| (e, true))
            .chain(link.examples.must_not_link.iter().map(|e| (e, false)));
        for (n, (example, want)) in cases.enumerate() {
            let what = format!("{} example {}", link.id, n + 1);
            let built = (|| -> Result<_, String> {
                let findings = vec![example.cause.finding()?, example.effect.finding()?];
                Ok((findings, example.relations()?))
            })();
            let (findings, relations) = match built {
                Ok(b) => b,
                Err(e) => {
                    problems.push(format!("{what}: {e}"));
                    continue;
                }
            };
            for f in &findings {
                if !link.cause.admits(f) && !link.effect.admits(f) && want {
                    problems.push(format!("{what}: neither side admits {}", f.subject));
                }
            }
            let prepared = matching::Prepared::new(&findings, &relations);
            let edges = prepared.edges(i, link);
            let linked = edges.iter().any(|e| e.cause == 0 && e.effect == 1);
            if linked != want {
                problems.push(format!(
                    "{what}: expected {}, got {}",
                    if want { "a link" } else { "no link" },
                    if linked { "one" } else { "none" }
                ));
            }
            if let Some(e) = edges.first().filter(|_| want) {
                if e.because.contains('?') {
                    problems.push(format!("{what}: because has a hole: {}", e.because));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_rule_a_link_names_exists() {
    let catalog = CauseCatalog::builtin().unwrap();
    let mut known: Vec<String> = crate::rules::object_rules()
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    known.extend(
        crate::rules::testing::catalog()
            .rules()
            .iter()
            .map(|r| r.id.clone()),
    );
    for link in &catalog.links {
        for rule in link.cause.rules.iter().chain(&link.effect.rules) {
            assert!(known.contains(rule), "{}: unknown rule {rule}", link.id);
        }
    }
}
