//! The reader: Polish-notation s-expressions to [`Expr`].
//!
//! `(+ 2 3)`, `(neg x)`, `(sin (* 2 x))`, `(derive (^ x 2) x)`,
//! `(integrate (^ x 2) x 0 1)`, `(solve (= (+ (* 2 x) 5) 13) x)`.
//! Leaves: integers `42 -3`, decimals `2.5 1e-7`, rationals `1/2 -3/4`,
//! symbols `x y_1`, constants `pi e`. The integer operators take integers:
//! `(gcd 12 18)`, `(div 17 5)`, `(cancel 12 18 6)`. `+` and `*` take two or more operands
//! (folded to the left); `(- a)` is `(neg a)`.
//!
//! Every error names the byte position. The depth is checked before each
//! descent, so deep input fails fast instead of overflowing the stack.

use super::expr::{BinOp, Expr, Func, UnaryOp, Value};
use super::limits::{MAX_DEPTH, MAX_NODES, MAX_TEXT_BYTES};
use crate::error::{Error, ErrorKind, Result};


/// Where each node of a parsed tree came from: byte range in the text, and the
/// spans of its children in the same order as [`Expr::children`].
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub children: Vec<Span>,
}

/// Parses one expression; the whole text must be that expression.
pub fn parse(text: &str) -> Result<Expr> {
    Parser::new(text, false)?.run().map(|(e, _)| e)
}

