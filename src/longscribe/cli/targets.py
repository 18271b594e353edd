"""What each input of ``transcribe`` becomes: a file, a recording at a URL, or a feed's chosen
episodes, each with the folder and name its outputs get."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from longscribe.cli.inputs import Inputs, output_names
from longscribe.errors import InputError, OptionsError
from longscribe.sources import (
    AUDIO,
    FEED,
    PAGE,
    Episode,
    Fetcher,
    choose,
    is_url,
    parse_feed,
    resolve_page,
    safe_name,
    url_name,
)

FEED_SUFFIXES = frozenset((".xml", ".rss", ".atom"))
"""Local files read as feeds, not audio."""


@dataclass(frozen=True)
class FeedChoice:
    """Which episodes of a feed: ``--latest N``, ``--since DATE``, ``--all`` (none given: a feed is refused)."""

    latest: int | None = None
    since: dt.date | None = None
    every: bool = False

    def __post_init__(self) -> None:
        if self.latest is not None and self.latest < 1:
            raise OptionsError(f"--latest must be 1 or more, got {self.latest}", "latest")
        if self.every and (self.latest is not None or self.since is not None):
            raise OptionsError("--all takes every episode: leave out --latest and --since", "all")

    @property
    def given(self) -> bool:
        return self.every or self.latest is not None or self.since is not None


@dataclass(frozen=True)
class Target:
    """One recording to transcribe into ``out_dir/<name>.<format>``."""

    source: str
    """The path or URL."""
    name: str
    out_dir: Path
    episode: Episode | None = None
    page: bool = False
    """A web page whose audio stream yt-dlp finds (again, just before it is fetched: such links expire)."""

    @property
    def remote(self) -> bool:
        return is_url(self.source)

    @property
    def label(self) -> str:
        """What messages call it: the path or URL, or the episode's title and feed."""
        return f"{self.episode.title} ({self.episode.feed_title})" if self.episode else self.source


@dataclass
class Targets:
    items: list[Target] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(input, problem) for inputs that gave nothing to transcribe."""
    notes: list[str] = field(default_factory=list)


def resolve(inputs: Inputs, out_dir: Path, feed_dir: Path | None, choice: FeedChoice, fetcher: Fetcher) -> Targets:
    """Inputs in the order given; a URL is asked what it serves (audio, a feed, a web page) once,
    here; a feed gives its chosen episodes, newest first, into ``feed_dir/<feed title>`` (else
    ``out_dir``). Names are made unique per folder."""
    done = Targets()
    local = [f for f in inputs.files if not is_url(f) and Path(f).suffix.lower() not in FEED_SUFFIXES]
    names = output_names(local)
    for item in inputs.files:
        if item in names:
            done.items.append(Target(item, names[item], out_dir))
            continue
        try:
            kind, episodes = _look(item, fetcher)
            if kind == PAGE:
                title = resolve_page(item, fetcher.limits.timeout).title
        except InputError as exc:
            done.errors.append((item, exc.problem))
            continue
        if kind == PAGE:
            done.items.append(Target(item, safe_name(title), out_dir, page=True))
            continue
        if kind == AUDIO:
            done.items.append(Target(item, url_name(item), out_dir))
            continue
        if not choice.given:
            done.errors.append(
                (item, f"a feed of {len(episodes)} episode(s): choose them with --latest N, --since DATE or --all")
            )
            continue
        chosen = choose(episodes, latest=choice.latest, since=choice.since, every=choice.every)
        if not chosen:
            done.notes.append(f"{item}: no episode to transcribe among {len(episodes)}")
        for episode in chosen:
            folder = feed_dir / episode.feed_name if feed_dir is not None else out_dir
            done.items.append(Target(episode.url, episode.output_name, folder, episode))
    done.items = _unique(done.items)
    return done


def _look(item: str, fetcher: Fetcher) -> tuple[str, list[Episode]]:
    """What an input that is not a local recording is (:data:`AUDIO`, :data:`FEED` or :data:`PAGE`),
    and a feed's episodes."""
    if not is_url(item):
        try:
            return FEED, parse_feed(Path(item).read_bytes(), item)
        except OSError as exc:
            raise InputError(item, exc.strerror or str(exc)) from exc
    kind, document = fetcher.probe(item)
    return kind, parse_feed(document, item) if kind == FEED else []


def _unique(items: list[Target]) -> list[Target]:
    """A URL or an episode named as another input of its folder gets ``.2``, ``.3`` ..."""
    taken = {(t.out_dir, t.name.casefold()) for t in items if not t.remote}
    kept: list[Target] = []
    for target in items:
        if target.remote:
            name, n = target.name, 1
            while (target.out_dir, name.casefold()) in taken:
                n += 1
                name = f"{target.name}.{n}"
            taken.add((target.out_dir, name.casefold()))
            target = replace(target, name=name)
        kept.append(target)
    return kept
