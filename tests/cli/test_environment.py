"""The LONGSCRIBE_* variables: read once by the command, turned into options, named in errors."""

from __future__ import annotations

import argparse

from longscribe.cli.common import options_from_args
from longscribe.cli.environment import Environment


def test_variables_become_defaults_the_flags_override() -> None:
    env = Environment.read(
        {"LONGSCRIBE_DEVICE": " CPU ", "LONGSCRIBE_COMPUTE_TYPE": "Float32", "LONGSCRIBE_CACHE_DIR": "/c"}
    )
    assert (env.device, env.compute_type, env.cache_dir, env.malloc_tuning) == ("cpu", "float32", "/c", True)
    assert not Environment.read({"LONGSCRIBE_MALLOC_TUNING": "off"}).malloc_tuning
    assert Environment.read({}) == Environment()


def test_options_take_the_flag_then_the_variable() -> None:
    from longscribe.cli.main import build_parser

    parser = build_parser()
    env = Environment(device="cpu", compute_type="float32", cache_dir="/tmp/c")
    args: argparse.Namespace = parser.parse_args(["transcribe", "x.wav"])
    options = options_from_args(args, env)
    assert (options.device, options.compute_type, options.cache_dir) == ("cpu", "float32", "/tmp/c")
    args = parser.parse_args(["transcribe", "x.wav", "--device", "auto", "--compute-type", "int8"])
    options = options_from_args(args, env)
    assert (options.device, options.compute_type) == ("auto", "int8")


def test_an_error_about_the_device_names_the_variable_that_chose_it() -> None:
    env = Environment(device="cuda")
    assert env.sources(None, None) == " (device cuda from $LONGSCRIBE_DEVICE)"
    assert env.sources("cuda", None) == "", "the flag chose it"
