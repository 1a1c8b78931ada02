"""Papers like these on the web (issue 14): signing up with liked papers (ids, links,
BibTeX), the manage page's lists with remove buttons and top terms, /api/profile, the
live preview for liked papers, and the next-mail page's policy."""

from __future__ import annotations

import lxml.html
import pytest

from paperbell.tokens import make_token

DIFFUSION_LM = "2605.06548"  # Continuous Latent Diffusion Language Model (bundled HF list)
COLLAB = "2306.05292"  # Safe Collaborative Filtering (bundled arXiv feed)
ROPE = "2403.00071"  # Resonance RoPE (bundled)
BIBTEX = """
@article{latent2026, title = {Continuous Latent Diffusion Language Model},
  eprint = {2605.06548}, archivePrefix = {arXiv}}
@book{bishop2006, title = {Pattern Recognition and Machine Learning}, author = {Bishop, C.}}
"""


def _manage(api, address):
    return make_token(api.key(), "manage", api.subscriber_id(address))


def _liked(api, address):
    item = api.subscriber_item(address) or {}
    return [(p["id"], p["title"]) for p in item.get("likes", [])]


def test_a_json_sign_up_with_liked_papers_reads_what_paperbell_has(api):
    reply = api.post("/subscriptions", json_body={
        "email": "ada@example.org", "like": [BIBTEX, "2601.00042"], "hour": 7})
    assert reply.status == 202
    papers = reply.json()["papers"]
    assert [(p["id"], p["pending"]) for p in papers["like"]] == [
        (DIFFUSION_LM, False), ("2601.00042", True)]
    assert papers["waiting_for_arxiv"] == ["2601.00042"]
    assert papers["not_used"] == ["liked papers: entry 'bishop2006' (Pattern Recognition and "
                                  "Machine Learning): no arXiv id, eprint or DOI"]
    item = api.subscriber_item("ada@example.org")
    assert item["status"] == "pending" and item.get("queries") == []
    assert _liked(api, "ada@example.org") == [
        (DIFFUSION_LM, "Continuous Latent Diffusion Language Model"), ("2601.00042", "")]
    assert item["likes"][0]["abstract"]  # the profile learns from the abstract too


def test_the_answer_about_the_papers_does_not_reveal_a_known_address(api):
    body = {"email": "ada@example.org", "like": [DIFFUSION_LM, "nonsense"]}
    first = api.post("/subscriptions", json_body=body)
    api.confirm_from_last_mail()
    again = api.post("/subscriptions", json_body=body)  # now an active subscriber
    assert first.status == again.status == 202
    assert first.json() == again.json()


def test_a_likes_only_form_sign_up_confirms_and_says_what_was_used(api):
    page = api.post("/subscriptions", form={
        "email": "ada@example.org", "kind": "likes", "like": f"{DIFFUSION_LM}\n2601.00042"})
    assert page.status == 202
    assert "1 of your 2 liked paper(s) found." in page.text
    assert "1 paper(s) will be fetched from arXiv once you confirm" in page.text
    confirm = api.follow(next(u for u in api.links_in_last_mail() if "/confirm?" in u))
    assert "new papers like Continuous Latent Diffusion Language Model, 2601.00042" in \
        confirm.text
    api.confirm_from_last_mail()
    item = api.subscriber_item("ada@example.org")
    assert item["status"] == "active" and item.get("trending_top", 0) == 0


def test_kind_likes_needs_a_paper(api):
    reply = api.post("/subscriptions", json_body={"email": "ada@example.org", "kind": "likes"})
    assert reply.status == 400 and reply.json()["field"] == "like"


@pytest.fixture
def liker(api):
    api.post("/subscriptions", json_body={"email": "ada@example.org", "like": [DIFFUSION_LM],
                                          "queries": ["RoPE"]})
    api.confirm_from_last_mail()
    return _manage(api, "ada@example.org")


