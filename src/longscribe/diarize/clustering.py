"""Voice embeddings to speakers: average-linkage agglomerative clustering on cosine distance.

Deterministic (no random start), O(n²) memory in the number of embeddings clustered; the
pipeline clusters at most ``MAX_CLUSTERED`` of them and assigns the rest to the nearest
centroid, so hours of audio cost what minutes do.
"""

from __future__ import annotations

import numpy as np

MAX_CLUSTERED = 1500
FEW = 5
"""Embeddings of a voice few enough that a voice close to it takes it in (:data:`CLOSE`)."""
CLOSE = 0.73
"""Cosine similarity of centroids at which a voice of :data:`FEW` embeddings is taken into another.
Both were chosen on the tuning recordings (docs/benchmarks.md, "Speakers")."""


def merge_distances(embeddings: np.ndarray) -> tuple[list[tuple[int, int]], list[float]]:
    """Average-linkage merges of unit-length ``embeddings``, closest first: the pairs merged (as the
    index of each cluster's first member) and the cosine distance at which each merge happened."""
    n = len(embeddings)
    distance = 1.0 - embeddings @ embeddings.T
    np.fill_diagonal(distance, np.inf)
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    merges: list[tuple[int, int]] = []
    heights: list[float] = []
    for _ in range(n - 1):
        flat = int(np.argmin(distance))
        a, b = divmod(flat, n)
        a, b = min(a, b), max(a, b)
        heights.append(float(distance[a, b]))
        merges.append((a, b))
        merged = (distance[a] * size[a] + distance[b] * size[b]) / (size[a] + size[b])
        size[a] += size[b]
        alive[b] = False
        merged[~alive] = np.inf
        merged[a] = np.inf
        distance[a], distance[:, a] = merged, merged
        distance[b], distance[:, b] = np.inf, np.inf
    return merges, heights


def labels_after(n: int, merges: list[tuple[int, int]], clusters: int) -> np.ndarray:
    """Cluster labels 0..clusters-1 (in order of first member) after the first ``n - clusters`` merges."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in merges[: n - clusters]:
        parent[root(b)] = root(a)
    roots = [root(i) for i in range(n)]
    order = {r: k for k, r in enumerate(dict.fromkeys(roots))}
    return np.array([order[r] for r in roots], dtype=np.int64)


def cluster(
    embeddings: np.ndarray,
    *,
    threshold: float,
    num_speakers: int | None = None,
    min_speakers: int = 1,
    max_speakers: int | None = None,
    min_cluster_size: int = 3,
    places: np.ndarray | None = None,
    min_spread: float = 0.0,
) -> np.ndarray:
    """A speaker label for each unit-length embedding: as many speakers as merging closer than
    ``threshold`` leaves, kept within ``min_speakers..max_speakers``; or ``num_speakers``, when given:
    from that estimate, the voices of fewest embeddings given to their nearest while there are too
    many, the finest cut with that many when there are too few.

    A cluster of fewer than ``min_cluster_size`` embeddings is not a speaker (a cough, a laugh, a
    stretch the segmentation cut badly): its members go to the nearest speaker's centroid. Nor is
    one whose embeddings' ``places`` (where each was heard) all lie within ``min_spread`` of each
    other: one short sound seen by several overlapping windows."""
    n = len(embeddings)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if num_speakers is not None:  # a given count corrects the estimate: too many, the fewest go
        estimate = cluster(embeddings, threshold=threshold, min_cluster_size=min_cluster_size, places=places,
                           min_spread=min_spread)  # fmt: skip
        if estimate.max() + 1 >= num_speakers:
            return _fewest_to_nearest(embeddings, estimate, num_speakers)
    merges, heights = merge_distances(embeddings)
    labels = labels_after(n, merges, n - sum(1 for h in heights if h < threshold))
    target = num_speakers
    if target is None:
        found = len(_large(labels, min_cluster_size, places, min_spread))
        target = max(found, min_speakers)
        if max_speakers is not None:
            target = min(target, max_speakers)
    target = max(1, min(target, n))
    if len(_large(labels, min_cluster_size, places, min_spread)) != target:
        labels = labels_after(n, merges, target)
        for clusters in range(target, min(n, target + 64) + 1):  # the finest cut with ``target`` speakers
            candidate = labels_after(n, merges, clusters)
            large = len(_large(candidate, min_cluster_size, places, min_spread))
            if large == target:
                labels = candidate
                break
            if large > target:
                break
    speakers = _large(labels, min_cluster_size, places, min_spread) or list(range(int(labels.max()) + 1))
    means = centroids(embeddings, labels)[speakers]
    nearest = np.asarray(speakers)[np.argmax(embeddings @ means.T, axis=1)]
    keep = np.isin(labels, speakers)
    labels = np.where(keep, labels, nearest)
    if num_speakers is None:
        labels = _absorb_close(embeddings, labels, min_speakers)
    return _in_order(labels)


def _fewest_to_nearest(embeddings: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """Labels 0..count-1 (in order of first member) after the voice of fewest embeddings, again and
    again, gives each of them to the nearest other voice, until ``count`` are left."""
    labels = labels.copy()
    while len(np.unique(labels)) > count:
        kept, index = np.unique(labels, return_inverse=True)
        fewest = int(np.argmin(np.bincount(index)))
        others = np.delete(np.arange(len(kept)), fewest)
        means = centroids(embeddings, index)[others]
        members = labels == kept[fewest]
        labels[members] = kept[others[np.argmax(embeddings[members] @ means.T, axis=1)]]
    return _in_order(labels)


def _in_order(labels: np.ndarray) -> np.ndarray:
    """The same partition, numbered 0, 1, ... in order of first member."""
    order = {old: new for new, old in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[x] for x in labels.tolist()], dtype=np.int64)


def _absorb_close(embeddings: np.ndarray, labels: np.ndarray, min_speakers: int) -> np.ndarray:
    """Labels after each voice of at most :data:`FEW` embeddings whose centroid is within
    :data:`CLOSE` of another voice's is taken into that one (the closest pair first), while more
    than ``min_speakers`` voices are left: one voice's stray stretches (another room, another day)
    are not voices of their own, and a voice heard briefly but unlike the others stays."""
    labels = labels.copy()
    while len(np.unique(labels)) > max(min_speakers, 1):
        kept, similar, sizes = _alike(embeddings, labels)
        few = [(similar[c].max(), c) for c in range(len(kept)) if sizes[c] <= FEW and similar[c].max() >= CLOSE]
        if not few:
            break
        _, c = max(few)
        labels[labels == kept[c]] = kept[int(np.argmax(similar[c]))]
    return labels


def _alike(embeddings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The labels in use, their centroids' cosine similarities (-2 on the diagonal) and their sizes."""
    kept = np.unique(labels)
    index = np.searchsorted(kept, labels)
    means = centroids(embeddings, index)
    similar = means @ means.T
    np.fill_diagonal(similar, -2.0)
    return kept, similar, np.bincount(index)


def _large(labels: np.ndarray, min_size: int, places: np.ndarray | None, min_spread: float) -> list[int]:
    sizes = np.bincount(labels)
    return [k for k, size in enumerate(sizes) if size >= min_size
            and (places is None or np.ptp(places[labels == k]) >= min_spread)]  # fmt: skip


def centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The unit-length mean embedding of each label."""
    means = np.stack([embeddings[labels == k].mean(axis=0) for k in range(int(labels.max()) + 1)])
    return np.asarray(means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9))
