"""Conformance table for the query language: (query, paper, expected match).

Each row is one rule of docs/query-syntax.md; ``expected`` is True/False, and for some
rows the exact highlighted substrings.
"""

from __future__ import annotations

import pytest
from matching_support import make_paper

from paperbell.matching import Highlights, match_query, parse_query
from paperbell.models import Paper

P_LOTTERY = make_paper(
    "Sparse lottery tickets for Transformers",
    "We study pruning and fine-tuning of transformer models; the lottery-ticket hypothesis "
    "holds. Resonance RoPE helps. A café in Europe. We analyze $\\alpha$-masses and "
    "biases with a new class of classifiers, state-of-the-art.",
    authors=("Geoffrey E. Hinton", "Yann LeCun"),
    categories=("cs.LG", "stat.ML"),
    source="arxiv",
    upvotes=42,
)
P_FINETUNE = make_paper("Finetuning large models", "Efficient finetuning of LLMs.", source="hf")
P_SPACED = make_paper("Fine tuning recipes", "Notes on fine tuning.", upvotes=None)
P_EMPTY = make_paper("Unrelated", "Nothing here about anything.", source="feed", upvotes=3)
P_SHORT = make_paper("Reranking to inform pretraining", "")
P_GLUE = make_paper(
    "Care by the rapist and the therapist",
    "Notes in form and for mat, our selves; an in-form team, fine tuning in the wild.",
)
P_WORDS = make_paper("A therapist will inform the format", "Ourselves, and nothing else.")

