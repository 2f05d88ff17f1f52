//! Which files of the repository a Dockerfile bakes into its image: the sources its
//! `COPY` and `ADD` instructions name. A web-server configuration copied into an
//! application image (`COPY nginx.conf /etc/nginx/nginx.conf`) is that image's internal
//! server, which listens behind whatever edge the operator puts in front of it.

/// Repository paths a Dockerfile at `dockerfile_path` copies, each as written and also
/// relative to the Dockerfile's folder, since the build context may be either. Whole
/// contexts (`COPY . .`), globs, variables, URLs and files taken from other stages or
/// images (`--from=`) are left out: they name nothing in particular.
pub fn copied_sources(dockerfile_path: &str, text: &str) -> Vec<String> {
    let dir = dockerfile_path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(instruction) = words.next() else {
            continue;
        };
        if !(instruction.eq_ignore_ascii_case("COPY") || instruction.eq_ignore_ascii_case("ADD")) {
            continue;
        }
        let rest: Vec<&str> = words.collect();
        if rest.iter().any(|w| w.starts_with("--from")) {
            continue;
        }
        let args: Vec<String> = match rest.iter().position(|w| w.starts_with('[')) {
            Some(i) => json_args(&rest[i..].join(" ")),
            None => rest
                .iter()
                .filter(|w| !w.starts_with("--") && **w != "\\")
                .map(|w| w.to_string())
                .collect(),
        };
        let Some((_, sources)) = args.split_last() else {
            continue;
        };
        for source in sources {
            let source = source.trim_start_matches("./").trim_end_matches('/');
            if source.is_empty()
                || source == "."
                || source.starts_with('/')
                || source.contains("..")
                || source.contains(['*', '?', '[', '$'])
                || source.contains("://")
            {
                continue;
            }
            out.push(source.to_string());
            if !dir.is_empty() {
                out.push(format!("{dir}/{source}"));
            }
        }
    }
    out
}

/// The strings of the exec form `["nginx.conf", "/etc/nginx/nginx.conf"]`.
fn json_args(text: &str) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(text.trim()).unwrap_or_default()
}

/// Whether `path` is one of the copied sources or lies in a copied folder.
pub fn is_copied(path: &str, copied: &std::collections::BTreeSet<String>) -> bool {
    copied.contains(path)
        || path
            .match_indices('/')
            .any(|(i, _)| copied.contains(&path[..i]))
}

#[cfg(test)]
mod tests {
    use super::{copied_sources, is_copied};

    #[test]
    fn sources_of_copy_and_add() {
        let text = "FROM php:8.3-fpm-alpine\nCOPY . .\nCOPY nginx.conf /etc/nginx/nginx.conf\n\
                    COPY --chown=www-data:www-data docker/etc/ /etc/\n\
                    COPY --from=build /app/dist /usr/share/nginx/html\n\
                    ADD [\"conf/site.conf\", \"/etc/nginx/http.d/\"]\nCOPY *.json ./\n\
                    ADD https://example.com/x.tar.gz /tmp/\nCOPY ${CONF} /etc/\n";
        assert_eq!(
            copied_sources("Dockerfile", text),
            ["nginx.conf", "docker/etc", "conf/site.conf"]
        );
        assert_eq!(
            copied_sources(
                "src/store-front/Dockerfile",
                "COPY nginx.conf /etc/nginx/conf.d/\n"
            ),
            ["nginx.conf", "src/store-front/nginx.conf"]
        );
    }

    #[test]
    fn files_in_copied_folders() {
        let copied = ["docker/etc".to_string(), "nginx.conf".to_string()]
            .into_iter()
            .collect();
        assert!(is_copied("nginx.conf", &copied));
        assert!(is_copied("docker/etc/nginx/nginx.conf", &copied));
        assert!(!is_copied("docker/etcetera/nginx.conf", &copied));
        assert!(!is_copied("deploy/nginx.conf", &copied));
    }
}
