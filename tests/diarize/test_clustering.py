"""Clustering voice embeddings into speakers: counts, bounds, small clusters, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from longscribe.diarize import DiarizeOptions
from longscribe.diarize.clustering import cluster
from longscribe.errors import OptionsError


def voices(sizes: list[int], spread: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around one random direction per voice (192 numbers, as CAM++ gives), in random order."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((len(sizes), 192))
    truth = np.repeat(np.arange(len(sizes)), sizes)
    points = centres[truth] / np.linalg.norm(centres[truth], axis=1, keepdims=True)
    points = points + spread * rng.standard_normal(points.shape) / np.sqrt(192)
    order = rng.permutation(len(truth))
    points = points[order] / np.linalg.norm(points[order], axis=1, keepdims=True)
    return points.astype(np.float32), truth[order]


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a[:, None] == a[None, :], b[:, None] == b[None, :]))


def test_the_number_of_voices_is_found_and_every_embedding_goes_to_its_own() -> None:
    points, truth = voices([30, 12, 20, 5])
    labels = cluster(points, threshold=0.4)
    assert same_partition(labels, truth)
    assert labels[0] == 0 and list(dict.fromkeys(labels.tolist())) == list(range(4)), "numbered as they appear"
    assert np.array_equal(labels, cluster(points, threshold=0.4)), "the same input gives the same labels"


def test_a_given_count_and_bounds_are_kept() -> None:
    points, _ = voices([30, 12, 20, 5])
    assert len(set(cluster(points, threshold=0.4, num_speakers=2).tolist())) == 2
    assert len(set(cluster(points, threshold=0.4, max_speakers=3).tolist())) == 3
    assert len(set(cluster(points, threshold=0.4, min_speakers=4).tolist())) == 4
    one, _ = voices([40])
    assert len(set(cluster(one, threshold=0.4, min_speakers=2).tolist())) == 2
    assert len(set(cluster(one, threshold=0.4).tolist())) == 1


def test_a_cluster_smaller_than_the_minimum_is_not_a_speaker() -> None:
    points, truth = voices([30, 25, 2], seed=3)
    labels = cluster(points, threshold=0.4, min_cluster_size=3)
    assert len(set(labels.tolist())) == 2
    big = truth < 2
    assert same_partition(labels[big], truth[big]), "the two real voices stay apart"
    assert len(set(cluster(points, threshold=0.4, min_cluster_size=2).tolist())) == 3


def test_nothing_to_cluster_is_no_speaker() -> None:
    assert cluster(np.zeros((0, 192), dtype=np.float32), threshold=0.4).shape == (0,)


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"num_speakers": 0}, "num_speakers"),
        ({"min_speakers": 5, "max_speakers": 2}, "max_speakers"),
        ({"min_speakers": 0}, "min_speakers"),
        ({"threshold": 0.0}, "threshold"),
        ({"hop_seconds": 20.0}, "hop_seconds"),
        ({"num_speakers": True}, "num_speakers"),
        ({"speaker_names": ("Ana", "Ana")}, "speaker_names"),
        ({"speaker_names": ("Ana", "")}, "speaker_names"),
        ({"speaker_names": "Ana"}, "speaker_names"),
        ({"models": " "}, "models"),
    ],
)
def test_bad_options_name_the_field(fields: dict[str, object], name: str) -> None:
    with pytest.raises(OptionsError) as caught:
        DiarizeOptions(**fields)  # type: ignore[arg-type]
    assert caught.value.field == name


def test_a_voice_heard_in_one_place_only_is_not_a_speaker() -> None:
    """Four embeddings of one short sound (the windows overlapping it each embed it) are a cluster
    of four, but heard within one window's length: they go to the voice heard all along."""
    points, truth = voices([40, 4])
    places = np.where(truth == 0, np.arange(len(truth)) * 40_000, 400_000 + (truth == 1).cumsum() * 40_000)
    assert len(set(cluster(points, threshold=0.4).tolist())) == 2, "without places: two voices"
    labels = cluster(points, threshold=0.4, places=places, min_spread=160_000)
    assert set(labels.tolist()) == {0}
    spread_out = np.where(truth == 1, (truth == 1).cumsum() * 400_000, places)
    assert same_partition(cluster(points, threshold=0.4, places=spread_out, min_spread=160_000), truth)


def test_a_few_embeddings_close_to_a_voice_join_it_and_a_few_unlike_any_stay_a_voice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """40 embeddings of one voice, 4 around a direction near it (centroids 0.8 alike: the same voice
    in another room), 4 unlike either (a brief second speaker): three clusters by the threshold, two
    voices in the end; the brief one survives, and stays with the count given."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal(192)
    a /= np.linalg.norm(a)
    side = rng.standard_normal(192)
    side -= side @ a * a
    side /= np.linalg.norm(side)
    far = rng.standard_normal(192)

    def group(centre: np.ndarray, n: int) -> np.ndarray:
        points = centre / np.linalg.norm(centre) + 0.7 * rng.standard_normal((n, 192)) / np.sqrt(192)
        return points / np.linalg.norm(points, axis=1, keepdims=True)

    points = np.concatenate([group(a, 40), group(0.88 * a + 0.475 * side, 4), group(far, 4)]).astype(np.float32)
    labels = cluster(points, threshold=0.4)
    assert labels.tolist() == [0] * 44 + [1] * 4
    assert cluster(points, threshold=0.4, min_speakers=3).tolist() == [0] * 40 + [1] * 4 + [2] * 4
    assert cluster(points, threshold=0.4, num_speakers=2).tolist() == [0] * 44 + [1] * 4
    monkeypatch.setattr("longscribe.diarize.clustering.CLOSE", 2.0)  # nothing is close enough
    assert cluster(points, threshold=0.4).tolist() == [0] * 40 + [1] * 4 + [2] * 4


def test_with_a_count_given_the_voice_heard_least_goes_not_two_alike_voices() -> None:
    """Two voices of 40 and 30 embeddings, somewhat alike (centroids 0.5 apart), and 4 unlike
    either (a cough the segmentation took for a voice): told there are two, the 4 go to their
    nearest and the two voices stay apart (merging the two most alike would join them)."""
    rng = np.random.default_rng(2)
    a, side, far = rng.standard_normal((3, 192))
    a /= np.linalg.norm(a)
    side -= side @ a * a
    side /= np.linalg.norm(side)

    def group(centre: np.ndarray, n: int) -> np.ndarray:
        points = centre / np.linalg.norm(centre) + 0.5 * rng.standard_normal((n, 192)) / np.sqrt(192)
        return points / np.linalg.norm(points, axis=1, keepdims=True)

    points = np.concatenate([group(a, 40), group(0.5 * a + 0.866 * side, 30), group(far, 4)]).astype(np.float32)
    assert len(set(cluster(points, threshold=0.4).tolist())) == 3
    labels = cluster(points, threshold=0.4, num_speakers=2)
    assert labels[:40].tolist() == [0] * 40 and labels[40:70].tolist() == [1] * 30, labels
