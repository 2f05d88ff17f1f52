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

/// Higher is a better filter: longer shortest literal, then fewer literals.
fn score(set: &[Vec<u8>]) -> (usize, std::cmp::Reverse<usize>) {
    (
        set.iter().map(Vec::len).min().unwrap_or(0),
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
    Teddy(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Searcher {
    /// The leftmost literal starting at or after `at`: (start, literal index).
    fn find(&self, hay: &[u8], at: usize) -> Option<(usize, usize)> {
        match self {
            Searcher::Teddy(s) => s
                .find_in(hay, Span::from(at..hay.len()))
                .map(|m| (m.start(), m.pattern().as_usize())),
            Searcher::Automaton(a) => a
                .find(Input::new(hay).span(at..hay.len()))
                .map(|m| (m.start(), m.pattern().as_usize())),
        }
    }
}

struct Group {
    searcher: Searcher,
    /// Slots to mark when literal `i` of this group occurs.
    owners: Vec<Vec<u32>>,
}

/// The literals of a list of patterns ("slots"), searched in one pass.
pub struct LiteralFilter {
    slots: usize,
    always: Vec<u32>,
    filtered: usize,
    groups: Vec<Group>,
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
        // prefix, which occurs wherever it does): then at most one literal starts at
        // any position, and "leftmost, then resume one byte further" finds them all.
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
        let mut groups = Vec::new();
        for chunk in merged.chunks(GROUP) {
            let mut teddy = packed::Config::new()
                .match_kind(packed::MatchKind::LeftmostFirst)
                .builder();
            for (lit, _) in chunk {
                teddy.add(lit);
            }
            let searcher = match teddy.build() {
                Some(s) => Searcher::Teddy(s),
                None => match AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(chunk.iter().map(|(l, _)| l))
                {
                    Ok(a) => Searcher::Automaton(a),
                    Err(_) => {
                        for (_, owners) in chunk {
                            always.extend(owners);
                        }
                        continue;
                    }
                },
            };
            groups.push(Group {
                searcher,
                owners: chunk.iter().map(|(_, o)| o.clone()).collect(),
            });
        }
        always.sort_unstable();
        always.dedup();
        LiteralFilter {
            slots: items.len(),
            always,
            filtered,
            groups,
        }
    }

    /// Marks in `out` (one entry per slot) the patterns that may match `folded`, the
    /// file's text with ASCII letters lowercased.
    fn mark(&self, folded: Option<&[u8]>, out: &mut [bool]) {
        for &s in &self.always {
            out[s as usize] = true;
        }
        let Some(hay) = folded else { return };
        let mut remaining = self.filtered;
        for group in &self.groups {
            let mut at = 0;
            while let Some((start, lit)) = group.searcher.find(hay, at) {
                for &slot in &group.owners[lit] {
                    let seen = &mut out[slot as usize];
                    if !*seen {
                        *seen = true;
                        remaining = remaining.saturating_sub(1);
                        if remaining == 0 {
                            return;
                        }
                    }
                }
                at = start + 1;
                if at >= hay.len() {
                    break;
                }
            }
        }
    }
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
        if filter.groups.is_empty() {
            filter.mark(None, out);
            return;
        }
        FOLDED.with(|buf| {
            let mut buf = buf.borrow_mut();
            buf.clear();
            buf.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
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
        let Required::AnyOf(s) = required("(?i)ks", false) else {
            panic!("expected literals");
        };
        assert!(s.contains(&"\u{212a}\u{17f}".as_bytes().to_vec()), "{s:?}");
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
}
