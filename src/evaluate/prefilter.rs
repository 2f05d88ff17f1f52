//! One pass over each file for all the content rules and stack detectors routed to it.
//!
//! From each pattern's syntax tree we derive literals such that every match of the
//! pattern contains one of them (compared with ASCII case folded). A file is scanned
//! once for the literals of all its patterns (SIMD Teddy searchers of at most 64
//! literals each, Aho-Corasick where SIMD is missing), and only the patterns whose
//! literals occur run their regex. The derivation may keep a pattern that cannot
//! match, never the reverse; a pattern without a usable literal always runs. So the
//! results are exactly those of running every regex on every file.
//!
//! Two derivations exist per pattern: one for ASCII text (where classes shrink to
//! their ASCII members and non-ASCII literals cannot occur), used for almost every
//! file, and one for any UTF-8 text, built only when a non-ASCII file shows up.

use aho_corasick::{packed, AhoCorasick, AhoCorasickKind, Input, MatchKind, Span};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A class with more members than this is treated as "any character".
const MAX_CLASS: usize = 8;
/// Most literals one run of concatenated exact pieces may expand to.
const MAX_CROSS: usize = 64;
/// Most literals an alternation may collect before it means "anything".
const MAX_ALTERNATION: usize = 256;
/// Shorter required literals are not worth filtering on: the pattern always runs.
const MIN_LITERAL: usize = 3;
/// Literals per Teddy searcher (its limit for good performance).
const GROUP: usize = 64;
/// Up to this many Teddy searchers; beyond, one Aho-Corasick automaton is faster.
const MAX_GROUPS: usize = 2;
/// Words in nearly every source file: a pattern's literal set containing one is a
/// poor filter, so another set of the same pattern is preferred when there is one.
const COMMON_WORDS: &[&str] = &[
    "class", "config", "const", "data", "debug", "def", "error", "export", "exports", "false",
    "from", "func", "function", "http", "https", "import", "limit", "module", "name", "none",
    "null", "package", "path", "print", "require", "return", "self", "string", "test", "this",
    "time", "token", "true", "type", "user", "value",
];

/// What every match of a pattern contains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Required {
    /// The pattern cannot match this kind of text.
    Never,
    /// One of these ASCII-lowercased byte strings.
    AnyOf(Vec<Vec<u8>>),
    /// Nothing useful is known: run the pattern.
    Always,
}

/// Derives the literals of `pattern`; with `ascii_only`, for haystacks known to be
/// ASCII.
pub fn required(pattern: &str, ascii_only: bool) -> Required {
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(pattern) else {
        return Required::Always;
    };
    match extract(&hir, ascii_only) {
        Lits::Never => Required::Never,
        Lits::Any => Required::Always,
        Lits::Exact(s) | Lits::Contains(s) => {
            if s.is_empty() {
                Required::Never
            } else if s.iter().any(|l| l.len() < MIN_LITERAL) {
                Required::Always
            } else {
                Required::AnyOf(s)
            }
        }
    }
}

/// A sub-expression's literals. `Exact`: every match *is* one of the strings (so
/// neighbours can be concatenated to it); `Contains`: every match contains one.
enum Lits {
    Never,
    Any,
    Exact(Vec<Vec<u8>>),
    Contains(Vec<Vec<u8>>),
}

fn normalize(mut set: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    for s in &mut set {
        s.make_ascii_lowercase();
    }
    set.sort_unstable();
    set.dedup();
    set
}

/// Higher is a better filter: usable at all, no very common word, longer shortest
/// literal, then fewer literals. (Any choice is correct; this only decides how often
/// the filter helps.)
fn score(set: &[Vec<u8>]) -> (bool, bool, usize, std::cmp::Reverse<usize>) {
    let shortest = set.iter().map(Vec::len).min().unwrap_or(0);
    let common = set
        .iter()
        .any(|l| COMMON_WORDS.iter().any(|w| w.as_bytes() == l.as_slice()));
    (
        shortest >= MIN_LITERAL,
        !common,
        shortest,
        std::cmp::Reverse(set.len()),
    )
}

fn offer(candidate: Vec<Vec<u8>>, best: &mut Option<Vec<Vec<u8>>>) {
    if best.as_ref().is_none_or(|b| score(&candidate) > score(b)) {
        *best = Some(candidate);
    }
}