def test_the_manage_page_lists_the_papers_with_remove_buttons_and_top_terms(api, liker):
    doc = lxml.html.fromstring(api.get("/manage", query={"token": liker}).text)
    rows = doc.xpath('//ul[@id="liked-papers"]/li')
    assert [r.xpath(".//a/text()")[0] for r in rows] == [
        "Continuous Latent Diffusion Language Model"]
    button = rows[0].xpath(".//button")[0]
    assert (button.get("name"), button.get("value")) == ("paper", DIFFUSION_LM)
    assert button.get("aria-label") == ("Remove Continuous Latent Diffusion Language Model "
                                        "from the liked papers")
    form = button.xpath("ancestor::form")[0]
    assert form.get("method") == "post" and form.get("action") == f"manage?token={liker}"
    assert form.xpath('.//input[@name="action"]/@value') == ["remove_paper"]
    terms = doc.xpath('//*[@id="profile-terms"]//code/text()')
    assert "diffusion" in terms and "latent" in terms
    # The profile's preview: the bundled paper it resembles, with the reason.
    preview = doc.xpath('//ol[@id="like-preview-list"]/li')
    assert preview and "similar to Continuous Latent Diffusion" in preview[0].text_content()


def test_adding_papers_on_the_manage_page_reports_what_was_not_used(api, liker):
    reply = api.post("/manage", query={"token": liker}, form={
        "action": "add_papers", "like": f"https://huggingface.co/papers/{COLLAB}\n@book{{x,"
        " title={Old Book}}}", "dislike": ROPE})
    assert reply.status == 200
    doc = lxml.html.fromstring(reply.text)
    notice = doc.xpath('//p[@class="notice"]')[0].text_content()
    assert notice.startswith("Added. 2 of your 2 liked paper(s) found.")
    assert "entry 'x' (Old Book)" in notice
    assert [p for p, _ in _liked(api, "ada@example.org")] == [DIFFUSION_LM, COLLAB]
    item = api.subscriber_item("ada@example.org")
    assert [p["id"] for p in item["dislikes"]] == [ROPE]
    assert item["like_notes"] == ["liked papers: entry 'x' (Old Book): no arXiv id, eprint "
                                  "or DOI"]
    assert doc.xpath('//ul[@id="disliked-papers"]/li//a/text()') == [
        "Resonance RoPE: Improving Context Length Generalization of Large Language Models"]
    assert "Old Book" in doc.xpath('//*[@id="like-notes"]')[0].text_content()


def test_removing_a_paper_and_a_stale_remove(api, liker):
    reply = api.post("/manage", query={"token": liker},
                     form={"action": "remove_paper", "paper": DIFFUSION_LM})
    assert reply.status == 200 and _liked(api, "ada@example.org") == []
    stale = api.post("/manage", query={"token": liker},
                     form={"action": "remove_paper", "paper": DIFFUSION_LM})
    assert stale.status == 400 and "Not among your liked or disliked papers" in stale.text


def test_a_save_without_likes_keeps_them_and_a_likes_only_save_needs_no_query(api, liker):
    api.post("/manage", query={"token": liker}, form={
        "action": "save", "kind": "queries", "queries": "diffusion", "hour": "6"})
    assert [p for p, _ in _liked(api, "ada@example.org")] == [DIFFUSION_LM]
    saved = api.post("/manage", query={"token": liker}, form={
        "action": "save", "kind": "likes", "queries": "", "hour": "6"})
    assert saved.status == 200, saved.text[:400]
    item = api.subscriber_item("ada@example.org")
    assert item.get("queries") == [] and [p["id"] for p in item["likes"]] == [DIFFUSION_LM]
    page = lxml.html.fromstring(api.get("/manage", query={"token": liker}).text)
    assert page.xpath('//input[@name="kind"][@checked]/@value') == ["likes"]


def test_a_json_save_replaces_the_likes_keeping_texts_already_read(api, liker):
    reply = api.post("/manage", query={"token": liker, "format": "json"},
                     json_body={"action": "save", "queries": ["RoPE"],
                                "like": [DIFFUSION_LM, COLLAB]})
    assert reply.status == 200 and reply.json()["like"] == [DIFFUSION_LM, COLLAB]
    assert [t for _, t in _liked(api, "ada@example.org")] == [
        "Continuous Latent Diffusion Language Model", "Safe Collaborative Filtering"]
    too_many = api.post("/manage", query={"token": liker, "format": "json"}, json_body={
        "action": "save", "queries": ["RoPE"],
        "like": [f"2401.{i:05d}" for i in range(51)]})
    assert too_many.status == 400 and too_many.json()["field"] == "like"


