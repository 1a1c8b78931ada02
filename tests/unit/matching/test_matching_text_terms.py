"""The fast term path (:mod:`paperbell.matching.text_terms`) against the reference: the
terms :func:`presearcher._field_terms` reads off the tokens, and the phrase and prefix
answers of the tokens, on generated and real ASCII text, for several vocabularies."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from matching_support import make_paper, seed_papers

from paperbell.matching import presearcher
from paperbell.matching.matcher import AnalyzedPaper
from paperbell.matching.normalize import tokenize
from paperbell.matching.text_terms import FieldVocab, ascii_field_terms, ascii_split, text_terms

WORDS = [
    "lottery", "ticket", "tickets", "fine", "tuning", "finetuning", "pre", "train",
    "training", "pretraining", "state", "of", "the", "art", "a", "in", "form", "inform",
    "rapist", "analyses", "ana", "lyses", "caches", "cache", "x", "ray", "es", "hes",
    "studies", "stud", "ies", "bias", "series", "3d", "gpt4", "models", "llms", "and",
]  # fmt: skip
SEPS = [" ", " ", " ", "-", "--", " - ", ", ", ". ", "\n", "  ", "(", ")-", "_", "/", " -- ",
        " > ", "\t( "]  # fmt: skip
VOCABS = {
    "all": FieldVocab(None, None),
    "none": FieldVocab(set(), set()),
    "some": FieldVocab({"fine", "state", "x", "lottery"}, {"*pre", "*pretrain", "*sta", "*fin"}),
    "prefixes only": FieldVocab(set(), {"*tra", "*train", "*xra", "*stateof", "*ana"}),
}


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), max_size=14))
    out = draw(st.sampled_from(["", " ", "-", "(", "- ", " > "]))
    for w in words:
        w = w.upper() if draw(st.booleans()) else w
        out += w + draw(st.sampled_from(SEPS))
    return out


def _reference(text: str, vocab: FieldVocab) -> set[str]:
    out: set[str] = set()
    presearcher._field_terms(tokenize(text), out, vocab)
    out.discard("")
    return out


@settings(max_examples=400, deadline=None)
@given(text=texts())
def test_ascii_terms_equal_the_token_terms(text: str) -> None:
    for name, vocab in VOCABS.items():
        expected = _reference(text, vocab)
        assert ascii_field_terms(ascii_split(text), vocab) == expected, name
        assert text_terms(text, vocab) == expected, name


def test_ascii_terms_on_real_papers() -> None:
    for paper in seed_papers():
        for text in (paper.title, paper.abstract):
            if not text.isascii():
                continue
            for name, vocab in VOCABS.items():
                expected = _reference(text, vocab)
                assert ascii_field_terms(ascii_split(text), vocab) == expected, name
                assert text_terms(text, vocab) == expected, name


def test_known_compounds_and_beginnings() -> None:
    text = "Fine tuning of state-of-the-art pre-training"
    terms = ascii_field_terms(ascii_split(text), VOCABS["some"])
    assert {"finetuning", "stateoftheart", "pretraining", "fine tuning", "*pretrain"} <= terms
    assert "oftuning" not in terms  # "of" never joins across a space
    assert "*pretr" not in terms  # not held by this vocabulary
    assert text_terms(text, VOCABS["some"]) == terms


def test_chunks_without_words_break_compounds_not_bigrams() -> None:
    """Between chunks the gap is whitespace; a chunk without any word ("-", ">") stands
    in the gap, so no compound joins across it, while the bigram does."""
    vocab = VOCABS["all"]
    assert {"fine tuning", "finetuning"} <= text_terms("fine tuning", vocab)
    apart = ("fine - tuning", "fine > tuning", "fine -- tuning", "fine, tuning", "fine (tuning")
    for text in apart:
        terms = text_terms(text, vocab)
        assert "fine tuning" in terms, text
        assert "finetuning" not in terms, text
    assert text_terms("- > --", vocab) == set()
    assert text_terms("-- fine", vocab) == _reference("-- fine", vocab)


@settings(max_examples=300, deadline=None)
@given(title=texts(), abstract=texts(), probe=st.sampled_from(WORDS))
def test_split_checks_answer_like_the_tokens(title: str, abstract: str, probe: str) -> None:
    """has_phrase / has_prefix / field_keys read the ASCII splits once the presearcher
    computed the terms; a fresh paper reads the tokens. The answers must be equal."""
    paper = make_paper(title, abstract)
    fast = AnalyzedPaper(paper)
    presearcher._analyzed_terms(fast, VOCABS["some"])
    slow = AnalyzedPaper(paper)
    key = tokenize(probe).keys[0]
    parts = [key, *tokenize("training models").keys]
    for field in ("text", "title", "abstract"):
        for prefix in (probe[:3], probe, probe + "i"):
            assert fast.has_prefix(field, prefix) == slow.has_prefix(field, prefix), (field, prefix)
        for n in (2, 3):
            compound = "".join(parts[:n])
            for comp in (compound, None):
                got = fast.has_phrase(field, parts[:n], comp)
                assert got == slow.has_phrase(field, parts[:n], comp), (field, parts[:n], comp)
    for which in (0, 1):
        assert key in fast.field_keys()[which] or key not in slow.field_keys()[which]
        assert (key in fast.field_keys()[which]) == (key in slow.field_keys()[which])


def test_prefix_checks_skip_papers_without_the_letters_but_keep_hyphen_compounds() -> None:
    """has_prefix first looks for the prefix in the field's text without hyphens: a
    paper where it is missing fails at once, and one where it stands inside a word,
    spans a hyphen or sits in the other field still gets the exact answer."""
    paper = make_paper("Pre-training of unconstrained models", "State-of-the-art results")
    fast = AnalyzedPaper(paper)
    presearcher._analyzed_terms(fast, VOCABS["some"])
    slow = AnalyzedPaper(paper)
    cases = {
        ("title", "pretrainin"): True,  # spans the hyphen of "pre-training"
        ("title", "constrain"): False,  # only inside "unconstrained"
        ("title", "unconstrai"): True,
        ("abstract", "stateofthe"): True,  # the chain "state-of-the-art" as one word
        ("abstract", "oftheart"): False,  # no compound starts mid-chain past one hyphen
        ("text", "resul"): True,
        ("title", "results"): False,  # the abstract's word
        ("abstract", "transformer"): False,
    }
    for (field, prefix), expected in cases.items():
        assert fast.has_prefix(field, prefix) is expected, (field, prefix)
        assert slow.has_prefix(field, prefix) is expected, (field, prefix)