/// The members of a small class (case folded, UTF-8 encoded); `None` if it is large.
fn class_members(class: &Class, ascii_only: bool) -> Option<Vec<Vec<u8>>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut add = |mut bytes: Vec<u8>| -> bool {
        bytes.make_ascii_lowercase();
        if !out.contains(&bytes) {
            out.push(bytes);
        }
        out.len() <= MAX_CLASS
    };
    match class {
        Class::Unicode(u) => {
            for r in u.ranges() {
                let end = if ascii_only {
                    r.end().min('\x7f')
                } else {
                    r.end()
                };
                for c in r.start()..=end {
                    if !add(c.to_string().into_bytes()) {
                        return None;
                    }
                }
            }
        }
        Class::Bytes(b) => {
            for r in b.ranges() {
                let end = if ascii_only {
                    r.end().min(0x7f)
                } else {
                    r.end()
                };
                for byte in r.start()..=end {
                    if !add(vec![byte]) {
                        return None;
                    }
                }
            }
        }
    }
    Some(out)
}

fn extract(hir: &Hir, ascii_only: bool) -> Lits {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Lits::Exact(vec![Vec::new()]),
        HirKind::Literal(lit) => {
            if ascii_only && !lit.0.is_ascii() {
                Lits::Never
            } else {
                Lits::Exact(normalize(vec![lit.0.to_vec()]))
            }
        }
        HirKind::Class(class) => match class_members(class, ascii_only) {
            None => Lits::Any,
            Some(m) if m.is_empty() => Lits::Never,
            Some(m) => Lits::Exact(normalize(m)),
        },
        HirKind::Capture(cap) => extract(&cap.sub, ascii_only),
        HirKind::Repetition(rep) => {
            let sub = extract(&rep.sub, ascii_only);
            if rep.min == 0 {
                return match (rep.max, sub) {
                    (_, Lits::Never) => Lits::Exact(vec![Vec::new()]),
                    (Some(1), Lits::Exact(mut s)) => {
                        s.push(Vec::new());
                        Lits::Exact(normalize(s))
                    }
                    _ => Lits::Any,
                };
            }
            match sub {
                Lits::Never => Lits::Never,
                Lits::Any => Lits::Any,
                Lits::Exact(s) if rep.max == Some(1) => Lits::Exact(s),
                Lits::Exact(s) | Lits::Contains(s) => Lits::Contains(s),
            }
        }
        HirKind::Concat(parts) => {
            let mut run: Option<Vec<Vec<u8>>> = Some(vec![Vec::new()]);
            let mut exact = true;
            let mut best = None;
            for part in parts {
                match extract(part, ascii_only) {
                    Lits::Never => return Lits::Never,
                    Lits::Exact(set) => match run.take() {
                        Some(cur) if cur.len() * set.len() <= MAX_CROSS => {
                            let mut next = Vec::with_capacity(cur.len() * set.len());
                            for a in &cur {
                                for b in &set {
                                    let mut s = a.clone();
                                    s.extend_from_slice(b);
                                    next.push(s);
                                }
                            }
                            run = Some(normalize(next));
                        }
                        Some(cur) => {
                            exact = false;
                            offer(cur, &mut best);
                            run = Some(set);
                        }
                        None => run = Some(set),
                    },
                    Lits::Contains(set) => {
                        exact = false;
                        if let Some(cur) = run.take() {
                            offer(cur, &mut best);
                        }
                        offer(set, &mut best);
                    }
                    Lits::Any => {
                        exact = false;
                        if let Some(cur) = run.take() {
                            offer(cur, &mut best);
                        }
                    }
                }
            }
            if exact {
                return Lits::Exact(run.unwrap_or_default());
            }
            if let Some(cur) = run {
                offer(cur, &mut best);
            }
            best.map_or(Lits::Any, Lits::Contains)
        }
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            let mut exact = true;
            let mut possible = false;
            for branch in branches {
                match extract(branch, ascii_only) {
                    Lits::Never => {}
                    Lits::Any => return Lits::Any,
                    Lits::Exact(s) => {
                        possible = true;
                        all.extend(s);
                    }
                    Lits::Contains(s) => {
                        possible = true;
                        exact = false;
                        all.extend(s);
                    }
                }
            }
            if !possible {
                return Lits::Never;
            }
            let all = normalize(all);
            if all.len() > MAX_ALTERNATION {
                Lits::Any
            } else if exact {
                Lits::Exact(all)
            } else {
                Lits::Contains(all)
            }
        }
    }
}

