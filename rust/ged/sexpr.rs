//! A small s-expression tree parser, independent of the symbolic engine.
//!
//! `(a (b c d) e)` is a root `a` with children `(b c d)` and `e`; a bare atom is
//! a leaf; `(a)` is a leaf too. The head of a list must be an atom. Parsing is
//! iterative (no recursion), and depth, node count and input length are capped,
//! so no input can overflow the stack or eat memory.

use crate::{Error, Result};

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 1_000;
/// Most nodes accepted in one tree.
pub const MAX_NODES: usize = 200_000;
/// Longest input accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 8 << 20;

/// An ordered labelled tree in preorder: node 0 is the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    pub labels: Vec<String>,
    pub children: Vec<Vec<usize>>,
}

impl Tree {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Parent of every node (`usize::MAX` for the root).
    pub fn parents(&self) -> Vec<usize> {
        let mut parent = vec![usize::MAX; self.len()];
        for (p, kids) in self.children.iter().enumerate() {
            for &c in kids {
                parent[c] = p;
            }
        }
        parent
    }

    /// Prints the tree back as an s-expression (iteratively).
    pub fn to_sexpr(&self) -> String {
        let mut out = String::new();
        // (node, next child index); a node is opened when first seen.
        let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let kids = &self.children[node];
            if *next == 0 {
                if !out.is_empty() && !out.ends_with('(') {
                    out.push(' ');
                }
                if kids.is_empty() {
                    out.push_str(&self.labels[node]);
                    stack.pop();
                    continue;
                }
                out.push('(');
                out.push_str(&self.labels[node]);
            }
            if *next < kids.len() {
                let child = kids[*next];
                *next += 1;
                stack.push((child, 0));
            } else {
                out.push(')');
                stack.pop();
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Open,
    Close,
    Atom(&'a str),
}

/// Splits into `(`, `)` and atoms (maximal runs of other non-space characters),
/// each with its byte offset.
fn tokens(text: &str) -> impl Iterator<Item = (usize, Token<'_>)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        let tok = match bytes[i] {
            b'(' => {
                i += 1;
                Token::Open
            }
            b')' => {
                i += 1;
                Token::Close
            }
            _ => {
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && bytes[i] != b'('
                    && bytes[i] != b')'
                {
                    i += 1;
                }
                Token::Atom(&text[start..i])
            }
        };
        Some((start, tok))
    })
}

/// Number of atoms (labels) in a text, parsable or not: the size of what a
/// malformed hypothesis would have to delete.
pub fn count_atoms(text: &str) -> usize {
    tokens(text).filter(|(_, t)| matches!(t, Token::Atom(_))).count()
}

/// Parses one tree; the whole input must be that tree.
pub fn parse_tree(text: &str) -> Result<Tree> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Error::limit(format!(
            "tree input is {} bytes, more than the limit of {MAX_INPUT_BYTES}",
            text.len()
        )));
    }
    let mut labels: Vec<String> = Vec::new();
    let mut children: Vec<Vec<usize>> = Vec::new();
    // Open lists: the node index of each, or None while its head atom is awaited.
    let mut open: Vec<(usize, Option<usize>)> = Vec::new();
    let mut root_done = false;
    let add_node = |label: &str, labels: &mut Vec<String>, children: &mut Vec<Vec<usize>>| {
        if labels.len() >= MAX_NODES {
            return Err(Error::limit(format!("tree has more than {MAX_NODES} nodes")));
        }
        labels.push(label.to_string());
        children.push(Vec::new());
        Ok(labels.len() - 1)
    };
    let context = |pos: usize| {
        let end = (pos + 20).min(text.len());
        let end = (end..=text.len()).find(|&e| text.is_char_boundary(e)).unwrap_or(text.len());
        format!("at byte {pos} (near {:?})", &text[pos..end])
    };
    for (pos, tok) in tokens(text) {
        if root_done {
            return Err(Error::parse(format!(
                "unexpected text after the end of the tree {}",
                context(pos)
            )));
        }
        match tok {
            Token::Open => {
                if let Some((_, None)) = open.last() {
                    return Err(Error::parse(format!(
                        "the head of a list must be an atom, found '(' {}",
                        context(pos)
                    )));
                }
                if open.len() >= MAX_DEPTH {
                    return Err(Error::limit(format!(
                        "tree nesting deeper than {MAX_DEPTH} {}",
                        context(pos)
                    )));
                }
                open.push((pos, None));
            }
            Token::Close => match open.pop() {
                None => {
                    return Err(Error::parse(format!("unbalanced ')' {}", context(pos))));
                }
                Some((start, None)) => {
                    return Err(Error::parse(format!("empty list '()' {}", context(start))));
                }
                Some((_, Some(_))) => {
                    if open.is_empty() {
                        root_done = true;
                    }
                }
            },
            Token::Atom(atom) => match open.last_mut() {
                None => {
                    add_node(atom, &mut labels, &mut children)?;
                    root_done = true;
                }
                Some((_, head)) => {
                    let node = add_node(atom, &mut labels, &mut children)?;
                    match *head {
                        None => {
                            *head = Some(node);
                            // Link this list's node to its parent list.
                            let depth = open.len();
                            if depth >= 2 {
                                let parent = open[depth - 2].1.expect("parent head set");
                                children[parent].push(node);
                            }
                        }
                        Some(parent) => children[parent].push(node),
                    }
                }
            },
        }
    }
    if let Some(&(start, _)) = open.first() {
        return Err(Error::parse(format!(
            "unbalanced '(': {} list(s) not closed, the outermost opened {}",
            open.len(),
            context(start)
        )));
    }
    if labels.is_empty() {
        return Err(Error::parse("empty tree: the input has no atom"));
    }
    Ok(Tree { labels, children })
}

