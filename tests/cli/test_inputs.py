"""Inputs of one run: directories expanded, and an output name per input that no other input shares."""

from __future__ import annotations

from pathlib import Path

from longscribe.cli.inputs import expand, output_names


def test_unique_stems_are_kept_as_they_are(tmp_path: Path) -> None:
    files = [str(tmp_path / "a.mp3"), str(tmp_path / "sub" / "b.wav")]
    assert output_names(files) == {files[0]: "a", files[1]: "b"}


def test_same_stem_in_one_folder_keeps_the_extensions(tmp_path: Path) -> None:
    files = [str(tmp_path / "talk.m4a"), str(tmp_path / "talk.webm"), str(tmp_path / "other.mp3")]
    assert output_names(files) == {files[0]: "talk.m4a", files[1]: "talk.webm", files[2]: "other"}


def test_same_file_name_in_two_folders_keeps_the_folders(tmp_path: Path) -> None:
    files = [str(tmp_path / "a" / "talk.mp3"), str(tmp_path / "b" / "talk.mp3"), str(tmp_path / "c" / "talk.wav")]
    assert output_names(files) == {files[0]: "a/talk.mp3", files[1]: "b/talk.mp3", files[2]: "talk.wav"}


def test_names_differing_only_in_case_are_a_clash(tmp_path: Path) -> None:
    files = [str(tmp_path / "Talk.mp3"), str(tmp_path / "talk.wav")]
    assert output_names(files) == {files[0]: "Talk.mp3", files[1]: "talk.wav"}


def test_a_file_given_twice_is_transcribed_once(tmp_path: Path) -> None:
    clip = tmp_path / "a.wav"
    clip.write_bytes(b"x")
    inputs = expand([str(clip), str(tmp_path / "." / "a.wav"), str(tmp_path)])
    assert inputs.files == [str(clip)] and inputs.errors == []