enum Searcher {
    /// SIMD searchers of up to 64 literals each: leftmost match, then resume one
    /// byte further (no literal is a prefix of another, so none is missed).
    Teddy(Vec<(packed::Searcher, Vec<Vec<u32>>)>),
    /// One automaton for many literals, reporting overlapping matches.
    Automaton(AhoCorasick, Vec<Vec<u32>>),
}

/// The literals of a list of patterns ("slots"), searched in one pass.
pub struct LiteralFilter {
    slots: usize,
    always: Vec<u32>,
    filtered: usize,
    searcher: Option<Searcher>,
}

impl LiteralFilter {
    pub fn new(items: &[Required]) -> LiteralFilter {
        let mut always = Vec::new();
        let mut lits: Vec<(Vec<u8>, u32)> = Vec::new();
        let mut filtered = 0;
        for (slot, req) in items.iter().enumerate() {
            let slot = u32::try_from(slot).unwrap_or(u32::MAX);
            match req {
                Required::Never => {}
                Required::Always => always.push(slot),
                Required::AnyOf(set) => {
                    filtered += 1;
                    lits.extend(set.iter().map(|l| (l.clone(), slot)));
                }
            }
        }
        lits.sort_unstable();
        // Drop every literal that has another one as a prefix (its slots go to the
        // prefix, which occurs wherever it does): fewer literals, and at most one
        // starts at any position.
        let mut merged: Vec<(Vec<u8>, Vec<u32>)> = Vec::new();
        for (lit, slot) in lits {
            match merged.last_mut() {
                Some((root, owners)) if lit.starts_with(root) => {
                    if !owners.contains(&slot) {
                        owners.push(slot);
                    }
                }
                _ => merged.push((lit, vec![slot])),
            }
        }
        let searcher = if merged.is_empty() {
            None
        } else {
            let teddy = if merged.len() <= GROUP * MAX_GROUPS {
                teddy_groups(&merged)
            } else {
                None
            };
            match teddy {
                Some(groups) => Some(Searcher::Teddy(groups)),
                None => match AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(merged.iter().map(|(l, _)| l))
                {
                    Ok(a) => Some(Searcher::Automaton(
                        a,
                        merged.iter().map(|(_, o)| o.clone()).collect(),
                    )),
                    Err(_) => {
                        for (_, owners) in &merged {
                            always.extend(owners);
                        }
                        None
                    }
                },
            }
        };
        always.sort_unstable();
        always.dedup();
        LiteralFilter {
            slots: items.len(),
            always,
            filtered,
            searcher,
        }
    }

    /// Marks in `out` (one entry per slot) the patterns that may match `folded`, the
    /// file's text with ASCII letters lowercased.
    fn mark(&self, folded: Option<&[u8]>, out: &mut [bool]) {
        for &s in &self.always {
            out[s as usize] = true;
        }
        let (Some(hay), Some(searcher)) = (folded, &self.searcher) else {
            return;
        };
        let mut remaining = self.filtered;
        // Marks the slots of one literal; false once every slot is marked.
        let mut hit = |owners: &[u32]| -> bool {
            for &slot in owners {
                let seen = &mut out[slot as usize];
                if !*seen {
                    *seen = true;
                    remaining = remaining.saturating_sub(1);
                }
            }
            remaining > 0
        };
        match searcher {
            Searcher::Teddy(groups) => {
                for (teddy, owners) in groups {
                    let mut at = 0;
                    while at < hay.len() {
                        let Some(m) = teddy.find_in(hay, Span::from(at..hay.len())) else {
                            break;
                        };
                        if !hit(&owners[m.pattern().as_usize()]) {
                            return;
                        }
                        at = m.start() + 1;
                    }
                }
            }
            Searcher::Automaton(ac, owners) => {
                for m in ac.find_overlapping_iter(Input::new(hay)) {
                    if !hit(&owners[m.pattern().as_usize()]) {
                        return;
                    }
                }
            }
        }
    }

    fn scans(&self) -> bool {
        self.searcher.is_some()
    }
}

/// Teddy searchers for the literals, or None where the CPU lacks the instructions.
fn teddy_groups(merged: &[(Vec<u8>, Vec<u32>)]) -> Option<Vec<(packed::Searcher, Vec<Vec<u32>>)>> {
    merged
        .chunks(GROUP)
        .map(|chunk| {
            let mut teddy = packed::Config::new()
                .match_kind(packed::MatchKind::LeftmostFirst)
                .builder();
            for (lit, _) in chunk {
                teddy.add(lit);
            }
            let owners = chunk.iter().map(|(_, o)| o.clone()).collect();
            teddy.build().map(|t| (t, owners))
        })
        .collect()
}