# (rule, query, paper, expected)
TABLE: list[tuple[str, str, Paper, bool]] = [
    # implicit AND / explicit AND
    ("and", "sparse lottery", P_LOTTERY, True),
    ("and", "sparse quantum", P_LOTTERY, False),
    ("and-explicit", "sparse AND lottery", P_LOTTERY, True),
    ("and-explicit", "sparse AND quantum", P_LOTTERY, False),
    # OR binds tighter than AND
    ("or", "quantum OR lottery", P_LOTTERY, True),
    ("or", "quantum OR physics", P_LOTTERY, False),
    ("or-precedence", "sparse lottery OR quantum", P_LOTTERY, True),
    ("or-precedence", "quantum lottery OR sparse", P_LOTTERY, False),
    ("or-precedence", "sparse quantum OR physics", P_LOTTERY, False),
    ("group", "(quantum physics) OR lottery", P_LOTTERY, True),
    ("group", "(quantum lottery) OR physics", P_LOTTERY, False),
    ("lowercase-or-is-a-word", "quantum or lottery", P_LOTTERY, False),
    ("lowercase-and-is-a-word", "lottery and sparse", P_LOTTERY, True),
    ("lowercase-and-is-a-word", "lottery and sparse", P_EMPTY, False),
    # phrases
    ("phrase", '"sparse lottery"', P_LOTTERY, True),
    ("phrase-order", '"lottery sparse"', P_LOTTERY, False),
    ("phrase-consecutive", '"sparse tickets"', P_LOTTERY, False),
    ("phrase-across-fields", '"transformers we"', P_LOTTERY, False),
    # negation
    ("not-minus", "lottery -quantum", P_LOTTERY, True),
    ("not-minus", "lottery -sparse", P_LOTTERY, False),
    ("not-keyword", "lottery NOT sparse", P_LOTTERY, False),
    ("not-phrase", 'lottery -"sparse lottery"', P_LOTTERY, False),
    ("not-phrase", 'lottery -"lottery sparse"', P_LOTTERY, True),
    ("not-group", "lottery -(quantum OR sparse)", P_LOTTERY, False),
    ("not-group", "lottery -(quantum sparse)", P_LOTTERY, True),
    # fields
    ("title", "title:sparse", P_LOTTERY, True),
    ("title", "title:pruning", P_LOTTERY, False),
    ("abstract", "abstract:pruning", P_LOTTERY, True),
    ("abstract", "abstract:sparse", P_LOTTERY, False),
    ("field-group", "title:(quantum OR sparse)", P_LOTTERY, True),
    ("field-group", "title:(pruning OR quantum)", P_LOTTERY, False),
    ("field-phrase", 'title:"lottery tickets"', P_LOTTERY, True),
    ("author", "author:hinton", P_LOTTERY, True),
    ("author", "author:bengio", P_LOTTERY, False),
    ("author-not-in-text", "hinton", P_LOTTERY, False),
    ("author-phrase", 'author:"geoffrey e hinton"', P_LOTTERY, True),
    ("author-phrase", 'author:"yann lecun"', P_LOTTERY, True),
    ("author-phrase-not-across-authors", 'author:"hinton yann"', P_LOTTERY, False),
    ("category", "category:cs.LG", P_LOTTERY, True),
    ("category-case", "category:CS.lg", P_LOTTERY, True),
    ("category-exact", "category:cs.L", P_LOTTERY, False),
    ("category", "category:cs.CV", P_LOTTERY, False),
    ("source", "source:arxiv", P_LOTTERY, True),
    ("source", "source:hf", P_LOTTERY, False),
    ("source", "source:HF finetuning", P_FINETUNE, True),
    # prefix
    ("prefix", "transf*", P_LOTTERY, True),
    ("prefix", "quant*", P_LOTTERY, False),
    ("prefix-field", "title:prun*", P_LOTTERY, False),
    ("prefix-field", "abstract:prun*", P_LOTTERY, True),
    ("prefix-long", "transformer*", P_LOTTERY, True),  # longer than the indexed 8 letters
    ("prefix-long", "transformerz*", P_LOTTERY, False),
    ("prefix-hyphen-compound", "pretrain*", make_paper("Pre-training at scale", ""), True),
    ("prefix-hyphen-compound", "statEofthe*", P_LOTTERY, True),  # a whole hyphen chain
    ("prefix-not-space-compound", "finetun*", P_SPACED, False),
    ("prefix-author", "author:hint*", P_LOTTERY, True),
    # upvotes
    ("upvotes", "upvotes:>=42", P_LOTTERY, True),
    ("upvotes", "upvotes:>42", P_LOTTERY, False),
    ("upvotes", "upvotes:<=42", P_LOTTERY, True),
    ("upvotes", "upvotes:<42", P_LOTTERY, False),
    ("upvotes", "upvotes:=42", P_LOTTERY, True),
    ("upvotes-none", "upvotes:>=0", P_SPACED, False),
    ("upvotes-none", "upvotes:<100", P_SPACED, False),
    ("upvotes-and", "lottery upvotes:>=10", P_LOTTERY, True),
    # whole words, normalization
    ("whole-word", "rope", P_LOTTERY, True),
    ("whole-word", "rope europe", P_LOTTERY, True),
    ("whole-word", "rop", P_LOTTERY, False),
    ("whole-word-not-inside", "rope", P_EMPTY, False),
    ("case", "LOTTERY", P_LOTTERY, True),
    ("accent-folding", "cafe", P_LOTTERY, True),
    ("accent-folding", "CAFÉ", P_LOTTERY, True),
    ("nfkc", "ﬁne-tuning", P_LOTTERY, True),
    # plurals
    ("plural", "ticket", P_LOTTERY, True),
    ("plural", "transformer", P_LOTTERY, True),
    ("plural", "transformers", P_LOTTERY, True),
    ("plural", "models", P_LOTTERY, True),
    ("plural-phrase", '"lottery ticket"', P_LOTTERY, True),
    ("plural-es", "bias", P_LOTTERY, True),
    ("plural-es", "class", P_LOTTERY, True),
    ("plural-es", "classifier", P_LOTTERY, True),
    ("plural-es", "mass", P_LOTTERY, True),
    ("plural-ies", "hypotheses", P_LOTTERY, True),
    # hyphens and compounds
    ("hyphen-query", "fine-tuning", P_LOTTERY, True),
    ("hyphen-query", "fine-tuning", P_FINETUNE, True),
    ("hyphen-query", "fine-tuning", P_SPACED, True),
    ("compound-query", "finetuning", P_LOTTERY, True),
    ("compound-query", "finetuning", P_SPACED, True),
    ("phrase-query", '"fine tuning"', P_FINETUNE, True),
    ("phrase-query", '"fine tuning"', P_LOTTERY, True),
    ("hyphen-in-text", '"lottery ticket"', P_LOTTERY, True),
    ("hyphen-in-text", "lottery ticket hypothesis", P_LOTTERY, True),
    ("hyphen-chain", "stateoftheart", P_LOTTERY, True),
    ("hyphen-chain", '"state of the art"', P_LOTTERY, True),  # the words, in order
    ("hyphen-chain", '"state of the art"', make_paper("Stateoftheart", ""), False),
    ("hyphen-chain", "state-of-the-art", make_paper("Stateoftheart", ""), True),
    ("hyphen-chain", "state-of-the-art", P_LOTTERY, True),
    ("no-short-compound", "anew", P_LOTTERY, False),
    # unquoted adjacent words also match their one-word compound
    ("and-compound", "fine tuning", P_FINETUNE, True),
    ("and-compound", "fine tuning", P_SPACED, True),
    ("and-compound", "fine tuning", P_LOTTERY, True),
    ("and-compound", "FINE Tunings", P_FINETUNE, True),
    ("and-compound", "pre training", P_SHORT, True),
    ("and-compound-run", "efficient fine tuning", P_FINETUNE, True),
    ("and-compound-run", "fine tuning large", P_FINETUNE, True),
    ("and-compound-still-and", "fine tuning recipes", P_FINETUNE, False),
    ("and-compound-adjacent-only", "fine large tuning", P_FINETUNE, False),
    ("and-compound-explicit-and", "fine AND tuning", P_FINETUNE, False),
    ("and-compound-explicit-and", "fine AND tuning", P_SPACED, True),
    ("and-compound-not-quoted", '"fine" tuning', P_FINETUNE, False),
    ("and-compound-not-prefix", "fine tun*", P_FINETUNE, False),
    ("and-compound-not-or-operand", "fine tuning OR quantum", P_FINETUNE, False),
    ("and-compound-not-negated", "models -(fine tuning)", P_FINETUNE, True),
    ("and-compound-not-negated", "models -(fine tuning)", P_SPACED, False),
    ("and-compound-same-field", "title:fine title:tuning", P_FINETUNE, True),
    ("and-compound-same-field", "title:(fine tuning)", P_FINETUNE, True),
    ("and-compound-same-field", "abstract:(fine tuning)", P_SPACED, True),
    ("and-compound-mixed-fields", "title:fine tuning", P_FINETUNE, False),
    ("and-compound-min-len", "in form", P_SHORT, False),
    ("and-compound-min-len", "re ranking", P_SHORT, False),
    # compound precision: function words never glue onto a space-separated neighbour
    ("compound-precision-text", "therapist", make_paper("Told by the rapist", ""), False),
    ("compound-precision-text", "inform", make_paper("Written in form", ""), False),
    ("compound-precision-text", "format", make_paper("Sat for mat", ""), False),
    ("compound-precision-text", "ourselves", make_paper("Our selves", ""), False),
    ("compound-precision-text", "therapist", P_GLUE, True),  # the real word is there
    ("compound-precision-text", "finetuning", P_GLUE, True),  # content words still join
    ("compound-precision-text-hyphen", "inform", P_GLUE, True),  # "in-form": meant as one
    ("compound-precision-phrase", '"the rapist"', P_WORDS, False),
    ("compound-precision-phrase", '"in form"', P_WORDS, False),
    ("compound-precision-phrase", '"for mat"', P_WORDS, False),
    ("compound-precision-phrase", '"our selves"', P_WORDS, False),
    ("compound-precision-phrase", '"the rapist"', P_GLUE, True),  # the words themselves
    ("compound-precision-phrase", '"fine tuning"', P_FINETUNE, True),
    ("compound-precision-phrase-hyphen", "in-form", P_WORDS, True),
    ("compound-precision-and", "the rapist", P_WORDS, False),
    ("compound-precision-and", "for mat", P_WORDS, False),
    ("compound-precision-and", "fine tuning", P_FINETUNE, True),
    ("compound-precision-other-gap", '"fine/tuning"', P_FINETUNE, False),
    # LaTeX
    ("latex", "alpha", P_LOTTERY, True),
    ("latex", "alpha masses", P_LOTTERY, True),
    ("latex", "$\\alpha$", P_LOTTERY, True),
]


