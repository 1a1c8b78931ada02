"""Tokenizer, plural folding and compounds; snippets."""

from __future__ import annotations

import itertools

import pytest

from paperbell.matching import snippet
from paperbell.matching.normalize import (
    JOIN_STOPWORDS,
    FieldTokens,
    compound_keys,
    joinable,
    normalize_word,
    stem,
    tokenize,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ticket", "tickets"),
        ("transformer", "transformers"),
        ("study", "studies"),
        ("policy", "policies"),
        ("class", "classes"),
        ("bias", "biases"),
        ("analysis", "analyses"),
        ("approach", "approaches"),
        ("box", "boxes"),
        ("cache", "caches"),
        ("loss", "losses"),
        ("process", "processes"),
        ("llm", "llms"),
        ("gpu", "gpus"),
        ("lens", "lenses"),
        ("index", "indices"),
        ("base", "bases"),
        ("use", "uses"),
        ("corpus", "corpora"),
    ],
)
def test_plural_pairs_fold_together(a: str, b: str) -> None:
    assert stem(a) == stem(b)


@pytest.mark.parametrize(
    "word", ["analysis", "bias", "class", "corpus", "status", "series", "news", "this", "gas"]
)
def test_singulars_ending_in_s_are_kept(word: str) -> None:
    assert stem(word) == word


@pytest.mark.parametrize(("a", "b"), [("new", "news"), ("rope", "europe"), ("it", "its")])
def test_distinct_words_stay_distinct(a: str, b: str) -> None:
    assert stem(a) != stem(b)


def test_normalize_word() -> None:
    assert normalize_word("Café") == "cafe"
    assert normalize_word("Cafe\u0301") == "cafe"
    assert normalize_word("ＲｏＰＥ") == "rope"  # full-width, NFKC
    assert normalize_word("Straße") == "strasse"  # case folding


def test_tokens_keep_original_spans() -> None:
    text = "Fine-tuning $\\alpha$-masses (RoPE)"
    ft = tokenize(text)
    assert ft.surfaces == ["fine", "tuning", "alpha", "masses", "rope"]
    assert [text[s:e] for s, e in zip(ft.starts, ft.ends, strict=True)] == [
        "Fine",
        "tuning",
        "alpha",
        "masses",
        "RoPE",
    ]
    assert ft.keys[3] == "mass"


def test_compounds() -> None:
    text = "state-of-the-art fine tuning in form"
    ft = tokenize(text)
    comps = dict(zip(ft.comp_keys, ft.comp_spans, strict=True))
    assert text[slice(*comps["stateoftheart"])] == "state-of-the-art"
    assert text[slice(*comps["finetuning"])] == "fine tuning"
    assert "stateof" in comps and "theart" in comps  # hyphen pairs, any length
    assert "inform" not in comps  # space pair of short words


def test_function_words_never_join_across_spaces() -> None:
    text = "the rapist, for mat and our selves in form; the-rapist"
    ft = tokenize(text)
    assert not {"therapist", "format", "ourselves", "inform"} & set(ft.comp_keys[:-1])
    assert ft.comp_keys == ["therapist"]  # only the hyphen joins a function word
    assert not joinable("the") and not joinable("in") and joinable("fine")
    assert all(len(w) >= 3 for w in JOIN_STOPWORDS)  # shorter ones never join anyway


def test_compound_keys_equal_stemming_the_joined_word() -> None:
    """The memoized-ending shortcut must give exactly stem(a + b), for every ending."""
    letters = "abcehiorsuxyz"
    endings = ["".join(p) for n in range(1, 4) for p in itertools.product(letters, repeat=n)]
    endings += ["tickets", "classes", "lyses", "ries", "cies", "times", "mena", "ices", "haps"]
    for first in ["a", "x", "ca", "sh", "the", "bac", "fine", "ana", "christ", "spe", "ma"]:
        keys = compound_keys([first] * len(endings), endings)
        assert keys == [stem(first + b) for b in endings], first


def test_offsets_survive_non_ascii_and_words_that_normalize_to_nothing() -> None:
    text = "Ca\u0301fe\u0301 — ﬁne-tuning ⁂ Straße"
    ft = tokenize(text)
    assert ft.surfaces == ["cafe", "fine", "tuning", "strasse"]
    assert [text[s:e] for s, e in zip(ft.starts, ft.ends, strict=True)] == [
        "Ca\u0301fe\u0301",
        "ﬁne",
        "tuning",
        "Straße",
    ]
    assert ft.comp_keys == ["finetuning"] and ft.comp_surfaces == ["finetuning"]


def test_author_lists_keep_a_boundary_and_each_names_offsets() -> None:
    ft = FieldTokens.concat([tokenize("Yann LeCun"), tokenize(""), tokenize("Geoffrey Hinton")])
    assert ft.keys == ["yann", "lecun", "\x00", "\x00", "geoffrey", "hinton"]
    assert ft.starts == [0, 5, 0, 0, 0, 9] and ft.ends == [4, 10, 0, 0, 8, 15]
    assert ft.comp_keys == ["yannlecun", "geoffreyhinton"]
    assert ft.comp_spans == [(0, 10), (0, 15)]


def test_snippet_short_text_unchanged() -> None:
    assert snippet("short text", [(0, 5)]) == ("short text", [(0, 5)])


def test_snippet_window_rebases_spans() -> None:
    text = " ".join(f"word{i}" for i in range(200))
    start = text.index("word100")
    spans = [(start, start + 7), (start + 8, start + 15), (len(text) - 5, len(text))]
    out, rebased = snippet(text, spans, width=80)
    assert len(out) <= 80
    assert out.startswith("…") and out.endswith("…")
    assert [out[s:e] for s, e in rebased] == ["word100", "word101"]
    assert out[1] != " " and not out[1:-1].startswith("ord")  # cut at a word boundary


def test_snippet_at_start_and_without_spans() -> None:
    text = "alpha " * 100
    out, rebased = snippet(text, [(0, 5)], width=40)
    assert out.startswith("alpha") and out.endswith("…") and rebased == [(0, 5)]
    out2, rebased2 = snippet(text, [], width=40)
    assert out2 == out and rebased2 == []
