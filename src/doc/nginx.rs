//! nginx configuration to [`Node`], so structured rules can judge `nginx.conf` with
//! the same selectors as YAML (`format = "nginx"`).
//!
//! # Mapping
//!
//! Every block — the file itself, and each `{ … }` — is a map from directive name
//! to the list of that directive's occurrences in document order. Each occurrence
//! is a map with
//!
//! - `args`: the arguments as strings (quotes removed, escapes resolved, `$vars`
//!   kept as written),
//! - `line`: the line of the directive name (an integer),
//! - `block`: the directive's block, present only when it has one.
//!
//! Every node carries the line and column of its directive, so a failing assertion
//! points at the directive. `include` is kept as a directive (`include[*].args`);
//! included files are not read.
//!
//! ```text
//! http {                          http[0].block.server[0].block.listen[0].args[0] == "443"
//!   server {                      http[*].block.server[*].block.server_tokens  (missing)
//!     listen 443 ssl;             http[0].block.server[0].block.location[0].args == ["/"]
//!     location / { proxy_pass http://app; }
//!   }
//! }
//! ```
//!
//! Syntax follows nginx's own tokenizer: tokens are separated by whitespace, `;`
//! ends a directive, `{` and `}` open and close blocks, `#` at the start of a token
//! begins a comment, `"…"` and `'…'` quote, a backslash escapes the next character,
//! and `${name}` stays inside a word. The parser is iterative with a nesting limit,
//! so no input can exhaust the stack.

use super::{DocError, Node, Scalar, Value};

/// Blocks nested deeper than this are refused (real configurations use 4 or 5).
pub const MAX_NGINX_DEPTH: usize = 64;

/// A position: line and column, 1-based.
type Pos = (u32, u32);
/// A word and where it starts.
type Word = (String, Pos);

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Semi,
    Open,
    Close,
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: u32,
    col: u32,
}

impl Lexer<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.col = 1;
        } else {
            self.col = self.col.saturating_add(1);
        }
        Some(c)
    }

    fn error(&self, at: (u32, u32), message: impl Into<String>) -> DocError {
        DocError {
            line: at.0,
            column: at.1,
            message: message.into(),
        }
    }

    /// The next token and where it starts, or `None` at the end of the text.
    fn next(&mut self) -> Result<Option<(Tok, Pos)>, DocError> {
        loop {
            let Some(&c) = self.chars.peek() else {
                return Ok(None);
            };
            if c.is_whitespace() {
                self.bump();
            } else if c == '#' {
                while self.chars.peek().is_some_and(|&c| c != '\n') {
                    self.bump();
                }
            } else {
                break;
            }
        }
        let at = (self.line, self.col);
        let c = self.bump().unwrap_or_default();
        let tok = match c {
            ';' => Tok::Semi,
            '{' => Tok::Open,
            '}' => Tok::Close,
            '"' | '\'' => Tok::Word(self.quoted(c, at)?),
            _ => Tok::Word(self.word(c)),
        };
        Ok(Some((tok, at)))
    }

    fn escape(&mut self, out: &mut String) {
        match self.bump() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(c @ ('"' | '\'' | '\\')) => out.push(c),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }

    fn quoted(&mut self, quote: char, at: (u32, u32)) -> Result<String, DocError> {
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error(at, "unterminated quoted string")),
                Some('\\') => self.escape(&mut out),
                Some(c) if c == quote => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    fn word(&mut self, first: char) -> String {
        let mut out = String::new();
        let mut c = first;
        loop {
            if c == '\\' {
                self.escape(&mut out);
            } else {
                out.push(c);
                // `${name}`: the braces belong to the variable, not to a block.
                if c == '$' && self.chars.peek() == Some(&'{') {
                    while let Some(v) = self.bump() {
                        out.push(v);
                        if v == '}' {
                            break;
                        }
                    }
                }
            }
            match self.chars.peek() {
                Some(&n) if !(n.is_whitespace() || matches!(n, ';' | '{' | '}')) => {
                    c = n;
                    self.bump();
                }
                _ => return out,
            }
        }
    }
}

/// One open block: its directives so far, and the directive that opened it.
struct Frame {
    entries: Vec<(String, Node)>,
    /// Name, arguments and position of the directive that owns this block.
    owner: Option<(String, Vec<Word>, Pos)>,
}

fn scalar(text: String, at: (u32, u32)) -> Node {
    Node {
        line: at.0,
        column: at.1,
        value: Value::Scalar(Scalar::Str(text)),
    }
}

