"""Trending on the web (issue 15): the subscribe page's list and default choice, the
manage page switching kinds, the public feeds, the next-mail preview, arXiv-only."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import lxml.html

from paperbell import aws
from paperbell.tokens import make_token

TRENDY_ADDRESS = "trendy@example.org"
ATOM = "{http://www.w3.org/2005/Atom}"


def _confirm(api, email_address: str, **form):
    reply = api.post("/subscriptions", form={"email": email_address, **form})
    assert reply.status == 202, reply.text
    api.confirm_from_last_mail()
    return api.subscriber_item(email_address)


def test_the_subscribe_page_leads_with_todays_trending_list(api):
    page = api.get("/")
    doc = lxml.html.fromstring(page.text)
    assert doc.findtext(".//h1") == "Get trending papers in your email inbox once a day"
    # The address and the Subscribe button come before the list; trending is the default.
    assert page.text.index('id="email"') < page.text.index('id="subscribe"') \
        < page.text.index('id="trending-list"')
    assert doc.xpath('//input[@name="kind"][@checked]/@value') == ["trending"]
    items = doc.xpath('//ol[@id="trending-list"]/li')
    assert [i.get("value") for i in items] == ["1", "2", "3"]
    first = items[0]
    assert "Beyond Semantic Similarity" in first.findtext(".//h3/a")
    assert "▲ 86 upvotes · 3 comments" in first.text_content()
    assert "Zhuofeng Li" in first.text_content()
    assert "Direct corpus interaction" in first.findtext('.//p[@class="summary"]')
    assert first.xpath('.//a[text()="PDF"]/@href') == ["https://arxiv.org/pdf/2605.05242"]


def test_subscribing_to_trending_needs_no_query(api):
    item = _confirm(api, "trendy@example.org", kind="trending", trending_top="5",
                    hour="7", timezone="Europe/Berlin", frequency="daily")
    assert (item["trending_top"], item.get("queries")) == (5, [])
    assert item["status"] == "active"
    tick = aws.table(api.pipeline.table_name("DeliveriesTable")).get_item(
        Key={"subscriber_id": api.subscriber_id(TRENDY_ADDRESS), "sk": "tick"}).get("Item")
    assert tick is not None and tick["due_slot"].endswith(("T05", "T06"))  # 07:00 Berlin


def test_json_subscribe_with_a_filter_and_instant_refused(api):
    bad = api.post("/subscriptions", json_body={"email": "x@example.org", "trending": 5,
                                                "frequency": "instant"})
    assert bad.status == 400 and bad.json()["field"] == "frequency"
    bad = api.post("/subscriptions", json_body={"email": "x@example.org",
                                                "trending": {"top": 3, "filter": "titel:x"}})
    assert bad.status == 400 and bad.json()["field"] == "trending_filter"
    assert "did you mean 'title'" in bad.json()["message"]
    ok = api.post("/subscriptions", json_body={"email": "x@example.org",
                                               "trending": {"top": 3, "filter": "diffusion"}})
    assert ok.status == 202


def test_the_manage_page_switches_between_trending_queries_and_both(api):
    _confirm(api, "trendy@example.org", kind="trending")
    manage = make_token(api.key(), "manage", api.subscriber_id(TRENDY_ADDRESS))
    page = lxml.html.fromstring(api.get("/manage", query={"token": manage}).text)
    assert page.xpath('//input[@name="kind"][@checked]/@value') == ["trending"]

    def save(**form):
        reply = api.post("/manage", query={"token": manage}, form={"action": "save", **form})
        assert reply.status == 200, reply.text
        return api.subscriber_item(api.subscriber_id(TRENDY_ADDRESS))

    both = save(kind="both", trending_top="3", trending_filter="agent*", queries="RoPE",
                frequency="weekly", weekday="4", hour="8", timezone="UTC")
    assert (both["trending_top"], both["trending_filter"], both["queries"]) == (3, "agent*",
                                                                               ["RoPE"])
    assert (both["mode"], both["weekday"]) == ("weekly", 4)
    queries = save(kind="queries", trending_top="3", queries="RoPE", frequency="instant",
                   hour="8", timezone="UTC")
    assert (queries["trending_top"], queries["mode"]) == (0, "instant")
    # Keyword-only instant: off the planner's tick index.
    tick = aws.table(api.pipeline.table_name("DeliveriesTable")).get_item(
        Key={"subscriber_id": api.subscriber_id(TRENDY_ADDRESS), "sk": "tick"}).get("Item")
    assert tick is None
    back = save(kind="trending", queries="", frequency="daily", hour="8", timezone="UTC")
    assert (back["trending_top"], back["queries"]) == (10, [])
    refused = api.post("/manage", query={"token": manage},
                       form={"action": "save", "kind": "both", "queries": "", "hour": "8"})
    assert refused.status == 400 and "at least one query" in refused.text
    # A JSON client that does not mention trending keeps it.
    kept = api.post("/manage", query={"token": manage},
                    json_body={"action": "save", "queries": ["RoPE"], "hour": 9},
                    headers={"accept": "application/json"})
    assert kept.json()["trending"] == {"top": 10, "filter": None}


def test_public_trending_feeds_and_api(api):
    atom = api.get("/trending.xml")
    assert atom.status == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    assert "public" in atom.headers["cache-control"]
    root = ET.fromstring(atom.text)
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles[0].startswith("Beyond Semantic Similarity") and len(titles) == 3
    feed = api.get("/trending.json", query={"filter": "diffusion"}).json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["_paperbell"]["rank"] for i in feed["items"]] == [1]
    assert "Diffusion" in feed["items"][0]["title"]
    data = api.get("/api/trending", query={"top": "2"}).json()
    assert data["available"] is True and [p["rank"] for p in data["papers"]] == [1, 2]
    assert {"id", "title", "upvotes", "rank", "authors", "url"} <= set(data["papers"][0])
    bad = api.get("/trending.json", query={"filter": "(unclosed"})
    assert bad.status == 400 and bad.json()["field"] == "filter"


def test_next_mail_preview_shows_the_sections(api):
    _confirm(api, "trendy@example.org", kind="both", trending_top="2", queries="lottery tickets")
    manage = make_token(api.key(), "manage", api.subscriber_id(TRENDY_ADDRESS))
    api.pipeline.match()
    data = api.get("/preview/next", query={"token": manage},
                   headers={"accept": "application/json"}).json()
    assert [s["key"] for s in data["sections"]] == ["trending", "queries"]
    assert [p["rank"] for p in data["sections"][0]["papers"]] == [1, 2]
    assert data["subject"].startswith("Today's top 2 trending + ")
    html = api.get("/preview/next", query={"token": manage})
    assert html.status == 200 and "Trending on Hugging Face" in html.text


def test_an_arxiv_only_stack_says_so_on_the_page_and_in_the_api(arxiv_only_api):
    api = arxiv_only_api
    page = api.get("/")
    doc = lxml.html.fromstring(page.text)
    notice = doc.xpath('//*[@id="trending-unavailable"]')[0].text_content()
    assert "no popularity signal" not in notice and "without a popularity signal" in notice
    assert doc.xpath('//input[@name="kind"][@checked]/@value') == ["queries"]
    assert doc.xpath('//input[@id="kind-trending"]/@disabled')
    data = api.get("/api/trending").json()
    assert data["available"] is False and "arxiv:cs.LG" in data["reason"]
    feed = api.get("/trending.json")
    assert feed.status == 409 and json.loads(feed.text)["error"] == "trending_unavailable"
