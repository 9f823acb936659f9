"""Load the demo organisations, users and API tokens, idempotently, and print them as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from pagero.partners import public as partners

# Demo data only: fixed credentials so that `make run` prints the same logins every time.
DEMO_ORGANISATIONS: list[dict[str, Any]] = [
    {
        "name": "Acme Supplies AB",
        "slug": "acme",
        "identifiers": [("0007", "5567321707"), ("0088", "7300010000001"), ("9955", "SE556732170701")],
        "users": [{"username": "alice", "email": "alice@acme.example", "password": "acme-demo-2026"}],
        "token": "pgr_demo_acme_3f9c1d2e7b8a4c6d",
        "receive": {"format": "ubl", "channel": "inbox"},
    },
    {
        "name": "Nordic Retail AS",
        "slug": "nordic",
        "identifiers": [("0192", "987654325"), ("0088", "7080000000005"), ("9908", "NO987654325MVA")],
        "users": [{"username": "bob", "email": "bob@nordic.example", "password": "nordic-demo-2026"}],
        "token": "pgr_demo_nordic_8e2b7c4a1f5d9e3b",
        "receive": {"format": "cii", "channel": "inbox"},
    },
]
DEMO_OPERATOR = {
    "username": "operator",
    "email": "operator@network.example",
    "password": "operator-demo-2026",
}


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisations, users and API tokens and print them as JSON."

    def handle(self, *args, **options) -> None:
        output = []
        for spec in DEMO_ORGANISATIONS:
            org = partners.ensure_organisation(spec["name"], spec["slug"])
            for scheme, value in spec["identifiers"]:  # verified: the demo organisations route to each other
                partners.add_identifier(org.id, scheme, value, verified=True)
            for user in spec["users"]:
                partners.ensure_member(org.id, user["username"], user["password"], email=user["email"])
            token = partners.issue_api_token(org.id, "demo", scope="write", plain=spec["token"])
            profile = partners.set_receive_preferences(org.id, **spec["receive"])
            output.append(
                {
                    "organisation": org.name,
                    "slug": org.slug,
                    "identifiers": [
                        {"scheme": i.scheme, "value": i.value, "status": i.status}
                        for i in partners.list_identifiers(org.id)
                    ],
                    "users": [{"username": u["username"], "password": u["password"]} for u in spec["users"]],
                    "api_tokens": [{"name": token.name, "scope": token.scope, "token": token.plain}],
                    "receives": {"format": profile.format, "channel": profile.channel},
                }
            )
        operator_org = partners.ensure_organisation("Network Operations", "operations")
        partners.ensure_member(
            operator_org.id,
            DEMO_OPERATOR["username"],
            DEMO_OPERATOR["password"],
            email=DEMO_OPERATOR["email"],
            is_staff=True,
            is_superuser=True,
        )
        result = {
            "organisations": output,
            "operator": {"username": DEMO_OPERATOR["username"], "password": DEMO_OPERATOR["password"]},
        }
        self.stdout.write(json.dumps(result, indent=2))