/// What the lenient parser made of a malformed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// The tree read, or None when the text has no atom.
    pub tree: Option<Tree>,
    /// Atoms left out (text after the tree ended).
    pub dropped_atoms: usize,
    /// Parentheses ignored (stray `)`, `(` without a head atom) or added (unclosed `(`).
    pub paren_fixes: usize,
}

/// Reads any text as a tree the way a forgiving reader would: a `(` must be
/// followed by its head atom or it is ignored, a `)` that closes nothing is
/// ignored, lists still open at the end are closed, and text after the tree
/// ends is dropped. Every atom kept becomes a node. Never fails; None only when
/// a limit is hit.
pub fn parse_tree_lenient(text: &str) -> Option<Repaired> {
    if text.len() > MAX_INPUT_BYTES {
        return None;
    }
    let mut labels: Vec<String> = Vec::new();
    let mut children: Vec<Vec<usize>> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let (mut pending, mut done) = (false, false);
    let (mut dropped_atoms, mut paren_fixes) = (0usize, 0usize);
    for (_, tok) in tokens(text) {
        if done {
            match tok {
                Token::Atom(_) => dropped_atoms += 1,
                _ => paren_fixes += 1,
            }
            continue;
        }
        match tok {
            Token::Open => {
                if pending || open.len() >= MAX_DEPTH {
                    paren_fixes += 1;
                }
                pending = open.len() < MAX_DEPTH;
            }
            Token::Atom(atom) => {
                if labels.len() >= MAX_NODES {
                    return None;
                }
                let node = labels.len();
                labels.push(atom.to_string());
                children.push(Vec::new());
                if let Some(&p) = open.last() {
                    children[p].push(node);
                }
                if pending {
                    open.push(node);
                    pending = false;
                } else if open.is_empty() {
                    done = true;
                }
            }
            Token::Close => {
                if pending {
                    // "()": both ignored.
                    pending = false;
                    paren_fixes += 2;
                } else if open.pop().is_none() {
                    paren_fixes += 1;
                } else if open.is_empty() {
                    done = true;
                }
            }
        }
    }
    paren_fixes += usize::from(pending) + open.len();
    let tree = (!labels.is_empty()).then_some(Tree { labels, children });
    Some(Repaired { tree, dropped_atoms, paren_fixes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_lists() {
        let t = parse_tree("(a (b c d) e)").unwrap();
        assert_eq!(t.labels, vec!["a", "b", "c", "d", "e"]);
        assert_eq!(t.children[0], vec![1, 4]);
        assert_eq!(t.children[1], vec![2, 3]);
        assert_eq!(t.to_sexpr(), "(a (b c d) e)");
        assert_eq!(parse_tree("  x ").unwrap().labels, vec!["x"]);
        assert_eq!(parse_tree("(x)").unwrap().to_sexpr(), "x");
        assert_eq!(parse_tree("(+ -2.5 (^ x 2))").unwrap().to_sexpr(), "(+ -2.5 (^ x 2))");
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in ["", "   ", "(", ")", "(a", "a)", "(a b))", "()", "(a ())", "((a) b)", "a b", "(a) (b)"] {
            let err = parse_tree(bad).unwrap_err();
            assert!(
                matches!(err.kind, crate::ErrorKind::Parse),
                "{bad:?} gave {err:?}"
            );
        }
    }

    #[test]
    fn caps_depth_without_overflowing_the_stack() {
        let deep = "(a ".repeat(100_000) + "b" + &")".repeat(100_000);
        let err = parse_tree(&deep).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::Limit);
        let ok = "(a ".repeat(900) + "b" + &")".repeat(900);
        let t = parse_tree(&ok).unwrap();
        assert_eq!(t.len(), 901);
        assert_eq!(t.to_sexpr(), ok);
    }

    #[test]
    fn lenient_reading_repairs_and_counts() {
        let r = parse_tree_lenient("(+ x (* 2").unwrap();
        assert_eq!(r.tree.unwrap().to_sexpr(), "(+ x (* 2))");
        assert_eq!((r.dropped_atoms, r.paren_fixes), (0, 2));
        let r = parse_tree_lenient(") (+ () x 1) y (z").unwrap();
        assert_eq!(r.tree.unwrap().to_sexpr(), "(+ x 1)");
        assert_eq!((r.dropped_atoms, r.paren_fixes), (2, 1 + 2 + 1));
        let r = parse_tree_lenient("( (").unwrap();
        assert!(r.tree.is_none());
        assert_eq!(r.paren_fixes, 2);
        // Well-formed input reads as the strict parser reads it, with no fixes.
        let r = parse_tree_lenient("(a (b c) d)").unwrap();
        assert_eq!(r.tree, Some(parse_tree("(a (b c) d)").unwrap()));
        assert_eq!((r.dropped_atoms, r.paren_fixes), (0, 0));
    }

    #[test]
    fn counts_atoms_of_malformed_text() {
        assert_eq!(count_atoms("(+ x (* 2"), 4);
        assert_eq!(count_atoms(")("), 0);
    }
}
