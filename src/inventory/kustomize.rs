//! Which files a Kustomization merges into its bases as patches. A patch
//! (`ingress-patch.yaml` under `patchesStrategicMerge:`) carries only the fields it
//! changes: judged alone it "lacks" the probes, limits and TLS its base has, so no rule
//! judges it as a whole resource.

use crate::doc::{Node, Scalar, Value};
use crate::inventory::classify::{file_name, normalize, parent_dir};

/// Whether a file is a Kustomization by name.
pub fn is_kustomization(path: &str) -> bool {
    matches!(
        file_name(path),
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// The patch files a Kustomization names, relative to the target root:
/// `patchesStrategicMerge: [file]`, `patches: [{path: file}]` (or a bare file name) and
/// `patchesJson6902: [{path: file}]`. Inline patches and remote ones are no files here.
pub fn patch_files(path: &str, docs: &[Node]) -> Vec<String> {
    let dir = parent_dir(path);
    let mut out = Vec::new();
    for doc in docs {
        for key in ["patchesStrategicMerge", "patches", "patchesJson6902"] {
            let Some(Value::Seq(items)) = doc.get(key).map(|n| &n.value) else {
                continue;
            };
            for item in items {
                let named = match &item.value {
                    Value::Scalar(Scalar::Str(s)) => Some(s.as_str()),
                    Value::Map(_) => match item.get("path").map(|p| &p.value) {
                        Some(Value::Scalar(Scalar::Str(s))) => Some(s.as_str()),
                        _ => None,
                    },
                    _ => None,
                };
                // An inline strategic-merge patch is a block of YAML, not a file name.
                let Some(named) = named.filter(|s| !s.contains('\n') && !s.contains("://")) else {
                    continue;
                };
                if let Some(resolved) = normalize(&[dir, named]) {
                    out.push(resolved);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{parse_documents, DocFormat};

    #[test]
    fn patches_of_every_form() {
        let yaml = "resources:\n  - ../../base/hanko\npatchesStrategicMerge:\n  - ingress-patch.yaml\n  - |-\n    apiVersion: v1\n    kind: Service\npatches:\n  - path: env-patch.yaml\n    target: {kind: Deployment}\n  - patch: |-\n      - op: replace\n  - ../common/replicas.yaml\npatchesJson6902:\n  - target: {kind: Ingress}\n    path: json/host.yaml\n";
        let docs = parse_documents(DocFormat::Yaml, yaml).expect("test YAML parses");
        assert_eq!(
            patch_files("deploy/k8s/overlays/x/kustomization.yaml", &docs),
            [
                "deploy/k8s/overlays/x/ingress-patch.yaml",
                "deploy/k8s/overlays/x/env-patch.yaml",
                "deploy/k8s/overlays/common/replicas.yaml",
                "deploy/k8s/overlays/x/json/host.yaml",
            ]
        );
        assert!(is_kustomization("k/kustomization.yml"));
        assert!(!is_kustomization("k/deployment.yaml"));
    }
}
