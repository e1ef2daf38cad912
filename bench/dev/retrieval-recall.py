#!/usr/bin/env python3
"""Dev-only check (issue 21): recompute retrieval metrics from `--export-features` output with numpy and
compare with the harness's results.json. Not needed by the product or its tests.

Caption retrieval (CLIP_benchmark metrics/zeroshot_retrieval.py): scores = texts @ images.T on L2-normalised
rows; image_retrieval_recall@k = share of captions whose image is in their top k; text_retrieval_recall@k =
share of images with at least one caption in their top k; median rank of the first relevant item.
Class retrieval: text_features.npy holds the class embeddings; AP per class (sklearn's average_precision_score
when available, which equals the mean precision at each relevant rank when scores have no ties), mAP.

  python3 bench/dev/retrieval-recall.py <export-dir>/<dataset> <results.json>
"""
import json
import sys

import numpy as np


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def caption(d, rec):
    images = unit(np.load(f"{d}/test_features.npy").astype(np.float64))
    texts = unit(np.load(f"{d}/text_features.npy").astype(np.float64))
    cap_img = np.load(f"{d}/caption_image.npy")
    s = texts @ images.T
    own = s[np.arange(len(texts)), cap_img]
    mask = np.zeros_like(s, dtype=bool)
    mask[np.arange(len(texts)), cap_img] = True
    # Rank of the first relevant item; ties go to the lower index (a stable sort's order).
    idx_i = np.arange(len(images))
    idx_t = np.arange(len(texts))
    img_rank = 1 + (((s > own[:, None]) | ((s == own[:, None]) & (idx_i[None, :] < cap_img[:, None]))) & ~mask).sum(1)
    best = np.full(len(images), -np.inf)
    np.maximum.at(best, cap_img, own)
    first = np.array([idx_t[(cap_img == i) & (own == best[i])].min() for i in idx_i])
    st = s.T
    txt_rank = 1 + (((st > best[:, None]) | ((st == best[:, None]) & (idx_t[None, :] < first[:, None]))) & ~mask.T).sum(1)
    out = {}
    for k in rec["ks"]:
        # CLIP_benchmark's formulation: the top-k indices (a stable sort here: ties to the lower index), then
        # "at least one positive among them".
        top_i = np.argsort(-s, axis=1, kind="stable")[:, :k]
        out[f"image_retrieval_recall@{k}"] = float(mask[idx_t[:, None], top_i].any(1).mean())
        top_t = np.argsort(-st, axis=1, kind="stable")[:, :k]
        out[f"text_retrieval_recall@{k}"] = float(mask.T[idx_i[:, None], top_t].any(1).mean())
        assert np.array_equal(img_rank <= k, mask[idx_t[:, None], top_i].any(1)), "ranks and top-k disagree"
    out["image_retrieval_median_rank"] = float(np.median(img_rank))
    out["text_retrieval_median_rank"] = float(np.median(txt_rank))
    return out


def classes(d, rec):
    feats = unit(np.load(f"{d}/test_features.npy").astype(np.float64))
    labels = np.load(f"{d}/test_labels.npy")
    w = unit(np.load(f"{d}/text_features.npy").astype(np.float64))
    s = feats @ w.T
    try:
        from sklearn.metrics import average_precision_score as ap_fn
    except ImportError:
        ap_fn = None
    aps = []
    for c in range(w.shape[0]):
        y = labels == c
        if not y.any():
            continue
        if ap_fn:
            aps.append(ap_fn(y, s[:, c]))
        else:
            order = np.argsort(-s[:, c], kind="stable")
            hits = y[order]
            prec = np.cumsum(hits) / np.arange(1, len(hits) + 1)
            aps.append(prec[hits].mean())
    return {"mAP": float(np.mean(aps))}


def main():
    d, results = sys.argv[1], sys.argv[2]
    r = json.load(open(results))
    name = d.rstrip("/").split("/")[-1]
    rec = next(x for x in r["retrieval"] if x["dataset"] == name or x["dataset"].endswith(name))
    ours = caption(d, rec) if rec["kind"] == "caption" else classes(d, rec)
    worst = 0.0
    for k, v in ours.items():
        h = rec["metrics"][k]["mean"]
        worst = max(worst, abs(h - v))
        print(f"{k:32s} numpy {v:.6f}  harness {h:.6f}  |diff| {abs(h - v):.2e}")
    print(f"{rec['dataset']} ({rec['kind']}): max |diff| {worst:.2e}")
    sys.exit(0 if worst < 1e-6 else 1)


if __name__ == "__main__":
    main()
