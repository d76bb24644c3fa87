//! The engine's files form layers: each uses only the files below it, so
//! there is no import loop. This test reads the `super::X` and
//! `crate::engine::X` references of every file (outside its tests, which
//! come last in each file and may use anything) and checks them against
//! [`LAYERS`].

/// The engine's files from the bottom up.
const LAYERS: [&str; 12] = [
    "limits",    // the fixed limits and the step budget
    "number",    // exact rationals and floats
    "expr",      // the tree, its tokens and printing
    "parse",     // text -> tree
    "json",      // JSON <-> tree
    "functions", // sin, ln, sqrt, ... on numbers
    "canon",     // the canonical form and its constructors
    "compile",   // canonical node -> f64 stack program
    "calculus",  // derivatives, antiderivatives, integrals on canonical nodes
    "simplify",  // tree -> canonical node (calculus forms included); Expr-level entry points
    "solve",     // equations
    "eval",      // evaluation, `run`, equivalence
];

/// Files that are not layers: the module root, and test-only modules.
const NOT_LAYERS: [&str; 3] = ["mod", "proptests", "layers"];

/// The engine modules a file's non-test code refers to.
fn references(source: &str) -> Vec<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        assert!(
            !line.contains("super::{") && !line.contains("crate::engine::{"),
            "write one `use super::module::...` per module, so that this test sees it: {line}"
        );
        for prefix in ["super::", "crate::engine::"] {
            for (i, _) in line.match_indices(prefix) {
                let rest = &line[i + prefix.len()..];
                let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                out.push(name);
            }
        }
    }
    out
}

#[test]
fn engine_files_form_layers_without_loops() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rust/engine");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("rust/engine is readable")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .filter(|name| !NOT_LAYERS.contains(&name.as_str()))
        .collect();
    files.sort();
    let mut declared: Vec<String> = LAYERS.iter().map(|s| s.to_string()).collect();
    declared.sort();
    assert_eq!(files, declared, "every engine file has its place in LAYERS");

    let floor = |name: &str| LAYERS.iter().position(|l| *l == name);
    let mut violations = Vec::new();
    for (level, file) in LAYERS.iter().enumerate() {
        let source = std::fs::read_to_string(dir.join(format!("{file}.rs"))).expect("readable");
        for used in references(&source) {
            // Items of the engine root re-exported from a layer are not modules: refer to the layer.
            let Some(used_level) = floor(&used) else {
                violations.push(format!("{file}.rs refers to `{used}`, not an engine file"));
                continue;
            };
            if used_level >= level && used != *file {
                violations.push(format!("{file}.rs uses {used}.rs, which is not below it"));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn references_are_read_from_use_lines_and_paths() {
    let source = "use super::canon::{add, Node};\nuse crate::engine::expr::Expr;\nfn f() { super::number::gcd(1, 2); } // super::eval\n#[cfg(test)]\nuse super::solve;";
    assert_eq!(references(source), ["canon", "expr", "number"]);
}
