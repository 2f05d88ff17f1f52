//! "Did you mean" matching between variable names.

use std::collections::HashMap;

/// Segments that commonly get added to or dropped from a variable name
/// (`STRIPE_SECRET` vs `STRIPE_SECRET_KEY`, `PORT` vs `APP_PORT`).
const COMMON_AFFIXES: &[&str] = &[
    "KEY", "KEYS", "SECRET", "TOKEN", "URL", "URI", "DSN", "HOST", "HOSTNAME", "PORT", "ADDR",
    "ADDRESS", "ENDPOINT", "ID", "NAME", "PATH", "DIR", "FILE", "PASS", "PASSWORD", "PWD", "USER",
    "USERNAME", "ENABLED", "ENABLE", "DISABLED", "MODE", "LEVEL", "TIMEOUT", "TTL", "SIZE",
    "LIMIT", "MAX", "MIN", "COUNT", "APP", "API", "SERVER", "SERVICE", "CLIENT", "PUBLIC",
    "PRIVATE", "ENV", "CONFIG", "CFG", "DEFAULT", "PROD", "DEV",
];

/// Framework prefixes that expose a variable to front-end bundles; `API_URL`
/// and `NEXT_PUBLIC_API_URL` are the same setting.
const FRAMEWORK_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "REACT_APP_",
    "VITE_",
    "EXPO_PUBLIC_",
    "NUXT_PUBLIC_",
    "NUXT_",
    "GATSBY_",
    "PUBLIC_",
    "VUE_APP_",
];

/// Names longer than this are only compared by case and affixes.
const MAX_EDIT_LEN: usize = 64;

/// Whether two variable names are plausibly the same setting, for "did you
/// mean" hints. True when the names
/// - are equal ignoring case (identical names count as similar);
/// - differ by one `_`-separated prefix or suffix segment
///   (`STRIPE_SECRET` / `STRIPE_SECRET_KEY`): any segment when the shared part
///   has at least two segments, otherwise only a common one (`KEY`, `URL`,
///   `APP`, …) — or by a front-end framework prefix (`VITE_`, `NEXT_PUBLIC_`);
/// - are within Damerau-Levenshtein distance 2 (case-insensitive) when both
///   have at least 8 chars, or distance 1 when the shorter has 4 to 7 chars.
///   Names under 4 chars only match by case.
pub fn similar_names(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return !a.is_empty();
    }
    let ua = a.to_ascii_uppercase();
    let ub = b.to_ascii_uppercase();
    if ua.is_empty() || ub.is_empty() {
        return false;
    }
    if affix_similar(&ua, &ub) {
        return true;
    }
    let ca: Vec<char> = ua.chars().collect();
    let cb: Vec<char> = ub.chars().collect();
    let shorter = ca.len().min(cb.len());
    let longer = ca.len().max(cb.len());
    if shorter < 4 || longer > MAX_EDIT_LEN {
        return false;
    }
    let limit = if shorter >= 8 { 2 } else { 1 };
    if longer - shorter > limit {
        return false;
    }
    damerau_levenshtein(&ca, &cb) <= limit
}

fn strip_framework_prefix(s: &str) -> &str {
    for p in FRAMEWORK_PREFIXES {
        if let Some(rest) = s.strip_prefix(p) {
            if !rest.is_empty() {
                return rest;
            }
        }
    }
    s
}

fn affix_similar(a: &str, b: &str) -> bool {
    let sa = strip_framework_prefix(a);
    let sb = strip_framework_prefix(b);
    if (sa != a || sb != b) && sa == sb {
        return true;
    }
    let segs_a: Vec<&str> = a.split('_').filter(|s| !s.is_empty()).collect();
    let segs_b: Vec<&str> = b.split('_').filter(|s| !s.is_empty()).collect();
    let (short, long) = if segs_a.len() < segs_b.len() {
        (segs_a, segs_b)
    } else {
        (segs_b, segs_a)
    };
    if short.is_empty() || long.len() != short.len() + 1 {
        return false;
    }
    let extra = if long[1..] == short[..] {
        long[0]
    } else if long[..short.len()] == short[..] {
        long[short.len()]
    } else {
        return false;
    };
    if short.len() >= 2 {
        return true;
    }
    COMMON_AFFIXES.contains(&extra) && short[0].len() >= 3
}