/// One occurrence: `{args, line, block?}`.
fn occurrence(args: Vec<(String, (u32, u32))>, at: (u32, u32), block: Option<Node>) -> Node {
    let args = Node {
        line: at.0,
        column: at.1,
        value: Value::Seq(args.into_iter().map(|(a, p)| scalar(a, p)).collect()),
    };
    let mut fields = vec![
        ("args".to_string(), args),
        (
            "line".to_string(),
            Node {
                line: at.0,
                column: at.1,
                value: Value::Scalar(Scalar::Int(i64::from(at.0))),
            },
        ),
    ];
    if let Some(b) = block {
        fields.push(("block".to_string(), b));
    }
    Node {
        line: at.0,
        column: at.1,
        value: Value::Map(fields),
    }
}

/// Groups a block's directives by name (first-occurrence order), each a list.
fn block_node(entries: Vec<(String, Node)>, at: (u32, u32)) -> Node {
    let mut grouped: Vec<(String, Node)> = Vec::new();
    for (name, node) in entries {
        let slot = match grouped.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                grouped.push((
                    name,
                    Node {
                        line: node.line,
                        column: node.column,
                        value: Value::Seq(Vec::new()),
                    },
                ));
                grouped.len() - 1
            }
        };
        if let Value::Seq(items) = &mut grouped[slot].1.value {
            items.push(node);
        }
    }
    Node {
        line: at.0,
        column: at.1,
        value: Value::Map(grouped),
    }
}

/// Parses an nginx configuration into one document (see the module docs).
pub fn parse_nginx(text: &str) -> Result<Node, DocError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lex = Lexer {
        chars: text.chars().peekable(),
        line: 1,
        col: 1,
    };
    let mut stack = vec![Frame {
        entries: Vec::new(),
        owner: None,
    }];
    // The directive being read: its name, arguments, and where it started.
    let mut current: Vec<(String, (u32, u32))> = Vec::new();
    while let Some((tok, at)) = lex.next()? {
        match tok {
            Tok::Word(w) => current.push((w, at)),
            Tok::Semi => {
                let mut words = std::mem::take(&mut current).into_iter();
                let Some((name, start)) = words.next() else {
                    return Err(lex.error(at, "unexpected `;` without a directive"));
                };
                let node = occurrence(words.collect(), start, None);
                if let Some(frame) = stack.last_mut() {
                    frame.entries.push((name, node));
                }
            }
            Tok::Open => {
                let mut words = std::mem::take(&mut current).into_iter();
                let Some((name, start)) = words.next() else {
                    return Err(lex.error(at, "unexpected `{` without a directive name"));
                };
                if stack.len() > MAX_NGINX_DEPTH {
                    return Err(lex.error(
                        at,
                        format!(
                            "blocks nested deeper than {MAX_NGINX_DEPTH} levels; not evaluated"
                        ),
                    ));
                }
                stack.push(Frame {
                    entries: Vec::new(),
                    owner: Some((name, words.collect(), start)),
                });
            }
            Tok::Close => {
                if let Some((w, p)) = current.first() {
                    return Err(
                        lex.error(*p, format!("directive `{}` is missing its `;`", clip(w)))
                    );
                }
                if stack.len() == 1 {
                    return Err(lex.error(at, "unexpected `}` without an open block"));
                }
                let Some(frame) = stack.pop() else {
                    return Err(lex.error(at, "unexpected `}`"));
                };
                let Some((name, args, start)) = frame.owner else {
                    return Err(lex.error(at, "unexpected `}`"));
                };
                // A missing directive is reported at the block's directive.
                let block = block_node(frame.entries, start);
                let node = occurrence(args, start, Some(block));
                if let Some(parent) = stack.last_mut() {
                    parent.entries.push((name, node));
                }
            }
        }
    }
    if let Some((w, p)) = current.first() {
        return Err(lex.error(
            *p,
            format!(
                "unexpected end of file: directive `{}` is missing its `;`",
                clip(w)
            ),
        ));
    }
    if stack.len() > 1 {
        let at = stack
            .last()
            .and_then(|f| f.owner.as_ref().map(|o| o.2))
            .unwrap_or((1, 1));
        return Err(lex.error(at, "unexpected end of file: block is missing its `}`"));
    }
    let root = stack.pop().map(|f| f.entries).unwrap_or_default();
    Ok(block_node(root, (1, 1)))
}