@pytest.mark.parametrize(
    ("rule", "query", "paper", "expected"),
    TABLE,
    ids=[f"{r}:{q}" for r, q, _, _ in TABLE],
)
def test_conformance(rule: str, query: str, paper: Paper, expected: bool) -> None:
    assert (match_query(query, paper) is not None) is expected, rule


def _texts(paper: Paper, hl: Highlights) -> dict[str, list[str]]:
    return {
        "title": [paper.title[s:e] for s, e in hl["title"]],
        "abstract": [paper.abstract[s:e] for s, e in hl["abstract"]],
    }


@pytest.mark.parametrize(
    ("query", "paper", "title", "abstract"),
    [
        ("lottery", P_LOTTERY, ["lottery"], ["lottery"]),
        ('"lottery ticket"', P_LOTTERY, ["lottery tickets"], ["lottery-ticket"]),
        ("finetuning", P_SPACED, ["Fine tuning"], ["fine tuning"]),
        ("fine-tuning", P_FINETUNE, ["Finetuning"], ["finetuning"]),
        ("fine tuning", P_FINETUNE, ["Finetuning"], ["finetuning"]),
        ("fine tuning", P_SPACED, ["Fine tuning"], ["fine tuning"]),
        ("fine tuning", P_LOTTERY, [], ["fine-tuning"]),
        ("efficient fine tuning", P_FINETUNE, ["Finetuning"], ["Efficient", "finetuning"]),
        ("rope -quantum", P_LOTTERY, [], ["RoPE"]),
        ("quantum OR rope", P_LOTTERY, [], ["RoPE"]),
        ("(quantum lottery) OR rope", P_LOTTERY, [], ["RoPE"]),
        # lottery AND ((NOT sparse) OR rope): the NOT branch fails, rope is highlighted
        ("lottery -sparse OR rope", P_LOTTERY, ["lottery"], ["lottery", "RoPE"]),
        ("transf*", P_LOTTERY, ["Transformers"], ["transformer"]),
        ("title:sparse abstract:pruning", P_LOTTERY, ["Sparse"], ["pruning"]),
        ("author:hinton category:cs.LG", P_LOTTERY, [], []),
        ("cafe", P_LOTTERY, [], ["café"]),
        ("masses", P_LOTTERY, [], ["masses"]),
    ],
)
def test_highlights_point_into_original_text(
    query: str, paper: Paper, title: list[str], abstract: list[str]
) -> None:
    hl = match_query(query, paper)
    assert hl is not None
    assert _texts(paper, hl) == {"title": title, "abstract": abstract}


