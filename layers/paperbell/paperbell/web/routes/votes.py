""""More like this" / "less like this": the page a mail's vote link opens, and its POST.

The GET changes nothing (link scanners and mail previews fetch links); only the POST of
the page's one button votes (services/votes.py).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.services import votes
from paperbell.services.context import RequestContext
from paperbell.web import pages
from paperbell.web.request import Request
from paperbell.web.responses import ERRORS, HTML_OK, html_response, json_response

router = APIGatewayHttpRouter()


def _page(direction: str) -> Response[str]:
    request = Request(router.current_event)
    vote = votes.read_vote(RequestContext.from_env(), request.token, direction)
    return html_response(pages.vote_page(vote.direction, vote.paper, request.token or ""))


def _post(direction: str) -> Response[str]:
    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    vote = votes.read_vote(ctx, request.token, direction)
    subscriber = votes.apply_vote(ctx, vote)
    if request.wants_json:
        return json_response({"like": [p.id for p in subscriber.likes],
                              "dislike": [p.id for p in subscriber.dislikes]})
    more = direction == "more"
    # No manage link: a vote token must not hand out a token that can do more.
    return html_response(pages.message_page(
        "Thanks, noted",
        [f"{'More' if more else 'Fewer'} papers like “{vote.paper.title}” from your next "
         "digest on. Your digest's manage link lists your liked papers."],
    ))


@router.get("/more", summary="'More like this' page (one button; changes nothing)",
            responses={**HTML_OK, **ERRORS}, tags=["recommendations"])
def more_get() -> Response[str]:
    return _page("more")


@router.post("/more", summary="Vote 'more like this': the paper joins the liked papers",
             responses={**HTML_OK, **ERRORS}, tags=["recommendations"])
def more_post() -> Response[str]:
    return _post("more")


@router.get("/less", summary="'Less like this' page (one button; changes nothing)",
            responses={**HTML_OK, **ERRORS}, tags=["recommendations"])
def less_get() -> Response[str]:
    return _page("less")


@router.post("/less", summary="Vote 'less like this': the paper joins the disliked papers",
             responses={**HTML_OK, **ERRORS}, tags=["recommendations"])
def less_post() -> Response[str]:
    return _post("less")