/// Directive names in messages, shortened (a "name" may be any garbage).
fn clip(word: &str) -> String {
    crate::redact::clip(&crate::redact::scrub_line(word), 40)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Selector;

    fn select<'n>(doc: &'n Node, sel: &str) -> Vec<&'n Node> {
        Selector::parse(sel)
            .unwrap()
            .select(doc)
            .into_iter()
            .map(|(_, n)| n)
            .collect()
    }

    fn texts(nodes: &[&Node]) -> Vec<String> {
        nodes.iter().map(|n| n.summary()).collect()
    }

    const CONF: &str = r#"# main
user nginx;
include /etc/nginx/modules/*.conf;
http {
    server_tokens off;
    server {
        listen 80;
        return 301 https://$host$request_uri;
    }
    server {
        listen 443 ssl http2;   # tls
        ssl_certificate "/etc/ssl/a b.pem";
        add_header Strict-Transport-Security 'max-age=63072000; includeSubDomains' always;
        location / {
            proxy_pass http://app;
        }
        location ~ "^/x{2}$" { deny all; }
        set $a "${b}c";
    }
}
"#;

    #[test]
    fn maps_directives_blocks_and_lines() {
        let doc = parse_nginx(CONF).unwrap();
        assert_eq!(texts(&select(&doc, "user[0].args[0]")), ["nginx"]);
        assert_eq!(
            texts(&select(&doc, "include[*].args[0]")),
            ["/etc/nginx/modules/*.conf"]
        );
        let listens = select(&doc, "http[0].block.server[*].block.listen[*].args[0]");
        assert_eq!(texts(&listens), ["80", "443"]);
        assert_eq!(listens[1].line, 11);
        assert_eq!(
            select(&doc, "http[0].block.server[1].block.listen[0].line")[0].summary(),
            "11"
        );
        assert_eq!(
            texts(&select(
                &doc,
                "http[0].block.server[1].block.ssl_certificate[0].args"
            )),
            ["[1 items]"]
        );
        assert_eq!(
            texts(&select(
                &doc,
                "http[0].block.server[1].block.ssl_certificate[0].args[0]"
            )),
            ["/etc/ssl/a b.pem"]
        );
        assert_eq!(
            texts(&select(
                &doc,
                "http[0].block.server[1].block.add_header[0].args[*]"
            )),
            [
                "Strict-Transport-Security",
                "max-age=63072000; includeSubDomains",
                "always"
            ]
        );
        assert_eq!(
            texts(&select(
                &doc,
                "http[0].block.server[1].block.location[*].args[*]"
            )),
            ["/", "~", "^/x{2}$"]
        );
        assert_eq!(
            texts(&select(
                &doc,
                "http[0].block.server[1].block.set[0].args[*]"
            )),
            ["$a", "${b}c"]
        );
        assert_eq!(
            texts(&select(&doc, "http[*].block.server_tokens[*].args[0]")),
            ["off"]
        );
        // A block points at its directive (where a missing directive is reported).
        assert_eq!(select(&doc, "http[0].block")[0].line, 4);
        // No block key on a simple directive.
        assert!(select(&doc, "user[0].block").is_empty());
        assert_eq!(select(&doc, "http[0].block").len(), 1);
    }

    #[test]
    fn errors_have_positions() {
        for (text, line, needle) in [
            ("http {\n  server {\n", 2, "missing its `}`"),
            ("user nginx\n", 1, "missing its `;`"),
            ("}\n", 1, "without an open block"),
            ("a {\n b c }\n", 2, "missing its `;`"),
            ("a \"open\n\n", 1, "unterminated"),
            (";", 1, "without a directive"),
            ("\n{ }", 2, "without a directive name"),
        ] {
            let err = parse_nginx(text).unwrap_err();
            assert_eq!(err.line, line, "{text:?}: {err}");
            assert!(err.message.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let text = "a {".repeat(100_000);
        let err = parse_nginx(&text).unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err}");
        let ok = format!(
            "{}{}",
            "a {".repeat(MAX_NGINX_DEPTH),
            "}".repeat(MAX_NGINX_DEPTH)
        );
        assert!(parse_nginx(&ok).is_ok());
    }

    #[test]
    fn comments_quotes_and_escapes() {
        let doc = parse_nginx("a \"x\\\"y\" 'p#q' r#s; # c { ;\nb \\; ;").unwrap();
        assert_eq!(texts(&select(&doc, "a[0].args[*]")), ["x\"y", "p#q", "r#s"]);
        assert_eq!(texts(&select(&doc, "b[0].args[*]")), ["\\;"]);
        assert!(parse_nginx("").unwrap().get("a").is_none());
        assert!(parse_nginx("\u{feff}# only a comment").is_ok());
    }
}