thread_local! {
    static FOLDED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

struct Plan {
    ascii: LiteralFilter,
    any_text: OnceLock<LiteralFilter>,
}

/// Per scan: the patterns by id, their literals, and one filter per combination
/// of patterns that files are routed to (built on first use).
pub struct Prefilter {
    patterns: Vec<Option<String>>,
    required: Vec<OnceLock<[Required; 2]>>,
    plans: Mutex<HashMap<Vec<u32>, Arc<Plan>>>,
}

impl Prefilter {
    /// `patterns[id]` is the regex of pattern `id` (None: no pattern).
    pub fn new(patterns: Vec<Option<String>>) -> Prefilter {
        let required = patterns.iter().map(|_| OnceLock::new()).collect();
        Prefilter {
            patterns,
            required,
            plans: Mutex::new(HashMap::new()),
        }
    }

    fn required_of(&self, id: u32, ascii_only: bool) -> Required {
        let id = id as usize;
        let pair = self.required[id].get_or_init(|| match &self.patterns[id] {
            Some(p) => [required(p, true), required(p, false)],
            None => [Required::Never, Required::Never],
        });
        pair[usize::from(!ascii_only)].clone()
    }

    fn plan(&self, ids: &[u32]) -> Arc<Plan> {
        let mut plans = self.plans.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(plan) = plans.get(ids) {
            return Arc::clone(plan);
        }
        let items: Vec<Required> = ids.iter().map(|&id| self.required_of(id, true)).collect();
        let plan = Arc::new(Plan {
            ascii: LiteralFilter::new(&items),
            any_text: OnceLock::new(),
        });
        plans.insert(ids.to_vec(), Arc::clone(&plan));
        plan
    }

    /// Sets `out[k]` when pattern `ids[k]` may match `text`; a pattern left unset
    /// cannot match it.
    pub fn candidates(&self, ids: &[u32], text: &str, out: &mut Vec<bool>) {
        out.clear();
        out.resize(ids.len(), false);
        if ids.is_empty() {
            return;
        }
        let plan = self.plan(ids);
        let filter = if text.is_ascii() {
            &plan.ascii
        } else {
            plan.any_text.get_or_init(|| {
                let items: Vec<Required> =
                    ids.iter().map(|&id| self.required_of(id, false)).collect();
                LiteralFilter::new(&items)
            })
        };
        debug_assert_eq!(filter.slots, ids.len());
        if !filter.scans() {
            filter.mark(None, out);
            return;
        }
        FOLDED.with(|buf| {
            let mut buf = buf.borrow_mut();
            buf.clear();
            buf.extend_from_slice(text.as_bytes());
            buf.make_ascii_lowercase();
            filter.mark(Some(&buf), out);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(pattern: &str) -> Required {
        required(pattern, true)
    }

    fn set(items: &[&str]) -> Required {
        Required::AnyOf(items.iter().map(|s| s.as_bytes().to_vec()).collect())
    }

    #[test]
    fn derives_required_literals() {
        assert_eq!(lits("(?i)sentry|rollbar"), set(&["rollbar", "sentry"]));
        assert_eq!(
            lits(r"delete[_-]?account"),
            set(&["delete-account", "delete_account", "deleteaccount"])
        );
        assert_eq!(
            lits(r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}"),
            set(&["rk_live_", "sk_live_"])
        );
        assert_eq!(lits(r"(?m)^kind:\s*(Deployment|Job)\s*$"), set(&["kind:"]));
        // Nothing long enough to filter on, or only "anything".
        assert_eq!(lits(r"\w+"), Required::Always);
        assert_eq!(lits(r"ab|cde"), Required::Always);
        assert_eq!(lits(r"(?s:.)*"), Required::Always);
        // Non-ASCII literals cannot occur in ASCII text, but can in other text.
        assert_eq!(lits("é+"), Required::Never);
        assert_eq!(required("caf(é|e)", false), set(&["cafe", "café"]));
    }

    #[test]
    fn kelvin_sign_and_long_s_are_kept_for_unicode_text() {
        // (?i)k also matches U+212A and (?i)s matches U+017F.
        let Required::AnyOf(s) = required("(?i)kiss", false) else {
            panic!("expected literals");
        };
        assert!(
            s.contains(&"\u{212a}i\u{17f}\u{17f}".as_bytes().to_vec()),
            "{s:?}"
        );
        assert!(s.contains(&b"kiss".to_vec()), "{s:?}");
    }

    /// The filter never drops a pattern that matches.
    #[test]
    fn candidates_cover_every_match() {
        let patterns = [
            r"(?i)\bsentry|rollbar",
            r"construct_event|constructEvent",
            r"(?m)^DEBUG\s*=\s*True\b",
            r"(?i)stripe[\w./-]{0,40}webhook|webhook[\w./-]{0,40}stripe",
            r"\w+@\w+",
            r"(?i)kelvin",
        ];
        let pre = Prefilter::new(patterns.iter().map(|p| Some(p.to_string())).collect());
        let ids: Vec<u32> = (0..patterns.len() as u32).collect();
        let regexes: Vec<regex::Regex> = patterns
            .iter()
            .map(|p| regex::Regex::new(p).unwrap())
            .collect();
        let texts = [
            "import sentry_sdk\n",
            "SENTRY_DSN=x",
            "x = stripe.Webhook.constructEvent(a)",
            "DEBUG = True\n",
            "debug = true\n",
            "STRIPE_WEBHOOK_SECRET",
            "a webhook for stripe",
            "mail me: a@b",
            "\u{212a}ELVIN",
            "nothing here",
            "",
            "ROLLBAR",
        ];
        let mut out = Vec::new();
        for text in texts {
            pre.candidates(&ids, text, &mut out);
            for (k, re) in regexes.iter().enumerate() {
                if re.is_match(text) {
                    assert!(out[k], "pattern {} dropped for {text:?}", patterns[k]);
                }
            }
        }
        pre.candidates(&ids, "nothing here", &mut out);
        assert_eq!(out, vec![false, false, false, false, true, false]);
    }

    /// Every built-in pattern that matches a file of `fixtures/` (the rule fixtures'
    /// TOML included) is kept by the filter, for ASCII and for non-ASCII text.
    #[test]
    fn builtin_patterns_keep_every_fixture_match() {
        use crate::rules::{load_pack, Check, PackOptions};
        let pack = load_pack(&PackOptions {
            builtin: true,
            ..Default::default()
        })
        .expect("built-in pack loads");
        let mut patterns: Vec<String> = Vec::new();
        for rule in &pack.rules {
            if let Check::Content(c) = &rule.check {
                patterns.push(c.pattern.as_str().to_string());
            }
        }
        patterns.extend(
            pack.stacks
                .iter()
                .filter_map(|s| s.pattern.as_ref().map(|p| p.as_str().to_string())),
        );
        let regexes: Vec<regex::Regex> = patterns
            .iter()
            .map(|p| crate::rules::LazyRegex::deferred(p.clone()).regex().clone())
            .collect();
        let pre = Prefilter::new(patterns.iter().cloned().map(Some).collect());
        let ids: Vec<u32> = (0..patterns.len() as u32).collect();
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        let mut texts = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push(text);
                }
            }
        }
        assert!(texts.len() > 20, "fixtures found: {}", texts.len());
        let mut out = Vec::new();
        let mut kept = 0;
        for text in &texts {
            for t in [text.clone(), format!("\u{e9}{text}")] {
                pre.candidates(&ids, &t, &mut out);
                for (k, re) in regexes.iter().enumerate() {
                    if re.is_match(&t) {
                        kept += 1;
                        assert!(out[k], "pattern {} dropped", patterns[k]);
                    }
                }
            }
        }
        assert!(kept > 100, "only {kept} matches checked");
    }

    /// Past two Teddy searchers' worth of literals, one automaton is used instead.
    #[test]
    fn many_literals_use_the_automaton_and_miss_nothing() {
        let patterns: Vec<String> = (0..300)
            .map(|i| format!("(?i)word{i:03}x|zz{i:03}"))
            .collect();
        let pre = Prefilter::new(patterns.iter().map(|p| Some(p.clone())).collect());
        let ids: Vec<u32> = (0..300).collect();
        let text = "a WORD017X b zz250 c word299x word100";
        let mut out = Vec::new();
        pre.candidates(&ids, text, &mut out);
        let hits: Vec<usize> = (0..300).filter(|&i| out[i]).collect();
        assert_eq!(hits, vec![17, 250, 299]);
        let plan = pre.plan(&ids);
        assert!(matches!(plan.ascii.searcher, Some(Searcher::Automaton(..))));
    }
}
