"""LocalAgreement-2 on word lists: what two decodes in a row agree on is final, and only that."""

from __future__ import annotations

from longscribe.live.agreement import Agreement
from longscribe.types import Word


def words(text: str, start: int = 0, step: int = 8000) -> list[Word]:
    return [Word(start + i * step, start + (i + 1) * step - 100, " " + w, 0.9) for i, w in enumerate(text.split())]


def texts(ws: list[Word]) -> str:
    return "".join(w.text for w in ws).strip()


def test_the_common_prefix_of_two_decodes_becomes_final() -> None:
    a = Agreement()
    assert a.insert(words("and so my")) == []
    assert texts(a.tail) == "and so my"
    settled = a.insert(words("and so my fellow Americans"))
    assert texts(settled) == "and so my"
    assert texts(a.tail) == "fellow Americans"
    settled = a.insert(words("and so my fellow americans, ask"))  # case and punctuation do not matter
    assert texts(settled) == "fellow americans,"
    assert texts(a.final) == "and so my fellow americans,"
    assert texts(a.tail) == "ask"


def test_a_decode_that_changes_its_mind_confirms_nothing_past_the_change() -> None:
    a = Agreement()
    a.insert(words("ask not what"))
    assert texts(a.insert(words("ask knot what your"))) == "ask"
    assert texts(a.tail) == "knot what your"
    assert texts(a.insert(words("ask not what your country"))) == ""  # "not" differs from "knot"
    assert texts(a.insert(words("ask not what your country can"))) == "not what your country"


def test_final_words_are_not_repeated_when_a_decode_starts_before_their_end() -> None:
    a = Agreement()
    a.insert(words("one two three four"))
    a.insert(words("one two three four five"))
    assert texts(a.final) == "one two three four"
    # A window moved on: the decode starts again a little before the final text's end and repeats it.
    again = words("three four five six", start=2 * 8000)
    assert texts(a.insert(again)) == "five"
    assert texts(a.final) == "one two three four five"
    assert texts(a.tail) == "six"


def test_finish_makes_the_last_decode_final() -> None:
    a = Agreement()
    a.insert(words("ask what you can"))
    a.insert(words("ask what you can do"))
    assert texts(a.finish(words("ask what you can do for your country."))) == "do for your country."
    assert texts(a.final) == "ask what you can do for your country."


def test_a_decode_that_spells_earlier_words_differently_is_cut_after_them_by_text() -> None:
    a = Agreement()
    a.insert(words("press one to mute"))
    a.insert(words("press one to mute or"))
    assert texts(a.final) == "press one to mute"
    # Alignment shifts the repeat's times past the final end, and "one" comes back as "1":
    shifted = words("press 1 to mute or unmute yourself.", start=3000)
    assert texts(a.insert(shifted)) == "or"
    assert texts(a.tail) == "unmute yourself."


def test_a_moved_window_compares_only_what_it_holds() -> None:
    a = Agreement()
    a.insert(words("Ask not. What your"))
    a.insert(words("Ask not. What your country"))
    assert texts(a.final) == "Ask not. What your"
    a.move_window(2)  # decodes now start after "not."
    assert texts(a.insert(words("What your country can", start=2 * 8000))) == "country"
    assert texts(a.final) == "Ask not. What your country"
