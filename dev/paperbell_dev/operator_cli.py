"""Operator commands: ``paperbell subscribers add|list|show|pause|remove`` (``add`` with
``--like``/``--dislike``/``--likes-file`` for recommendations),
``paperbell preview`` and ``paperbell send-test``.

Where they act:
* ``--stack NAME [--profile P] [--region R]``: a deployed stack; table names come from
  its CloudFormation outputs (PapersTableName, SubscribersTableName,
  DeliveriesTableName), the sender from its SenderAddress parameter.
* otherwise the local stack at ``AWS_ENDPOINT_URL`` (e.g. a moto server started with
  ``.venv/bin/moto_server -p 5000``): the template's tables are created there if
  missing, so state persists between commands for as long as that server runs.
Without either there is nothing to talk to - the embedded AWS of ``paperbell demo``
and ``paperbell serve`` lives only inside that process - and the command says so.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field, replace
from typing import Any

from paperbell import aws
from paperbell.config import Settings
from paperbell.errors import ConfigError
from paperbell.models import Subscriber

NO_TARGET = (
    "no stack to talk to: pass --stack NAME (a deployed stack; with --profile/--region), "
    "or set AWS_ENDPOINT_URL to a local AWS such as a moto server "
    "(.venv/bin/moto_server -p 5000 & export AWS_ENDPOINT_URL=http://127.0.0.1:5000)"
)


@dataclass(frozen=True)
class Target:
    """The stack a command acts on: its tables and sender, and all its outputs (queue
    URLs for the operations commands), read in one connection."""

    description: str
    settings: Settings
    outputs: dict[str, str] = field(default_factory=dict)


def connect(args: argparse.Namespace) -> Target:
    if getattr(args, "stack", None):
        return _deployed(args.stack, args.profile, args.region)
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        return _local(endpoint)
    raise ConfigError(NO_TARGET)


def _deployed(stack: str, profile: str | None, region: str | None) -> Target:
    if profile:
        os.environ["AWS_PROFILE"] = profile
    if region:
        os.environ["AWS_DEFAULT_REGION"] = region
    aws.reset_clients()
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        described = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except (ClientError, BotoCoreError) as exc:
        raise ConfigError(f"cannot read stack {stack!r}: {exc}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in
              described.get("Parameters", [])}
    missing = [k for k in ("PapersTableName", "SubscribersTableName", "DeliveriesTableName")
               if k not in outputs]
    if missing:
        raise ConfigError(f"stack {stack!r} has no output(s) {', '.join(missing)}; "
                          "is it a paperbell stack?")
    return Target(
        f"stack {stack}",
        Settings(
            papers_table=outputs["PapersTableName"],
            subscribers_table=outputs["SubscribersTableName"],
            deliveries_table=outputs["DeliveriesTableName"],
            sender_address=params.get("SenderAddress") or Settings.sender_address,
            sender_name=params.get("SenderName") or Settings.sender_name,
            site_url=(params.get("SiteUrl") or Settings.site_url).rstrip("/"),
            configuration_set=outputs.get("DigestConfigurationSetName") or None,
        ),
        outputs,
    )


def _local(endpoint: str) -> Target:
    from paperbell_dev.local.pipeline import LOCAL_SENDER, LOCAL_SITE
    from paperbell_dev.local.stack import LocalStack

    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(key, value)
    aws.reset_clients()
    stack = LocalStack(parameters={"SenderAddress": LOCAL_SENDER, "SiteUrl": LOCAL_SITE})
    stack.deploy()  # idempotent: creates the tables once, then finds them
    return Target(
        f"local stack at {endpoint}",
        Settings(
            papers_table=stack.physical["PapersTable"]["Ref"],
            subscribers_table=stack.physical["SubscribersTable"]["Ref"],
            deliveries_table=stack.physical["DeliveriesTable"]["Ref"],
            sender_address=LOCAL_SENDER,
            site_url=LOCAL_SITE,
        ),
        stack.outputs(),
    )


# -- helpers ---------------------------------------------------------------------------
def _repos(target: Target) -> tuple[Any, Any]:
    from paperbell.storage.deliveries import DeliveryRepository
    from paperbell.storage.subscribers import SubscriberRepository

    return (SubscriberRepository(target.settings.subscribers_table),
            DeliveryRepository(target.settings.deliveries_table))


def _find(target: Target, who: str) -> Any:
    subscribers, _ = _repos(target)
    found = subscribers.find_by_email(who.strip().lower()) if "@" in who else subscribers.get(who)
    if found is None:
        raise ConfigError(f"no subscriber {who!r} in {target.description}")
    return found


def _as_json(subscriber: Any) -> dict[str, Any]:
    return dict(subscriber.public_json())


def _line(subscriber: Any) -> str:
    who = subscriber.email or subscriber.webhook_url
    return (f"{subscriber.id}  {subscriber.status:<12} {subscriber.delivery_hour:02d}:00 "
            f"{subscriber.timezone:<20} {subscriber.mode:<7} {who}  "
            f"[{'; '.join(subscriber.queries)}]" + _trending_label(subscriber)
            + _likes_label(subscriber))


def _trending_label(subscriber: Subscriber) -> str:
    if not subscriber.wants_trending:
        return ""
    narrowed = f" matching {subscriber.trending_filter}" if subscriber.trending_filter else ""
    return f" + trending top {subscriber.trending_top}{narrowed}"


def _likes_label(subscriber: Subscriber) -> str:
    if not (subscriber.likes or subscriber.dislikes):
        return ""
    waiting = sum(p.pending for p in (*subscriber.likes, *subscriber.dislikes))
    return (f" + likes {len(subscriber.likes)}"
            + (f", dislikes {len(subscriber.dislikes)}" if subscriber.dislikes else "")
            + (f" ({waiting} to fetch)" if waiting else ""))


# -- commands --------------------------------------------------------------------------
def cmd_add(args: argparse.Namespace) -> int:
    from paperbell.services.subscriptions import subscriber_from_fields

    # The same rules and messages as the subscribe page (paperbell.validation), checked
    # before connecting; a RequestError is printed as one line by the CLI.
    fields = {"email": [args.email], "queries": list(args.query or []),
              "hour": [str(args.hour)], "timezone": [args.timezone],
              "frequency": [args.frequency or ""], "mode": [args.mode or ""],
              "weekday": [args.weekday or ""], "trending": [str(args.trending or "")],
              "trending_filter": [args.filter or ""]}
    likes = [*(args.like or []), *(_read_file(path) for path in args.likes_file or [])]
    if likes:
        fields["like"] = likes
    if args.dislike:
        fields["dislike"] = list(args.dislike)
    subscriber = subscriber_from_fields(fields)
    target = connect(args)
    subscribers, deliveries = _repos(target)
    if subscriber.likes or subscriber.dislikes:
        subscriber = _read_liked(target, subscriber, fetch=not args.no_fetch)
    existing = subscribers.find_by_email(subscriber.email, mail_only=True)
    if existing is not None:
        if existing.status == "suppressed":
            raise ConfigError(f"{subscriber.email} is suppressed (it bounced or complained); "
                              "lift that first with 'paperbell subscribers unsuppress'")
        subscriber = replace(subscriber, id=existing.id)  # replace, never duplicate
    subscribers.put(subscriber)
    from paperbell import clock
    from paperbell.services.subscriptions import start_schedule

    start_schedule(subscriber, deliveries, now=clock.now())  # trending: due at its hour
    print(f"added (active, no confirmation mail): {_line(subscriber)}")
    return 0


def _read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def _read_liked(target: Target, subscriber: Subscriber, *, fetch: bool) -> Subscriber:
    """Fill in the liked papers now: the stack's papers table, then (unless --no-fetch)
    the arXiv export API, politely, from this one process. What is still missing is left
    to the stack's IndexFunction; what could not be used is printed."""
    from paperbell.services import likes
    from paperbell.sources.fetcher import HttpFetcher
    from paperbell.sources.specs import ARXIV_API_URL
    from paperbell.storage.papers import PaperRepository

    with HttpFetcher() as fetcher:
        named = likes.read_named(
            PaperRepository(target.settings.papers_table), subscriber.likes,
            subscriber.dislikes, subscriber.like_notes, fetcher=fetcher if fetch else None,
            api_url=os.environ.get("ARXIV_API_URL", ARXIV_API_URL))
    for note in named.notes:
        print(f"paperbell: not used: {note}", file=_stderr())
    if named.pending:
        print(f"paperbell: {named.pending} paper(s) not read yet; the stack's IndexFunction "
              "fetches them from arXiv", file=_stderr())
    return replace(subscriber, likes=named.likes, dislikes=named.dislikes,
                   like_notes=named.notes[-likes.MAX_NOTES:])


