"""Pasted liked papers: ids, URLs, DOIs and BibTeX/Zotero exports."""

from __future__ import annotations

from paperbell.recommend import parse_paper_list

ZOTERO = r"""
@comment{jabref-meta: databaseType:bibtex;}
@misc{vaswani2017attention,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish and Shazeer, Noam},
  year = {2017},
  eprint = {1706.03762},
  archivePrefix = {arXiv},
  primaryClass = {cs.CL},
}
@article{kirillov2023segment,
  title={Segment {Anything}},
  journal={arXiv preprint arXiv:2304.02643},
  year={2023}
}
@article{ho2020denoising,
  title = "Denoising diffusion probabilistic models",
  doi = {10.48550/arXiv.2006.11239v2},
}
@inproceedings{he2016deep,
  title = {Deep Residual Learning for Image Recognition},
  booktitle = {CVPR},
  doi = {10.1109/CVPR.2016.90},
}
@book{bishop2006pattern,
  title = {Pattern Recognition and Machine Learning},
  publisher = {Springer},
}
@online{hf,
  url = {https://huggingface.co/papers/2402.04177},
  title = {Scaling Laws for Downstream Task Performance},
}
@misc{physics, eprint = {hep-th/9901001}, archiveprefix = {arXiv}, title = {Old style}}
"""


def test_plain_ids_urls_and_dois_in_any_mix():
    text = """2402.04177
    arXiv:2306.05292v3, https://huggingface.co/papers/2605.06130
    https://arxiv.org/abs/2403.00071v1 https://arxiv.org/pdf/2502.08441
    10.48550/arXiv.2605.05242 ; 10.1145/3442188.3445922
    2402.04177v2
    not-a-paper
    """
    parsed = parse_paper_list(text)
    assert parsed.arxiv_ids == [
        "2402.04177", "2306.05292", "2605.06130", "2403.00071", "2502.08441", "2605.05242",
    ]
    assert [(r.kind, r.value) for r in parsed.refs if r.kind == "doi"] == [
        ("doi", "10.1145/3442188.3445922")
    ]
    assert parsed.problems == ["'not-a-paper': not an arXiv id, paper URL or DOI"]


def test_bibtex_export_uses_eprints_arxiv_dois_urls_and_journal_notes():
    parsed = parse_paper_list(ZOTERO)
    assert parsed.arxiv_ids == [
        "1706.03762", "2304.02643", "2006.11239", "2402.04177", "hep-th/9901001",
    ]
    assert [(r.kind, r.value, r.label) for r in parsed.refs if r.kind == "doi"] == [
        ("doi", "10.1109/cvpr.2016.90", "he2016deep")
    ]
    assert len(parsed.problems) == 1
    assert "bishop2006pattern" in parsed.problems[0]
    assert "no arXiv id, eprint or DOI" in parsed.problems[0]


def test_a_non_arxiv_eprint_is_not_taken_for_an_arxiv_id():
    parsed = parse_paper_list("@article{x, eprint={1234.5678}, archivePrefix={SSRN}, title={T}}")
    assert parsed.refs == []
    assert parsed.problems and "'x'" in parsed.problems[0]


def test_duplicates_count_once_and_the_limit_is_reported():
    ids = [f"2601.{i:05d}" for i in range(60)]
    parsed = parse_paper_list("\n".join(ids + ids[:5]))
    assert parsed.arxiv_ids == ids[:50]
    assert parsed.problems == [
        "only 50 papers can be liked; left out 10: 2601.00050, 2601.00051, 2601.00052, "
        "2601.00053, 2601.00054 …"
    ]


def test_nothing_pasted_is_nothing_parsed():
    parsed = parse_paper_list("  \n ")
    assert parsed.refs == [] and parsed.problems == []


def test_ids_pasted_beside_bibtex_entries_count_and_comments_between_them_do_not():
    parsed = parse_paper_list(
        "% my library, exported today\n"
        "https://huggingface.co/papers/2306.05292\n"
        "@article{a, eprint={2605.06548}, archivePrefix={arXiv}}\n"
        "and 10.1145/3292500.3330701 too\n"
        "@book{b, title={Old Book}}")
    assert parsed.arxiv_ids == ["2605.06548", "2306.05292"]
    assert [r.value for r in parsed.refs if r.kind == "doi"] == ["10.1145/3292500.3330701"]
    assert parsed.problems == ["entry 'b' (Old Book): no arXiv id, eprint or DOI"]