/// Parses and also returns the byte span of every node (for error locations).
pub fn parse_spanned(text: &str) -> Result<(Expr, Span)> {
    Parser::new(text, true)?.run().map(|(e, s)| (e, s.expect("spans were requested")))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    Open(usize),
    Close(usize),
    Atom(usize, &'a str),
}

impl Tok<'_> {
    fn pos(&self) -> usize {
        match *self {
            Tok::Open(p) | Tok::Close(p) | Tok::Atom(p, _) => p,
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    nodes: usize,
    spans: bool,
}

fn is_space(b: u8) -> bool {
    b.is_ascii_whitespace()
}

fn is_reserved(word: &str) -> bool {
    word == "mod" || word == "neg" || Func::from_token(word).is_some()
}

/// What follows `(`: an operator, or a function.
enum Head {
    Bin(BinOp),
    Neg,
    Minus,
    Func(Func),
}

fn head_of(word: &str) -> Option<Head> {
    Some(match word {
        "+" => Head::Bin(BinOp::Add),
        "-" => Head::Minus,
        "*" => Head::Bin(BinOp::Mul),
        "/" => Head::Bin(BinOp::Div),
        "^" => Head::Bin(BinOp::Pow),
        "mod" => Head::Bin(BinOp::Mod),
        "=" => Head::Bin(BinOp::Eq),
        "neg" => Head::Neg,
        _ => Head::Func(Func::from_token(word)?),
    })
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, spans: bool) -> Result<Self> {
        if text.len() > MAX_TEXT_BYTES {
            return Err(Error::limit(format!(
                "input of {} bytes is longer than the limit of {MAX_TEXT_BYTES} bytes",
                text.len()
            )));
        }
        Ok(Parser { text, pos: 0, nodes: 0, spans })
    }

    fn run(mut self) -> Result<(Expr, Option<Span>)> {
        if self.peek().is_none() {
            return Err(Error::parse("empty input: expected an expression at byte 0"));
        }
        let out = self.expr(0)?;
        if let Some(t) = self.peek() {
            return Err(Error::parse(format!(
                "unexpected {} at byte {} after a complete expression",
                describe(&t),
                t.pos()
            )));
        }
        Ok(out)
    }

    fn peek(&mut self) -> Option<Tok<'a>> {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && is_space(bytes[self.pos]) {
            self.pos += 1;
        }
        if self.pos >= bytes.len() {
            return None;
        }
        let start = self.pos;
        Some(match bytes[start] {
            b'(' => Tok::Open(start),
            b')' => Tok::Close(start),
            _ => {
                let mut end = start;
                while end < bytes.len() && !is_space(bytes[end]) && bytes[end] != b'(' && bytes[end] != b')' {
                    end += 1;
                }
                Tok::Atom(start, &self.text[start..end])
            }
        })
    }

    fn bump(&mut self, t: &Tok<'a>) {
        self.pos = match *t {
            Tok::Open(p) | Tok::Close(p) => p + 1,
            Tok::Atom(p, s) => p + s.len(),
        };
    }

    fn count_node(&mut self, at: usize) -> Result<()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(Error::limit(format!("expression has more than {MAX_NODES} nodes (at byte {at})")));
        }
        Ok(())
    }

    fn expr(&mut self, depth: usize) -> Result<(Expr, Option<Span>)> {
        let Some(t) = self.peek() else {
            return Err(Error::parse(format!("unexpected end of input at byte {}", self.text.len())));
        };
        self.bump(&t);
        match t {
            Tok::Atom(p, s) => {
                self.count_node(p)?;
                let e = atom(s, p)?;
                let span = self.spans.then(|| Span { start: p, end: p + s.len(), children: vec![] });
                Ok((e, span))
            }
            Tok::Close(p) => Err(Error::parse(format!("unbalanced input: unexpected ')' at byte {p}"))),
            Tok::Open(open) => {
                if depth >= MAX_DEPTH {
                    return Err(Error::limit(format!(
                        "expression nested deeper than {MAX_DEPTH} levels at byte {open}"
                    )));
                }
                self.list(open, depth)
            }
        }
    }

    /// The rest of a list after its `(` at byte `open`.
    fn list(&mut self, open: usize, depth: usize) -> Result<(Expr, Option<Span>)> {
        let head_tok = match self.peek() {
            None => return Err(unclosed(open)),
            Some(Tok::Close(p)) => {
                return Err(Error::parse(format!("empty list '()' at byte {open}..{}", p + 1)));
            }
            Some(Tok::Open(p)) => {
                return Err(Error::parse(format!(
                    "expected an operator or function name after '(' at byte {p}, found '('"
                )));
            }
            Some(t) => t,
        };
        self.bump(&head_tok);
        let Tok::Atom(head_pos, word) = head_tok else { unreachable!("matched above") };
        let Some(head) = head_of(word) else {
            let looks_like_name = word.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
            return Err(if looks_like_name {
                Error::new(ErrorKind::UnknownOperator, format!("unknown operator '{word}' at byte {head_pos}"))
            } else {
                Error::new(
                    ErrorKind::UnknownOperator,
                    format!("expected an operator or function name after '(' at byte {head_pos}, found '{word}'"),
                )
            });
        };
        self.count_node(open)?;

        let mut args = Vec::new();
        let mut spans = Vec::new();
        let close = loop {
            match self.peek() {
                None => return Err(unclosed(open)),
                Some(Tok::Close(p)) => {
                    self.pos = p + 1;
                    break p;
                }
                Some(_) => {
                    let (e, s) = self.expr(depth + 1)?;
                    args.push(e);
                    if let Some(s) = s {
                        spans.push(s);
                    }
                }
            }
        };
        let end = close + 1;
        let arity = |want: &str| -> Error {
            Error::new(
                ErrorKind::Arity,
                format!(
                    "wrong number of arguments: '{word}' takes {want}, got {} (at byte {head_pos})",
                    args.len()
                ),
            )
        };
        let mk_span = |children: Vec<Span>| Span { start: open, end, children };
        let want_spans = self.spans;
        let done = |e: Expr, children: Vec<Span>| Ok((e, want_spans.then(|| mk_span(children))));

        match head {
            Head::Bin(op @ (BinOp::Add | BinOp::Mul)) => {
                if args.len() < 2 {
                    return Err(arity("2 or more"));
                }
                // Fold left: (+ a b c) is (+ (+ a b) c); every inner node spans the whole list.
                let mut it = args.into_iter();
                let mut acc = it.next().expect("len >= 2");
                let mut sp_it = spans.into_iter();
                let mut acc_span = sp_it.next();
                for next in it {
                    acc = Expr::bin(op, acc, next);
                    if want_spans {
                        let children = vec![acc_span.take().expect("span"), sp_it.next().expect("span")];
                        acc_span = Some(mk_span(children));
                    }
                }
                Ok((acc, acc_span))
            }
            Head::Bin(op) => {
                if args.len() != 2 {
                    return Err(arity("2"));
                }
                let right = args.pop().expect("len 2");
                let left = args.pop().expect("len 2");
                done(Expr::bin(op, left, right), spans)
            }
            Head::Minus => match args.len() {
                1 => done(Expr::neg(args.pop().expect("len 1")), spans),
                2 => {
                    let right = args.pop().expect("len 2");
                    let left = args.pop().expect("len 2");
                    done(Expr::bin(BinOp::Sub, left, right), spans)
                }
                _ => Err(arity("1 or 2")),
            },
            Head::Neg => {
                if args.len() != 1 {
                    return Err(arity("1"));
                }
                done(Expr::UnaryOp { op: UnaryOp::Neg, operand: Box::new(args.pop().expect("len 1")) }, spans)
            }
            Head::Func(f) => {
                if !f.arities().contains(&args.len()) {
                    return Err(arity(match f {
                        Func::Integrate => "2 (indefinite) or 4 (definite)",
                        Func::Cancel => "3",
                        f if f.arities() == [2] => "2",
                        _ => "1",
                    }));
                }
                if f.is_calculus() {
                    check_variable(word, &args[1], spans.get(1).map_or(head_pos, |s| s.start))?;
                }
                done(Expr::Function { func: f, args }, spans)
            }
        }
    }
}

