//! Re-checking a stored row (the `validate` command): its schema, its input
//! (the Polish text and the JSON tree must agree), its answer against a fresh
//! engine run, and the same independent check the generator applied.

use super::canonical::canonical_key;
use super::row::precision_of_json;
use super::sample::Problem;
use super::verify::{engine_answer, independent_check, same_answer, step_trace, Answer};
use crate::engine::{self, Expr};
use serde_json::{Map, Value as Json};

/// The result of checking one line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineCheck {
    pub id: Option<String>,
    pub level: Option<u8>,
    /// The canonical form, when the input could be read.
    pub key: Option<String>,
    /// Every problem found; empty when the row is good.
    pub errors: Vec<String>,
}

const REQUIRED: [&str; 7] =
    ["id", "level", "input_polish", "input_expr", "expected_result", "expected_symbolic", "bindings"];

fn optional_number(obj: &Map<String, Json>, name: &str, errors: &mut Vec<String>) -> Option<f64> {
    match obj.get(name) {
        Some(Json::Null) | None => None,
        Some(Json::Number(n)) => n.as_f64(),
        Some(_) => {
            errors.push(format!("{name} is neither a number nor null"));
            None
        }
    }
}

/// Checks one JSONL line. `file_level` is the level its file name says.
pub fn check_line(line: &str, file_level: Option<u8>) -> LineCheck {
    let mut out = LineCheck::default();
    let obj = match serde_json::from_str::<Json>(line) {
        Ok(Json::Object(obj)) => obj,
        Ok(_) => {
            out.errors.push("the line is not a JSON object".into());
            return out;
        }
        Err(e) => {
            out.errors.push(format!("the line is not JSON: {e}"));
            return out;
        }
    };
    let errors = &mut out.errors;
    for name in REQUIRED {
        if !obj.contains_key(name) {
            errors.push(format!("field {name:?} is missing"));
        }
    }
    for name in obj.keys() {
        if !REQUIRED.contains(&name.as_str()) && !["solutions", "steps", "precision"].contains(&name.as_str()) {
            errors.push(format!("unknown field {name:?}"));
        }
    }
    let level = obj.get("level").and_then(Json::as_u64).filter(|l| (1..=7).contains(l)).map(|l| l as u8);
    out.level = level;
    let Some(level) = level else {
        errors.push("level is not an integer from 1 to 7".into());
        return out;
    };
    if let Some(fl) = file_level {
        if fl != level {
            errors.push(format!("a level-{level} row in the level-{fl} file"));
        }
    }
    match obj.get("id").and_then(Json::as_str) {
        Some(id) => {
            let prefix = format!("L{level}-");
            let digits = id.strip_prefix(&prefix).unwrap_or("");
            if digits.len() < 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(format!("id {id:?} is not of the form {prefix}NNNNN"));
            }
            out.id = Some(id.to_string());
        }
        None => errors.push("id is not a string".into()),
    }
    let Some(polish) = obj.get("input_polish").and_then(Json::as_str) else {
        errors.push("input_polish is not a string".into());
        return out;
    };
    let input = match engine::parse(polish) {
        Ok(e) => e,
        Err(e) => {
            errors.push(format!("input_polish does not parse: {}", e.message));
            return out;
        }
    };
    match obj.get("input_expr").map(|j| serde_json::from_value::<Expr>(j.clone())) {
        Some(Ok(tree)) if tree == input => {}
        Some(Ok(_)) => errors.push("input_expr is not the tree of input_polish".into()),
        Some(Err(e)) => errors.push(format!("input_expr is not an expression tree: {e}")),
        None => {}
    }
    let mut bindings = Vec::new();
    match obj.get("bindings") {
        Some(Json::Array(items)) => {
            for item in items {
                match item.as_array().map(|p| (p.first().and_then(Json::as_str), p.get(1).and_then(Json::as_f64), p.len())) {
                    Some((Some(name), Some(v), 2)) => bindings.push((name.to_string(), v)),
                    _ => errors.push(format!("binding {item} is not a [name, number] pair")),
                }
            }
        }
        _ => errors.push("bindings is not a list".into()),
    }
    if level != 3 && !bindings.is_empty() {
        errors.push(format!("a level-{level} row with bindings"));
    }
    if level == 3 && bindings.is_empty() {
        errors.push("a level-3 row without bindings".into());
    }
    out.key = Some(canonical_key(&input, &bindings));

    let expected_result = optional_number(&obj, "expected_result", errors);
    let expected_symbolic = match obj.get("expected_symbolic") {
        Some(Json::Null) | None => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push("expected_symbolic is neither a string nor null".into());
            None
        }
    };
    let solutions = match obj.get("solutions") {
        None => None,
        Some(Json::Array(items)) => {
            let roots: Vec<f64> = items.iter().filter_map(Json::as_f64).collect();
            if roots.len() != items.len() {
                errors.push("solutions holds something other than numbers".into());
            }
            Some(roots)
        }
        Some(_) => {
            errors.push("solutions is not a list".into());
            None
        }
    };
    if level != 7 && solutions.is_some() {
        errors.push(format!("a level-{level} row with solutions"));
    }
    // absent in data sets written before it existed; when present, the engine's checked trace
    let steps = match obj.get("steps") {
        None => None,
        Some(Json::Array(items)) if items.iter().all(Json::is_string) => {
            Some(items.iter().filter_map(|s| s.as_str().map(str::to_string)).collect::<Vec<_>>())
        }
        Some(_) => {
            errors.push("steps is not a list of strings".into());
            None
        }
    };
    // absent in data sets written before it existed
    let precision = match obj.get("precision") {
        None => None,
        Some(p) => match precision_of_json(p) {
            Some(p) => Some(p),
            None => {
                errors.push(format!("precision {p} is neither \"exact\" nor a tolerance in (0, 1)"));
                None
            }
        },
    };
    if !errors.is_empty() {
        return out;
    }
    let problem = Problem { level, input, bindings, planted_roots: vec![] };
    let stored = Answer { expected_result, expected_symbolic, solutions, steps: None, precision: None };
    match engine_answer(&problem) {
        Ok(fresh) => {
            if let Err(e) = same_answer(level, &stored, &fresh) {
                errors.push(e);
            }
        }
        Err(e) => errors.push(e),
    }
    if let Err(e) = independent_check(&problem, &stored) {
        errors.push(format!("independent check: {e}"));
    }
    if steps.is_some() || precision.is_some() {
        match step_trace(&problem, &stored) {
            Ok((fresh, fresh_precision)) => {
                if steps.is_some() && fresh != steps {
                    errors.push("steps is not the engine's step trace of the row".into());
                }
                if precision.is_some_and(|p| p != fresh_precision) {
                    errors.push(format!("precision is {precision:?} but the row's answer needs {fresh_precision:?}"));
                }
            }
            Err(e) => errors.push(format!("steps: {e}")),
        }
    }
    out
}
