"""The new-post mail: subject, plain text and HTML, rendered from the theme. Pure: no AWS."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import theme
from chalicelib.config import Settings
from chalicelib.models import StoredPost
from chalicelib.publishing.markup import html_to_text
from chalicelib.site.urls import post_path

FULL = "full"


@dataclass(frozen=True)
class RenderedMail:
    """One message's subject and its two alternative bodies."""

    subject: str
    text: str
    html: str


def post_url(settings: Settings, post_id: str) -> str:
    """Return a post's absolute address on the public site (SITE_URL and base path)."""
    return f"{settings.site_url}{settings.base_path}{post_path(post_id)}"


def render_post_mail(
    post: StoredPost, settings: Settings, unsubscribe_url: str | None
) -> RenderedMail:
    """Render the mail announcing ``post``: its summary or the whole post, and its link."""
    env = theme.environment(settings.language.ui)
    full = settings.mail_post_content == FULL
    values = {
        "post": post,
        "site": settings,
        "full": full,
        "post_url": post_url(settings, post.summary.post_id),
        "unsubscribe_url": unsubscribe_url or "",
    }
    body = html_to_text(post.html).strip() if full else post.summary.summary
    html = env.get_template("mail/post.html").render(values)
    text = env.get_template("mail/post.txt").render(values, body=body)
    return RenderedMail(subject=post.summary.title, text=text, html=html)