/// The second argument of `derive`, `integrate` and `solve` names the variable.
fn check_variable(form: &str, arg: &Expr, at: usize) -> Result<()> {
    match arg {
        Expr::Value(Value::Symbol(s)) if s != "pi" && s != "e" => Ok(()),
        other => Err(Error::invalid(format!(
            "'{form}' needs a variable as its second argument, got {other} (at byte {at})"
        ))),
    }
}

fn unclosed(open: usize) -> Error {
    Error::parse(format!("unbalanced input: '(' at byte {open} is never closed"))
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Open(_) => "'('".into(),
        Tok::Close(_) => "')'".into(),
        Tok::Atom(_, s) => format!("'{s}'"),
    }
}

fn looks_numeric(s: &str) -> bool {
    let b = s.as_bytes();
    let rest = if b[0] == b'-' || b[0] == b'+' { &b[1..] } else { b };
    match rest {
        [d, ..] if d.is_ascii_digit() => true,
        [b'.', d, ..] if d.is_ascii_digit() => true,
        _ => false,
    }
}

/// A leaf: number, rational, symbol. `pos` is its byte offset.
fn atom(s: &str, pos: usize) -> Result<Expr> {
    if looks_numeric(s) {
        return number(s, pos);
    }
    let b = s.as_bytes();
    let is_ident = (b[0].is_ascii_alphabetic() || b[0] == b'_') && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
    if is_ident {
        if is_reserved(s) {
            return Err(Error::parse(format!(
                "'{s}' at byte {pos} is an operator or function name; use it as ({s} ...)"
            )));
        }
        return Ok(Expr::Value(Value::Symbol(s.to_string())));
    }
    if head_of(s).is_some() {
        return Err(Error::parse(format!(
            "operator '{s}' at byte {pos} is not a value; an operator goes first inside parentheses: ({s} a b)"
        )));
    }
    Err(Error::parse(format!("unexpected token '{s}' at byte {pos}")))
}

fn int_literal(s: &str, pos: usize) -> Result<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Error::parse(format!("malformed number '{s}' at byte {pos}")));
    }
    s.parse::<i64>().map_err(|_| {
        Error::new(ErrorKind::Overflow, format!("integer '{s}' at byte {pos} does not fit in 64 bits"))
    })
}

