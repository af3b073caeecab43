"""One cold start, run in a fresh process: ``python -m bench.coldstart {baseline,app} PATH``.

``baseline`` imports boto3 and creates a DynamoDB client, the floor any Python Lambda
using DynamoDB pays; ``app`` imports the API's module and serves its first page. Prints
one JSON line: seconds taken and which heavy modules the read path imported.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402

# Libraries and modules only publishing uses: the API's first page must import none of
# them (the write side of the table included: the API function may only read).
PUBLISH_ONLY = (
    "markdown",
    "pygments",
    "nh3",
    "yaml",
    "chalicelib.publishing.ingest",
    "chalicelib.publishing.build",
    "chalicelib.storage.transactions",
    "chalicelib.storage.writes",
    "chalicelib.storage.links",
    "chalicelib.storage.schedule",
    "chalicelib.storage.layout",
    "chalicelib.storage.maintenance",
    "chalicelib.storage.store",
    "chalicelib.storage.previews",
    "chalicelib.publishing.previews",
    # Readers' subscriptions: loaded by the subscribe, confirm and unsubscribe POSTs only.
    "email_validator",
    "chalicelib.subscriptions.service",
    "chalicelib.storage.subscribers",
    "chalicelib.mail.outgoing",
    "chalicelib.mail.fanout",
)


def baseline() -> None:
    """Import boto3 and create the one client the API uses."""
    import boto3

    boto3.session.Session().client("dynamodb")


def first_page(path: str) -> int:
    """Import the app and serve one page the way API Gateway invokes Lambda."""
    from app import app  # the module Lambda loads for the API handler

    resource_parts = ["{year}", "{month}", "{part}"][: len(path.strip("/").split("/"))]
    values = path.strip("/").split("/")
    event = {
        "resource": "/" + "/".join(resource_parts),
        "path": path,
        "httpMethod": "GET",
        "headers": {"host": "blog.example.org"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": dict(zip((p[1:-1] for p in resource_parts), values, strict=True)),
        "stageVariables": None,
        "requestContext": {"resourcePath": "/" + "/".join(resource_parts), "httpMethod": "GET"},
        "body": None,
        "isBase64Encoded": False,
    }
    response = app(event, None)
    return int(response["statusCode"])


def main() -> None:
    """Run one mode and report."""
    mode, path = sys.argv[1], sys.argv[2]
    status = 0
    if mode == "app":
        status = first_page(path)
    else:
        baseline()
    seconds = time.perf_counter() - STARTED
    loaded = sorted(name for name in PUBLISH_ONLY if name in sys.modules)
    print(json.dumps({"mode": mode, "seconds": seconds, "status": status, "loaded": loaded}))


if __name__ == "__main__":
    main()
