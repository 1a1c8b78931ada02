"""Create the local stack (tables, queues, secret, SES sender) on a moto server, for
``sam local invoke ... --env-vars events/env.json``.

    .venv/bin/python scripts/sam_local/local_stack.py [--endpoint URL] [--seed]

--seed also stores what the sample events expect to find: the subscriber
ada@example.org (queries "lottery tickets" and "RoPE", the subscriber of
events/mail.json) and her pending match for paper 2403.00071 due in the slot
events/plan.json plans (2026-11-27T08). Run the scrape event before the mail event:
the digest needs the paper it stores.
"""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="http://127.0.0.1:5000", help="moto server URL")
    parser.add_argument("--seed", action="store_true", help="store the sample subscriber")
    args = parser.parse_args(argv)

    from paperbell_dev.local.pipeline import isolate_from_real_aws

    isolate_from_real_aws(args.endpoint)

    from paperbell import aws
    from paperbell_dev.local.pipeline import LOCAL_SENDER, LOCAL_SITE
    from paperbell_dev.local.stack import LocalStack

    aws.reset_clients()
    stack = LocalStack(parameters={"SenderAddress": LOCAL_SENDER, "SiteUrl": LOCAL_SITE}).deploy()
    print(f"deployed {stack.stack_name}-* on {args.endpoint}")
    if args.seed:
        from paperbell.models import PendingMatch
        from paperbell.services.subscriptions import new_subscriber
        from paperbell.storage.deliveries import DeliveryRepository
        from paperbell.storage.subscribers import SubscriberRepository
        from paperbell_dev.demo_data import SAMPLE_SUBSCRIBER_ID

        ada = new_subscriber("ada@example.org", ["lottery tickets", "RoPE"], delivery_hour=8,
                              subscriber_id=SAMPLE_SUBSCRIBER_ID)
        SubscriberRepository(stack.physical["SubscribersTable"]["Ref"]).put(ada)
        DeliveryRepository(stack.physical["DeliveriesTable"]["Ref"]).record_match(
            PendingMatch(ada.id, "2403.00071", ("RoPE",)), due_slot="2026-11-27T08", expires_at=0
        )
        print(f"seeded subscriber {ada.id} (ada@example.org) and her pending match")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