fn number(s: &str, pos: usize) -> Result<Expr> {
    if let Some((n, d)) = s.split_once('/') {
        let num = int_literal(n, pos)?;
        if d.starts_with(['-', '+']) {
            return Err(Error::parse(format!("malformed rational '{s}' at byte {pos}: the denominator has a sign")));
        }
        let den = int_literal(d, pos + n.len() + 1)?;
        if den == 0 {
            return Err(Error::new(ErrorKind::DivisionByZero, format!("division by zero: rational '{s}' at byte {pos}")));
        }
        let (n, d) = super::number::reduce(num as i128, den as i128)
            .ok_or_else(|| Error::new(ErrorKind::Overflow, format!("rational '{s}' at byte {pos} does not fit in 64 bits")))?;
        return Ok(Expr::Value(Value::Rational(n, d)));
    }
    let is_float = s.bytes().any(|c| c == b'.' || c == b'e' || c == b'E');
    if !is_float {
        return Ok(Expr::int(int_literal(s, pos)?));
    }
    let ok_chars = s.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'));
    let x: f64 = match (ok_chars, s.parse::<f64>()) {
        (true, Ok(x)) => x,
        _ => return Err(Error::parse(format!("malformed number '{s}' at byte {pos}"))),
    };
    if !x.is_finite() {
        return Err(Error::new(ErrorKind::Overflow, format!("number '{s}' at byte {pos} is outside the range of f64")));
    }
    Ok(Expr::float(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> ErrorKind {
        parse(text).unwrap_err().kind
    }

    #[test]
    fn reads_the_seed_forms() {
        for text in [
            "(+ 2 3)",
            "(+ (* 2 3) 4)",
            "(sin 0)",
            "(derive (^ x 2) x)",
            "(integrate (^ x 2) x 0 1)",
            "(solve (= (+ (* 2 x) 5) 13) x)",
            "(mod 7 3)",
            "(neg 1/2)",
            "2.5",
            "-3",
            "pi",
        ] {
            let e = parse(text).unwrap();
            assert_eq!(e.to_polish(), text);
            assert_eq!(parse(&e.to_polish()).unwrap(), e);
        }
    }

    #[test]
    fn nary_and_unary_minus() {
        assert_eq!(parse("(+ 1 2 3)").unwrap().to_polish(), "(+ (+ 1 2) 3)");
        assert_eq!(parse("(- x)").unwrap().to_polish(), "(neg x)");
        assert_eq!(parse("  ( *  2\n x ) ").unwrap().to_polish(), "(* 2 x)");
        assert_eq!(parse("4/2").unwrap(), Expr::Value(Value::Rational(2, 1)));
        assert_eq!(parse("1e-7").unwrap(), Expr::float(1e-7));
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(kind(""), ErrorKind::Parse);
        assert_eq!(kind("   "), ErrorKind::Parse);
        assert_eq!(kind("(+ 1 2"), ErrorKind::Parse);
        assert_eq!(kind("(+ 1 2))"), ErrorKind::Parse);
        assert_eq!(kind("()"), ErrorKind::Parse);
        assert_eq!(kind("(foo 1 2)"), ErrorKind::UnknownOperator);
        assert_eq!(kind("(^ 1 2 3)"), ErrorKind::Arity);
        assert_eq!(kind("(sin)"), ErrorKind::Arity);
        assert_eq!(kind("(+ 1)"), ErrorKind::Arity);
        assert_eq!(kind("1/0"), ErrorKind::DivisionByZero);
        assert_eq!(kind("99999999999999999999"), ErrorKind::Overflow);
        assert_eq!(kind("(derive x 2)"), ErrorKind::InvalidArgument);
        assert_eq!(kind("(+ sin 2)"), ErrorKind::Parse);
        let e = parse("(+ 1 (foo 2))").unwrap_err();
        assert!(e.message.contains("byte 6"), "{}", e.message);
        let e = parse("(+ 1 (* 2 3)").unwrap_err();
        assert!(e.message.contains("byte 0"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_fails_fast() {
        let text = "(".repeat(100_000) + &")".repeat(100_000);
        assert_eq!(kind(&text), ErrorKind::Parse);
        let unclosed = "(+ 1 ".repeat(100_000);
        assert_eq!(kind(&unclosed), ErrorKind::Limit);
        let mut deep = String::new();
        for _ in 0..100_000 {
            deep.push_str("(neg ");
        }
        deep.push('1');
        deep.push_str(&")".repeat(100_000));
        assert_eq!(kind(&deep), ErrorKind::Limit);
        let ok = "(neg ".repeat(MAX_DEPTH - 1) + "1" + &")".repeat(MAX_DEPTH - 1);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn spans_point_at_nodes() {
        let (_, s) = parse_spanned("(+ 1 (ln 0))").unwrap();
        assert_eq!((s.start, s.end), (0, 12));
        assert_eq!(s.children[1].start, 5);
        assert_eq!(s.children[1].children[0].start, 9);
    }
}
