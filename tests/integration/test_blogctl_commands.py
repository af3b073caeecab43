"""blogctl's commands as an operator runs them, against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from blogctl import cli
from chalicelib.bucket import INBOX_PREFIX
from tests.helpers.local import BUCKET_NAME, PROJECT_DIR
from tests.helpers.posts import make_post_markdown

MESSAGE = PROJECT_DIR / "tests" / "corpus" / "mail" / "gmail-inline-image.eml"


@pytest.mark.parametrize("as_ses", [False, True], ids=["as-sent", "as-ses"])
def test_drop_mail_puts_the_message_in_the_inbox(
    s3: Any, moto_endpoint: str, as_ses: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--as-ses"] if as_ses else []
    assert cli.main(["--endpoint-url", moto_endpoint, "drop-mail", str(MESSAGE), *flags]) == 0

    [entry] = s3.list_objects_v2(Bucket=BUCKET_NAME, Prefix=INBOX_PREFIX)["Contents"]
    assert capsys.readouterr().out == f"stored {MESSAGE} as s3://{BUCKET_NAME}/{entry['Key']}\n"
    stored = s3.get_object(Bucket=BUCKET_NAME, Key=entry["Key"])["Body"].read()
    original = MESSAGE.read_bytes()
    if as_ses:
        header, _, rest = stored.partition(b"\r\n")
        assert header == b"X-SES-Spam-Verdict: PASS" and rest.endswith(original)
        assert b"dmarc=pass header.from=" in rest[: -len(original)]
    else:
        assert stored == original


def test_reindex_reports_each_outcome(
    s3: Any, moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    post = make_post_markdown("Apples", "2026-08-01T09:00:00Z", ["fruit"])
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/apples.md", Body=post.encode())
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/bad.md", Body=b"---\ndate: 2011-02-30\n---\n")

    assert cli.main(["--endpoint-url", moto_endpoint, "reindex", "--wipe"]) == 0

    assert capsys.readouterr().out == "1 published, 1 rejected\n"
