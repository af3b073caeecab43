"""The confirmation mail: subject, plain text and HTML, rendered from the theme. Pure."""

from __future__ import annotations

from chalicelib import theme
from chalicelib.config import Settings


def render_confirmation(settings: Settings, confirm_url: str) -> tuple[str, str, str]:
    """Render the mail asking an address's owner to confirm: (subject, text, html)."""
    env = theme.environment(settings.language.ui)
    values = {"site": settings, "confirm_url": confirm_url}
    subject = env.get_template("mail/confirm_subject.txt").render(values)
    text = env.get_template("mail/confirm.txt").render(values)
    html = env.get_template("mail/confirm.html").render(values)
    return " ".join(subject.split()), text, html
