"""Every flag of every command says what it does; transcribe's help is grouped and shows examples."""

from __future__ import annotations

import argparse

from longscribe.cli.main import build_parser


def commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    return dict(sub.choices)


def test_every_flag_of_every_command_has_a_line_of_help() -> None:
    silent = [
        f"{name} {action.option_strings[0]}"
        for name, parser in commands().items()
        for action in parser._actions  # noqa: SLF001
        if action.option_strings and not isinstance(action, argparse._HelpAction) and not (action.help or "").strip()  # noqa: SLF001
    ]
    assert not silent, f"flags without help: {silent}"


def test_transcribe_help_is_grouped_and_ends_with_examples() -> None:
    text = commands()["transcribe"].format_help()
    for group in ("input and output:", "model and device:", "decoding:", "language:", "speakers:", "jobs:", "cluster:"):
        assert group in text, group
    assert "examples:" in text and "longscribe transcribe talk.mp3" in text
