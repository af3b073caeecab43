"""Run the real `chalice` CLI against moto 5.2.5, with a shim for exactly two moto gaps.

1. moto refuses S3 notification filter rules named ``Prefix``/``Suffix``; AWS accepts
   any case and Chalice writes them capitalised. The shim lower-cases the names.
2. moto refuses Swagger 2.0 documents in API Gateway imports; Chalice sends Swagger 2.0.
   The shim relabels the document as OpenAPI 3.0.1. Chalice's paths, methods and
   ``x-amazon-apigateway-integration`` entries read the same in both versions. moto's
   importer also fails (KeyError, a 500) on a document without ``info.description``,
   which is optional and which Chalice never writes, so the shim adds an empty one.

The shim only registers botocore event handlers on the session Chalice creates. Nothing
else is patched: every other request goes to moto exactly as Chalice sends it to AWS.
Usage: python chalice_with_moto_shims.py deploy --stage STAGE (any chalice arguments).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import chalice.cli.factory as chalice_factory
from chalice.cli import main

_create_session = chalice_factory.create_botocore_session


def _lowercase_filter_rule_names(params: dict[str, Any], **_: Any) -> None:
    configs = params.get("NotificationConfiguration", {}).get("LambdaFunctionConfigurations", [])
    for config in configs:
        for rule in config.get("Filter", {}).get("Key", {}).get("FilterRules", []):
            rule["Name"] = rule["Name"].lower()


def _swagger_as_openapi3(params: dict[str, Any], **_: Any) -> None:
    document = json.loads(params["body"])
    if document.pop("swagger", None) == "2.0":
        document["openapi"] = "3.0.1"
    document["info"].setdefault("description", "")
    params["body"] = json.dumps(document).encode()


def _session_with_shims(*args: Any, **kwargs: Any) -> Any:
    session = _create_session(*args, **kwargs)
    session.register(
        "before-parameter-build.s3.PutBucketNotificationConfiguration", _lowercase_filter_rule_names
    )
    for operation in ("ImportRestApi", "PutRestApi"):
        session.register(f"before-parameter-build.apigateway.{operation}", _swagger_as_openapi3)
    return session


chalice_factory.create_botocore_session = _session_with_shims

if __name__ == "__main__":
    sys.exit(main())
