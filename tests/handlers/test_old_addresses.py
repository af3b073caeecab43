"""What an imported post keeps: old addresses redirect to it for good, and its byline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.test import Client

from tests.helpers.events import deliver, filed_report
from tests.helpers.local import BUCKET_NAME

Publish = Callable[[str, str], None]


def post(title: str, date: str, aliases: list[str], extra: str = "") -> str:
    listed = "".join(f"\n  - '{alias}'" for alias in aliases)
    return f"---\ntitle: {title}\ndate: {date}\naliases:{listed}\n{extra}---\nBody.\n"


def location(client: Client, path: str) -> tuple[int, str]:
    response = client.http.get(path)
    return response.status_code, response.headers.get("Location", "")


def test_old_addresses_answer_with_a_permanent_redirect(client: Client, publish: Publish) -> None:
    old = ["/2019/03/15/hello-world/", "/?p=12", "/archives/12", "/hello-world/", "/old.html"]
    old += ["/news/2019/03/15/hello-world/", "/blog/news/2019/03/15/hello-world.html"]
    publish("posts/hello-world.md", post("Hello", "2019-03-15", old))
    new = "/2019/03/hello-world/"
    assert client.http.get(new).status_code == 200
    for path in ["/2019/03/15/hello-world/", "/2019/03/15/hello-world", "/archives/12/"]:
        assert location(client, path) == (301, new), path
    assert location(client, "/?p=12") == (301, new)
    assert location(client, "/hello-world") == (301, new)
    assert location(client, "/old.html") == (301, new)
    assert location(client, "/news/2019/03/15/hello-world/") == (301, new)
    assert location(client, "/blog/news/2019/03/15/hello-world.html") == (301, new)
    assert location(client, "/a/b/c/d/e/") == (404, "")
    # Addresses nobody claimed are still not found, and the home page is still the home.
    assert location(client, "/?p=13") == (404, "")
    assert location(client, "/archives/13/") == (404, "")
    assert client.http.get("/").status_code == 200


def test_redirects_follow_the_post_and_go_with_it(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("posts/a.md", post("A", "2019-03-15", ["/one/", "/two/"]))
    # Moved to another month, and one old address dropped.
    publish("posts/a.md", post("A", "2019-04-02", ["/one/"]))
    assert location(client, "/one/") == (301, "/2019/04/a/")
    assert location(client, "/two/") == (404, "")
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/a.md")
    deliver(client, "posts/a.md", "ObjectRemoved:Delete")
    assert location(client, "/one/") == (404, "")


def test_an_address_stays_with_the_post_that_claimed_it_first(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("posts/first.md", post("First", "2019-01-01", ["/shared/"]))
    publish("posts/second.md", post("Second", "2019-02-01", ["/shared/", "/mine/"]))
    assert location(client, "/shared/") == (301, "/2019/01/first/")
    assert location(client, "/mine/") == (301, "/2019/02/second/")
    # The second file is published, and its author is told which address it did not get.
    assert client.http.get("/2019/02/second/").status_code == 200
    report = filed_report(s3, "posts/second.md")
    assert report is not None and report["published"] is True
    assert "/shared/ (claimed by posts/first.md)" in report["reason"]
    assert "/mine/" not in report["reason"]
    assert filed_report(s3, "posts/first.md") is None
    # Nor can the second file release what it never held.
    publish("posts/second.md", post("Second", "2019-02-01", ["/mine/"]))
    assert location(client, "/shared/") == (301, "/2019/01/first/")
    assert filed_report(s3, "posts/second.md") is None


def test_an_address_given_up_goes_to_the_file_that_was_told_it_was_taken(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("posts/old.md", post("Old", "2019-01-01", ["/moved/"]))
    publish("posts/new.md", post("New", "2019-02-01", ["/moved/"]))
    assert filed_report(s3, "posts/new.md") is not None
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/old.md")
    deliver(client, "posts/old.md", "ObjectRemoved:Delete")
    assert location(client, "/moved/") == (404, "")
    # The hourly reconcile re-syncs every reported file: the address is free now, so
    # the file claims it and its report goes.
    scheduled = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    client.lambda_.invoke("reconcile", scheduled)
    assert location(client, "/moved/") == (301, "/2019/02/new/")
    assert filed_report(s3, "posts/new.md") is None


def test_a_post_shows_its_author_whose_archive_lists_their_posts(
    client: Client, publish: Publish
) -> None:
    publish("posts/by.md", post("By", "2019-01-01", [], "author: Jane Doe\n"))
    publish("posts/too.md", post("Too", "2019-02-01", [], "author: Jane Doe\n"))
    publish("posts/other.md", post("Other", "2019-03-01", [], "author: Sam <b>S</b>\n"))
    html = client.http.get("/2019/01/by/").body.decode()
    byline = html.split('<p class="byline">', 1)[1].split("</p>", 1)[0]
    assert byline == 'by <a class="author" rel="author" href="/author/jane-doe/">Jane Doe</a>'
    other = client.http.get("/2019/03/other/").body.decode()
    assert ">Sam &lt;b&gt;S&lt;/b&gt;</a>" in other
    archive = client.http.get("/author/jane-doe/").body.decode()
    assert "Author: Jane Doe" in archive
    for path in ("/2019/01/by/", "/2019/02/too/"):
        assert f'<h2 class="entry-title"><a href="{path}">' in archive
    assert '<h2 class="entry-title"><a href="/2019/03/other/">' not in archive
    # A byline changed: the post leaves the old author's archive.
    publish("posts/too.md", post("Too", "2019-02-01", [], "author: Sam\n"))
    archive = client.http.get("/author/jane-doe/").body.decode()
    assert '<h2 class="entry-title"><a href="/2019/02/too/">' not in archive
    assert client.http.get("/author/nobody/").status_code == 404


def test_bad_aliases_are_rejected_with_a_reason(client: Client, publish: Publish, s3: Any) -> None:
    publish("posts/far.md", post("Far", "2019-01-01", ["https://elsewhere.example/x/"]))
    report = s3.get_object(Bucket=BUCKET_NAME, Key="errors/posts/far.md.json")["Body"].read()
    assert b"must be a site path" in report
    assert client.http.get("/2019/01/far/").status_code == 404
    publish("pages/about.md", "---\ntitle: About\naliases: ['//elsewhere.example/']\n---\nHi.\n")
    report = s3.get_object(Bucket=BUCKET_NAME, Key="errors/pages/about.md.json")["Body"].read()
    assert b"must be a site path" in report
    assert client.http.get("/about/").status_code == 404


def test_a_numbered_old_address_leads_to_that_page_of_the_post(
    client: Client, publish: Publish
) -> None:
    body = "One.\n\n<!--nextpage-->\n\nTwo.\n\n<!--nextpage-->\n\nThree.\n"
    paged = post("Paged", "2012-01-08", ["/2012/01/08/paged/"]) + body
    publish("posts/paged.md", paged)
    publish("posts/twelve.md", post("Twelve", "2012-02-01", ["/archives/12/"]))
    assert location(client, "/2012/01/08/paged/2/") == (301, "/2012/01/paged/2/")
    assert location(client, "/2012/01/08/paged/3/") == (301, "/2012/01/paged/3/")
    assert client.http.get("/2012/01/paged/3/").status_code == 200
    # An address of its own wins over being read as part 12 of /archives/.
    assert location(client, "/archives/12/") == (301, "/2012/02/twelve/")
    assert location(client, "/nothing/2/") == (404, "")
    # WordPress's search box asked /?s=words.
    assert location(client, "/?s=paged%20post") == (301, "/search?q=paged+post")