def test_the_profile_api_shows_adds_and_removes(api, liker):
    profile = api.get("/api/profile", query={"token": liker})
    assert profile.status == 200
    data = profile.json()
    assert [p["id"] for p in data["like"]] == [DIFFUSION_LM] and data["limit"] == 50
    assert "diffusion" in data["top_terms"]
    assert data["preview"]["papers"] and data["preview"]["papers"][0]["similar_to"]["id"] \
        == DIFFUSION_LM
    added = api.post("/api/profile", query={"token": liker},
                     json_body={"action": "add", "dislike": [ROPE], "like": "2601.00042"})
    assert added.status == 200
    data = added.json()
    assert [p["id"] for p in data["like"]] == [DIFFUSION_LM, "2601.00042"]
    assert data["waiting_for_arxiv"] == ["2601.00042"] and [p["id"] for p in data["dislike"]] \
        == [ROPE]
    removed = api.post("/api/profile", query={"token": liker},
                       json_body={"action": "remove", "paper": [ROPE, "2601.00042"]})
    assert [p["id"] for p in removed.json()["like"]] == [DIFFUSION_LM]
    assert removed.json()["dislike"] == []
    assert api.post("/api/profile", query={"token": liker},
                    json_body={"action": "explode"}).status == 400
    forged = api.get("/api/profile", query={"token": liker[:-2] + "xx"})
    assert forged.status == 403


def test_the_preview_recommends_for_liked_papers(api):
    one = api.get("/preview", query={"like": DIFFUSION_LM, "format": "json"}).json()
    recs = one["recommendations"]
    assert [p["id"] for p in recs["liked"]] == [DIFFUSION_LM]
    titles = [p["title"] for p in recs["papers"]]
    assert titles and "Continuous Latent Diffusion Language Model" not in titles
    assert all(p["score"] >= 0.1 for p in recs["papers"])
    assert recs["papers"][0]["similar_to"]["id"] == DIFFUSION_LM and recs["papers"][0]["terms"]
    two = api.get("/preview", query={"like": f"{DIFFUSION_LM} {COLLAB}",
                                     "format": "json"}).json()["recommendations"]
    assert [p["title"] for p in two["papers"]] != titles  # a second liked paper changes it
    unknown = api.get("/preview", query={"like": "2601.00042", "format": "json"}).json()
    assert unknown["recommendations"]["not_found"] == ["2601.00042"]
    fragment = api.get("/preview", query={"like": DIFFUSION_LM, "format": "fragment"})
    doc = lxml.html.fromstring(fragment.text)
    assert doc.xpath('//ol[@id="like-preview-list"]/li//mark')  # shared terms marked
    bad = api.get("/preview", query={"like": "nonsense", "format": "json"})
    assert bad.status == 400 and bad.json()["field"] == "like"


def test_the_next_mail_page_allows_the_mails_inline_styles_and_no_script(api, liker):
    from paperbell.web.responses import SECURITY_HEADERS

    api.pipeline.match()
    page = api.get("/preview/next", query={"token": liker})
    assert page.status == 200 and "style=" in page.text
    policy = page.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert directives["style-src"] == "'unsafe-inline'"
    assert directives["default-src"] == "'none'" and "script-src" not in directives
    assert directives["form-action"] == "'none'" and directives["sandbox"].startswith(
        "allow-popups")
    assert "<script" not in page.text.lower()
    assert page.headers["cache-control"] == "no-store"
    # Every other page keeps the strict policy.
    manage = api.get("/manage", query={"token": liker})
    assert manage.headers["content-security-policy"] == \
        SECURITY_HEADERS["Content-Security-Policy"]


def test_a_webhook_subscriber_may_like_papers_and_read_its_profile(api):
    created = api.post("/api/webhooks", json_body={
        "url": "https://93.184.215.14/hooks/paperbell", "like": [DIFFUSION_LM, "2601.00042"],
        "hour": 9})
    assert created.status == 201
    body = created.json()
    assert body["mode"] == "daily"  # recommendations are a digest section, never instant
    assert body["like"] == [DIFFUSION_LM, "2601.00042"] and body["queries"] == []
    assert body["papers"]["waiting_for_arxiv"] == ["2601.00042"]
    profile = api.get("/api/profile", query={"token": body["manage_token"]}).json()
    assert [p["pending"] for p in profile["like"]] == [False, True]