def cmd_unsuppress(args: argparse.Namespace) -> int:
    """The one way to undo a suppression: an operator's explicit, recorded decision."""
    from paperbell import clock

    target = connect(args)
    subscriber = _find(target, args.who)
    subscribers, _ = _repos(target)
    updated = subscribers.unsuppress(subscriber.id, reason=args.reason,
                                     at=clock.now().isoformat())
    if updated is None:
        raise ConfigError(f"{subscriber.id} is {subscriber.status}, not suppressed")
    print(f"unsuppressed (now unsubscribed; the person may sign up again): {_line(updated)}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    target = connect(args)
    subscribers, _ = _repos(target)
    shown = sorted(
        (s for s in subscribers.iter_all() if not args.status or s.status == args.status),
        key=lambda s: (s.email, s.id),
    )
    for subscriber in shown:
        print(json.dumps(_as_json(subscriber)) if args.json else _line(subscriber))
    if not args.json:
        print(f"{len(shown)} subscriber(s) in {target.description}", file=_stderr())
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    target = connect(args)
    subscriber = _find(target, args.who)
    _, deliveries = _repos(target)
    pending = deliveries.pending_matches(subscriber.id)
    ledger = sorted(deliveries.recent_ledger(subscriber.id, 10), key=lambda e: e.key,
                    reverse=True)
    if args.json:
        data = _as_json(subscriber)
        data["pending_matches"] = [m.paper_id for m in pending]
        data["ledger"] = [{"key": e.key, "status": e.status, "papers": list(e.paper_ids)}
                          for e in ledger]
        print(json.dumps(data))
        return 0
    print(_line(subscriber))
    print(f"pending matches: {len(pending)}" +
          (f" ({', '.join(m.paper_id for m in pending[:10])})" if pending else ""))
    for entry in ledger:
        print(f"  {entry.key}: {entry.status}, {len(entry.paper_ids)} paper(s)")
    return 0


def cmd_pause(args: argparse.Namespace) -> int:
    target = connect(args)
    subscriber = _find(target, args.who)
    subscribers, deliveries = _repos(target)
    if args.resume:
        updated = subscribers.set_status(subscriber.id, "active",
                                         only_from=("active", "paused"))
    else:
        updated = subscribers.set_status(subscriber.id, "paused",
                                         only_from=("active", "paused"))
    if updated is None:
        raise ConfigError(f"{subscriber.id} is {subscriber.status}; only active or paused "
                          "subscribers can be paused or resumed")
    from paperbell import clock
    from paperbell.services.subscriptions import start_schedule

    start_schedule(updated, deliveries, now=clock.now())  # on or off the planner's index
    print(_line(updated))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    target = connect(args)
    subscriber = _find(target, args.who)
    subscribers, deliveries = _repos(target)
    removed = deliveries.delete_subscriber(subscriber.id)
    subscribers.delete(subscriber.id)
    print(f"removed {subscriber.id} ({subscriber.email or subscriber.webhook_url}) and "
          f"{removed} delivery item(s)")
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from paperbell.matching import snippet
    from paperbell.services.preview import preview

    target = connect(args)
    result = preview(target.settings.papers_table, list(args.query), days=args.days,
                     limit=args.limit)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
        return 0
    for hit in result.hits:
        print(f"{hit.paper.id}  {_stars(hit.paper.title, hit.highlights['title'])}")
        print(f"  matched: {', '.join(hit.queries)}")
        if hit.highlights["abstract"]:
            window, spans = snippet(hit.paper.abstract, hit.highlights["abstract"])
            print(f"  {_stars(window, spans)}")
    print(f"{len(result.hits)} of {result.scanned} paper(s) of the last {result.days} day(s) "
          "matched", file=_stderr())
    return 0


def cmd_send_test(args: argparse.Namespace) -> int:
    from paperbell.delivery import subscription_mail
    from paperbell.validation import validate_email_address

    target = connect(args)
    address = validate_email_address(args.email)
    message_id = subscription_mail.send(
        target.settings, subscription_mail.test_mail(target.settings, address), address
    )
    print(f"sent a test mail to {address} from {target.settings.sender_address} "
          f"(SES message id {message_id})")
    return 0


def _stars(text: str, spans: Any) -> str:
    out, pos = [], 0
    for start, end in sorted((int(s[0]), int(s[1])) for s in spans):
        if start < pos:
            continue
        out += [text[pos:start], f"**{text[start:end]}**"]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _stderr() -> Any:
    import sys

    return sys.stderr


# -- argparse --------------------------------------------------------------------------
def _target_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("where (default: the local stack at AWS_ENDPOINT_URL)")
    group.add_argument("--stack", metavar="NAME", help="a deployed paperbell stack")
    group.add_argument("--profile", metavar="P", help="AWS profile (with --stack)")
    group.add_argument("--region", metavar="R", help="AWS region (with --stack)")
    return parent


def register(sub: Any) -> None:
    """Add the operator subcommands to the ``paperbell`` parser's subparsers."""
    where = _target_options()
    subscribers = sub.add_parser(
        "subscribers", help="add, list, show, pause, unsuppress or remove subscribers",
        description="Manage subscribers of a deployed stack (--stack) or of the local stack "
        "at AWS_ENDPOINT_URL.",
    )
    actions = subscribers.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    add = actions.add_parser("add", parents=[where], help="add an active subscriber",
                             description="Add (or replace) an active subscriber; no "
                             "confirmation mail is sent (the operator vouches).")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--query", "-q", action="append", metavar="Q",
                     help="a query (repeatable)")
    # Plain strings on purpose: paperbell.validation checks them with the web's messages.
    add.add_argument("--hour", default="8", help="delivery hour 0-23 (default 8)")
    add.add_argument("--timezone", default="UTC", help="IANA timezone (default UTC)")
    add.add_argument("--frequency", help="daily (default), weekly or instant")
    add.add_argument("--mode", help=argparse.SUPPRESS)  # the old name of --frequency
    add.add_argument("--weekday", help="day of a weekly digest (monday ... sunday)")
    add.add_argument("--trending", metavar="N",
                     help="the top N (1-50) trending papers; --query becomes optional")
    add.add_argument("--filter", metavar="QUERY", help="narrow trending to papers matching it")
    add.add_argument("--like", action="append", metavar="ID",
                     help="a liked paper (arXiv id, arXiv/HF link or DOI; repeatable, at most "
                     "50): recommendations of papers like it; --query becomes optional")
    add.add_argument("--likes-file", action="append", metavar="FILE",
                     help="liked papers from a file: ids/links or a BibTeX/Zotero export")
    add.add_argument("--dislike", action="append", metavar="ID",
                     help="a paper to get fewer like (repeatable)")
    add.add_argument("--no-fetch", action="store_true",
                     help="do not fetch liked papers the stack lacks from arXiv now (the "
                     "stack's IndexFunction does it)")
    add.set_defaults(func=cmd_add)

    unsuppress = actions.add_parser(
        "unsuppress", parents=[where], help="lift a bounce/complaint suppression",
        description="Suppressed addresses (hard bounce or complaint) are never mailed "
        "again, whatever the subscriber or anyone else does. This lifts a suppression "
        "(status becomes unsubscribed, so the person may sign up again with double "
        "opt-in) and records who decided why.")
    unsuppress.add_argument("who", metavar="ID_OR_EMAIL")
    unsuppress.add_argument("--reason", required=True,
                            help="why, e.g. 'mailbox fixed, confirmed by phone' (recorded)")
    unsuppress.set_defaults(func=cmd_unsuppress)

    listing = actions.add_parser("list", parents=[where], help="list subscribers")
    listing.add_argument("--status", choices=["pending", "active", "paused", "unsubscribed",
                                              "suppressed"])
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=cmd_list)

    show = actions.add_parser("show", parents=[where],
                              help="one subscriber, pending matches and recent deliveries")
    show.add_argument("who", metavar="ID_OR_EMAIL")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)

    pause = actions.add_parser("pause", parents=[where], help="pause (or --resume) mail")
    pause.add_argument("who", metavar="ID_OR_EMAIL")
    pause.add_argument("--resume", action="store_true", help="resume instead of pausing")
    pause.set_defaults(func=cmd_pause)

    remove = actions.add_parser("remove", parents=[where],
                                help="delete a subscriber and all their delivery data")
    remove.add_argument("who", metavar="ID_OR_EMAIL")
    remove.set_defaults(func=cmd_remove)

    preview = sub.add_parser(
        "preview", parents=[where], help="stored papers of the last days a query matches",
        description="Which papers first seen in the last N days match the queries "
        "(what the subscribe page previews).",
    )
    preview.add_argument("--query", "-q", action="append", required=True, metavar="Q")
    preview.add_argument("--days", type=int, default=7, metavar="N", help="default 7")
    preview.add_argument("--limit", type=int, default=50, metavar="N", help="default 50")
    preview.add_argument("--json", action="store_true")
    preview.set_defaults(func=cmd_preview)

    send_test = sub.add_parser("send-test", parents=[where],
                               help="send a test mail through the stack's SES sender")
    send_test.add_argument("email", metavar="EMAIL")
    send_test.set_defaults(func=cmd_send_test)
