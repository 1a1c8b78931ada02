"""The text/plain part reads well on its own."""

from __future__ import annotations

from dataclasses import replace

from rendering_support import entry_for

from paperbell.delivery.digest_model import DigestEntry, MailSettings
from paperbell.delivery.render_text import render_text
from paperbell.models import Paper


def test_entry_reads_well_on_its_own(seed_papers, make_digest, settings):
    paper = replace(seed_papers[0], authors=("Ana Ruiz", "Bo Li", "Cy Tan", "Di Wu"))
    text = render_text(
        make_digest([entry_for(paper, "lottery tickets", "reprogramming")]), settings
    )

    assert "1 new paper for you" in text and "Fri 08 May 2026" in text
    assert "1. Reprogramming under constraints" in text
    assert "Ana Ruiz, Bo Li, Cy Tan et al." in text and "Di Wu" not in text
    assert "▲ 100 · cs.CL, cs.AI" in text
    assert "matched: lottery tickets; reprogramming" in text
    assert "abstract: https://arxiv.org/abs/2605.10000" in text
    assert "PDF:      https://arxiv.org/pdf/2605.10000" in text
    assert "HF:       https://huggingface.co/papers/2605.10000" in text
    assert "<" not in text.split("-- \n")[0]  # no markup in the body


def test_snippet_marks_the_first_abstract_match_with_asterisks(seed_papers, make_digest, settings):
    paper = seed_papers[5]  # Resonance RoPE
    text = render_text(make_digest([entry_for(paper, "RoPE")]), settings)
    body = " ".join(text.split())
    assert "Rotary Position Embedding (*RoPE*)" in body  # the first abstract match, in context


def test_title_only_match_shows_the_start_of_the_abstract(seed_papers, make_digest, settings):
    paper = seed_papers[1]  # Coupled Adam: "Coupled" is in the title and the abstract
    entry = DigestEntry(paper, ("coupled adam",), {"title": [(22, 34)], "abstract": []})
    body = " ".join(render_text(make_digest([entry]), settings).split())
    assert "Despite their remarkable capabilities, LLMs learn" in body
    assert "*" not in body.split("-- ")[0]


def test_code_link_with_stars_from_the_hf_api(hf_papers, make_digest, settings):
    text = render_text(make_digest([entry_for(hf_papers[0], "agentic search")]), settings)
    assert "▲ 86" in text
    assert "code: https://github.com/DCI-Agent/DCI-Agent-Lite (★ 101)" in text
    assert "Zhuofeng Li, Haoxiang Zhang, Cong Wei et al." in text


def test_cap_says_and_n_more_with_the_full_list(seed_papers, make_digest, settings):
    digest = make_digest([entry_for(p, "the") for p in seed_papers])
    text = render_text(digest, replace(settings, max_papers=3))
    assert "20 new papers for you" in text
    assert "\n4. " not in text and "\n3. " in text
    assert (
        "... and 17 more: https://paperbell.example.org/digest/sub-1/2026-05-08?t=tok_abc" in text
    )


def test_non_http_links_and_control_characters_are_dropped(make_digest, settings):
    paper = Paper(
        id="feed-guid-1",
        title="Evil\r\nSubject: x\x00title",
        abstract="An abstract.",
        authors=("Mallory\r\nBcc: y",),
        url="javascript:alert(1)",
        source="feed",
        extra={"github_repo": "data:text/html,boom"},
    )
    text = render_text(make_digest([DigestEntry(paper, ("evil",), {})]), settings)
    assert "javascript" not in text and "data:" not in text
    assert "1. Evil Subject: xtitle" in text
    assert "Mallory Bcc: y" in text
    assert "\r" not in text and "\x00" not in text


def test_footer_explains_and_links(seed_papers, make_digest, settings):
    text = render_text(make_digest([entry_for(seed_papers[0], "lottery tickets")]), settings)
    footer = text.split("\n-- \n", 1)[1]
    assert "because ada@example.com subscribed to paperbell" in footer
    assert "Manage your queries: https://paperbell.example.org/manage?s=sub-1&t=tok_abc" in footer
    assert ("Unsubscribe (opens a page with one button): "
            "https://api.paperbell.example.org/unsubscribe?") in footer
    assert "<digest@paperbell.example.org>" in footer


def test_empty_note(make_digest):
    settings = MailSettings(sender="digest@paperbell.example.org")
    text = render_text(make_digest([], kind="empty-note"), settings)
    assert "Nothing matched your queries today." in text
    assert "weekends" in " ".join(text.split())
    assert "matched:" not in text and "https://arxiv.org" not in text


def test_lines_stay_short_except_urls(seed_papers, make_digest, settings):
    text = render_text(make_digest([entry_for(p, "downstream") for p in seed_papers]), settings)
    for line in text.splitlines():
        assert len(line) <= 72 or "https://" in line, line
