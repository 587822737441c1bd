"""Rendering a template to PDF with WeasyPrint. Chinese text is set in the Noto CJK
fonts (fonts-noto-cjk on the server, named in the templates' CSS as "Noto Serif CJK SC"
and "Noto Sans CJK SC"); WeasyPrint embeds the subset of each font that
the document uses, so the PDF reads the same on a machine without them.

The document is rendered in Chinese whatever the reader's language: a contract has one
authoritative text."""

from django.template.loader import render_to_string
from django.utils import translation


def _no_fetch(url, *args, **kwargs):
    """A document never loads anything from outside: no file, no network. Names and
    addresses in the context are escaped by the template, and this closes the door on
    any that would slip through."""
    raise ValueError(f"PDF rendering does not fetch {url[:40]!r}")


def render_pdf(template_name: str, context: dict, *, language: str = "zh-hans") -> bytes:
    from weasyprint import HTML  # heavy; only loaded when a document is made

    with translation.override(language):
        html = render_to_string(template_name, context)
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
