//! The seed's JSON form of an expression (serde's externally tagged layout),
//! read with a nesting check first so that deep input cannot exhaust the stack.

use super::expr::{check_limits, Expr};
use super::limits::MAX_TREE_DEPTH;
use super::number::gcd;
use crate::error::{Error, Result};

/// `{"BinOp":{"op":"Add","left":{"Value":{"Integer":2}},"right":{"Value":{"Integer":3}}}}`.
pub fn to_json(e: &Expr) -> Result<String> {
    serde_json::to_string(e).map_err(|err| Error::invalid(format!("cannot write {e} as JSON: {err}")))
}

/// Reads the JSON form back; malformed JSON, an unknown tag or a tree too deep is an error.
pub fn from_json(text: &str) -> Result<Expr> {
    // Each tree level is at most three JSON levels ({"BinOp":{"left":...}} plus an args list).
    let limit = 3 * MAX_TREE_DEPTH + 4;
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return Err(Error::limit(format!("JSON nested deeper than {limit} levels at byte {i}")));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let e: Expr = serde::Deserialize::deserialize(&mut de)
        .and_then(|e| de.end().map(|_| e))
        .map_err(|err| Error::parse(format!("not an expression in JSON form: {err}")))?;
    check_limits(&e)?;
    validate(&e)?;
    Ok(e)
}

/// What the parser would have refused: wrong arities, bad rationals, non-finite floats.
fn validate(e: &Expr) -> Result<()> {
    use super::expr::Value;
    let mut stack = vec![e];
    while let Some(n) = stack.pop() {
        match n {
            Expr::Value(Value::Rational(_, 0)) => return Err(Error::parse("rational with a zero denominator")),
            // The parser only makes reduced rationals with a positive denominator; others would not print back.
            Expr::Value(Value::Rational(n, d)) if *d < 0 || gcd(*n as i128, *d as i128) != 1 => {
                return Err(Error::parse(format!(
                    "rational [{n}, {d}] must be in lowest terms with a positive denominator"
                )))
            }
            Expr::Value(Value::Float(x)) if !x.is_finite() => {
                return Err(Error::parse(format!("float {x} is not finite")))
            }
            Expr::Function { func, args } => {
                let ok = func.arities().contains(&args.len());
                if !ok {
                    return Err(Error::new(
                        crate::error::ErrorKind::Arity,
                        format!("wrong number of arguments: '{}' got {}", func.token(), args.len()),
                    ));
                }
                if func.is_calculus() {
                    super::expr::variable(&args[1])?;
                }
            }
            _ => {}
        }
        stack.extend(n.children());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse;

    #[test]
    fn seed_form_round_trip() {
        let e = parse("(+ 2 3)").unwrap();
        let j = to_json(&e).unwrap();
        assert_eq!(j, r#"{"BinOp":{"op":"Add","left":{"Value":{"Integer":2}},"right":{"Value":{"Integer":3}}}}"#);
        assert_eq!(from_json(&j).unwrap(), e);
        let e = parse("(solve (= (sin x) 1/2) x)").unwrap();
        assert_eq!(from_json(&to_json(&e).unwrap()).unwrap(), e);
    }

    #[test]
    fn rejects_bad_json() {
        assert!(from_json("{}").is_err());
        assert!(from_json(r#"{"Function":{"func":"Sin","args":[]}}"#).is_err());
        for bad in [r#"{"Value":{"Rational":[2,4]}}"#, r#"{"Value":{"Rational":[1,-2]}}"#, r#"{"Value":{"Rational":[0,5]}}"#] {
            assert!(from_json(bad).is_err(), "{bad}");
        }
        assert_eq!(from_json(r#"{"Value":{"Rational":[-1,2]}}"#).unwrap().to_polish(), "-1/2");
        assert_eq!(from_json(r#"{"Value":{"Rational":[2,1]}}"#).unwrap(), parse("4/2").unwrap());
        let deep = "[".repeat(100_000);
        assert_eq!(from_json(&deep).unwrap_err().kind, crate::ErrorKind::Limit);
    }
}
