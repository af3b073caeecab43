"""DynamoDB's check of expression placeholders, which moto skips for transactions.

DynamoDB rejects a request whose ``ExpressionAttributeValues`` or
``ExpressionAttributeNames`` define a placeholder no expression uses, or whose
expressions use one it does not define (ValidationException). moto 5.2.5 checks only
some of this, and not inside TransactWriteItems, so code the emulator accepts could
fail every time in AWS. The emulator runs this check on every DynamoDB request.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

_PLACEHOLDER = re.compile(r"[:#][A-Za-z0-9_]+")
_EXPRESSIONS = (
    "KeyConditionExpression",
    "FilterExpression",
    "ConditionExpression",
    "UpdateExpression",
    "ProjectionExpression",
)


def placeholder_errors(operation: str, params: dict[str, Any]) -> list[str]:
    """Return what DynamoDB would reject about a request's placeholders (none: [])."""
    errors = []
    for part in _expression_parts(operation, params):
        used = {p for e in _EXPRESSIONS for p in _PLACEHOLDER.findall(part.get(e, ""))}
        defined = set(part.get("ExpressionAttributeValues", {}))
        defined |= set(part.get("ExpressionAttributeNames", {}))
        errors += [f"unused in expressions: {name}" for name in sorted(defined - used)]
        errors += [f"used but not defined: {name}" for name in sorted(used - defined)]
    return errors


def _expression_parts(operation: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if operation == "TransactWriteItems":
        yield from (next(iter(item.values())) for item in params.get("TransactItems", []))
    elif operation == "BatchGetItem":
        yield from params.get("RequestItems", {}).values()
    else:
        yield params


class PlaceholderCheck:
    """WSGI middleware answering a request DynamoDB would refuse with its ValidationException."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Pass the request on, unless its placeholders do not match its expressions."""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB_"):
            return self._app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return self._app(environ, start_response)
        errors = placeholder_errors(target.partition(".")[2], params)
        if not errors:
            return self._app(environ, start_response)
        answer = json.dumps(
            {
                "__type": "com.amazon.coral.validate#ValidationException",
                "message": "Invalid expression placeholders: " + "; ".join(errors),
            }
        ).encode()
        start_response(
            "400 Bad Request",
            [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(answer)))],
        )
        return [answer]