def test_highlights_are_sorted_merged_and_dict_like() -> None:
    hl = match_query('lottery "lottery tickets" sparse', P_LOTTERY)
    assert hl is not None
    # "lottery" lies inside "lottery tickets": merged; "Sparse" is a separate span
    assert hl["title"] == [(0, 6), (7, 22)]
    assert dict(hl) == hl.as_dict() == {"title": [(0, 6), (7, 22)], "abstract": hl["abstract"]}
    assert hl == {"title": [(0, 6), (7, 22)], "abstract": hl["abstract"]}
    assert hl["abstract"] == sorted(hl["abstract"])
    with pytest.raises(KeyError):
        hl["authors"]


def test_highlights_with_decomposed_accents_use_original_offsets() -> None:
    title = "Cafe\u0301 culture and cafés"
    paper = make_paper(title, "")
    hl = match_query("cafe", paper)
    assert hl is not None
    assert [title[s:e] for s, e in hl["title"]] == ["Cafe\u0301", "cafés"]


def test_query_object_keeps_text_and_is_reusable() -> None:
    q = parse_query("sparse lottery OR pruning")
    assert q.text == "sparse lottery OR pruning"
    assert str(q) == q.text
    assert match_query(q, P_LOTTERY) is not None
    assert match_query(q, P_EMPTY) is None


def test_or_tree_shape() -> None:
    from paperbell.matching.query_parser import And, Or, Term

    root = parse_query("sparse lottery OR pruning").root
    assert isinstance(root, And)
    assert isinstance(root.children[0], Term)
    assert isinstance(root.children[1], Or)


def test_equivalent_spellings_parse_to_equal_terms() -> None:
    a = parse_query("fine-tuning").root
    b = parse_query('"fine tuning"').root
    assert a == b


def test_adjacent_plain_words_get_their_compound_as_joins() -> None:
    from paperbell.matching.query_parser import And, Term

    root = parse_query("efficient fine tuning").root
    assert isinstance(root, And)
    assert [c.joins for c in root.children if isinstance(c, Term)] == [
        ("efficientfine",),
        ("efficientfine", "finetuning"),
        ("finetuning",),
    ]
    # explicit AND, phrases, prefixes, negations and short words never join
    for q in ["fine AND tuning", '"fine" tuning', "fine tun*", "x -(fine tuning)", "in form"]:
        node = parse_query(q).root
        assert "joins=()" in repr(node) and "joins=('" not in repr(node), q
