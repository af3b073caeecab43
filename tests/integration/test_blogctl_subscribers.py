"""`blogctl subscribers`: counts, export and import of the list, against the emulator."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path
from typing import Any

import pytest

from blogctl import cli
from chalicelib.storage.subscriber_keys import subscriber_id
from chalicelib.storage.subscribers import Subscribers
from chalicelib.storage.transactions import WritableTable
from tests.helpers.local import TABLE_NAME
from tests.helpers.sent_mail import sent_messages

LIST = """Name,E-mail
Ann,ann@example.org
Bob,"Bob <bob@example.org>"
Cy,"cy@example.org\r\nBcc: victim@example.org"
Dee,not-an-address

Eve,EVE@example.org
Ann again,ann@example.org
"""


def blogctl(endpoint: str, *args: str) -> int:
    return cli.main(["--endpoint-url", endpoint, "subscribers", *args])


@pytest.fixture
def subs(aws_resources: dict[str, Any]) -> Subscribers:
    return Subscribers(WritableTable(aws_resources["dynamodb"], TABLE_NAME))


def test_import_reports_invalid_rows_sends_nothing_and_export_gives_the_list_back(
    subs: Subscribers, moto_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    source.write_text(LIST, encoding="utf-8")
    subs.suppress("eve@example.org", "complaint")
    assert blogctl(moto_endpoint, "import", str(source)) == 1
    out = capsys.readouterr().out
    assert "line 3: not imported: more than one address, or a display name" in out
    assert "line 4: not imported: holds a line break or control character" in out
    assert "line 6: not imported: not a valid e-mail address" in out
    assert "bob@example.org" not in out
    assert out.endswith("1 added (pending), 2 already known, 3 refused; no mail was sent\n")
    assert sent_messages(moto_endpoint) == []
    eve = subs.get(subscriber_id("eve@example.org"))
    assert eve is not None and eve.state == "suppressed"  # an import never lifts it

    confirmed = tmp_path / "confirmed.csv"
    confirmed.write_text("fay@example.org\ngus@example.org\n", encoding="utf-8")
    assert blogctl(moto_endpoint, "import", str(confirmed), "--confirmed") == 0
    capsys.readouterr()

    assert blogctl(moto_endpoint) == 0
    counts = capsys.readouterr().out
    assert "     pending: 1\n   confirmed: 2\nunsubscribed: 0\n  suppressed: 1\n" in counts

    exported = tmp_path / "export.csv"
    assert blogctl(moto_endpoint, "export", str(exported)) == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
    assert {(r["address"], r["state"]) for r in rows} == {
        ("ann@example.org", "pending"),
        ("fay@example.org", "confirmed"),
        ("gus@example.org", "confirmed"),
        ("eve@example.org", "suppressed"),
    }
    assert all(r["subscribed"] and r["changed"] for r in rows)


def test_export_and_import_need_a_file(moto_endpoint: str, aws_resources: Any) -> None:
    assert blogctl(moto_endpoint, "export") == 1
    assert blogctl(moto_endpoint, "import", "/no/such/file.csv") == 1