/// Unrestricted Damerau-Levenshtein distance (Lowrance-Wagner).
fn damerau_levenshtein(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let maxd = n + m;
    let w = m + 2;
    let mut d = vec![0usize; (n + 2) * w];
    d[0] = maxd;
    for i in 0..=n {
        d[(i + 1) * w] = maxd;
        d[(i + 1) * w + 1] = i;
    }
    for j in 0..=m {
        d[j + 1] = maxd;
        d[w + j + 1] = j;
    }
    let mut last_row: HashMap<char, usize> = HashMap::new();
    for i in 1..=n {
        let mut last_match_col = 0;
        for j in 1..=m {
            let i1 = *last_row.get(&b[j - 1]).unwrap_or(&0);
            let j1 = last_match_col;
            let cost = if a[i - 1] == b[j - 1] {
                last_match_col = j;
                0
            } else {
                1
            };
            let sub = d[i * w + j] + cost;
            let ins = d[(i + 1) * w + j] + 1;
            let del = d[i * w + j + 1] + 1;
            let trans = d[i1 * w + j1] + (i - i1 - 1) + 1 + (j - j1 - 1);
            d[(i + 1) * w + j + 1] = sub.min(ins).min(del).min(trans);
        }
        last_row.insert(a[i - 1], i);
    }
    d[(n + 1) * w + m + 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dl(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        damerau_levenshtein(&a, &b)
    }

    #[test]
    fn distance() {
        assert_eq!(dl("", ""), 0);
        assert_eq!(dl("abc", ""), 3);
        assert_eq!(dl("kitten", "sitting"), 3);
        assert_eq!(dl("ca", "abc"), 2); // OSA would say 3
        assert_eq!(dl("DATABASE_URL", "DATABSAE_URL"), 1);
        assert_eq!(dl("API_KEY", "API_KYE"), 1);
    }

    #[test]
    fn similar() {
        let yes = [
            ("DATABASE_URL", "database_url"),
            ("Database_Url", "DATABASE_URL"),
            ("DATABASE_URL", "DATABASE_URL"),
            ("STRIPE_SECRET", "STRIPE_SECRET_KEY"),
            ("STRIPE_SECRET_KEY", "STRIPE_SECRET"),
            ("REDIS", "REDIS_URL"),
            ("PORT", "APP_PORT"),
            ("SENTRY_DSN", "APP_SENTRY_DSN"),
            ("AWS_REGION", "AWS_REGION_NAME"),
            ("API_URL", "NEXT_PUBLIC_API_URL"),
            ("VITE_API_URL", "API_URL"),
            ("DATABASE_URL", "DATABSE_URL"),
            ("DATABASE_URL", "DATABASE_ULR"),
            ("DATABASE_URL", "DATA_BASE_URLS"),
            ("API_KEY", "API_KYE"),
            ("API_KEY", "APIKEY"),
            ("SMTP_HOST", "SMPT_HOST"),
        ];
        for (a, b) in yes {
            assert!(similar_names(a, b), "{a} ~ {b}");
            assert!(similar_names(b, a), "{b} ~ {a}");
        }
        let no = [
            ("DB_HOST", "DB_PORT"),
            ("API_KEY", "API_URL"),
            ("A", "B"),
            ("DB", "DC"),
            ("X", "X_Y"),
            ("PORT", "SORT_ORDER"),
            ("HOST", "PORT"),
            ("DATABASE_URL", "REDIS_URL"),
            ("STRIPE_SECRET_KEY", "STRIPE_PUBLIC_KEY"),
            ("STRIPE", "STRIPE_WEBHOOK"),
            ("", ""),
            ("", "A"),
            ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
        ];
        for (a, b) in no {
            assert!(!similar_names(a, b), "{a} !~ {b}");
            assert!(!similar_names(b, a), "{b} !~ {a}");
        }
    }
}
