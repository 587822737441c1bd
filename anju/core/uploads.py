"""Checking an uploaded document before it is kept: a PDF, JPEG or PNG, by its first
bytes rather than its name, and not larger than ANJU_MAX_UPLOAD_MB."""

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import DomainError

SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
}


def check_document(file) -> str:
    """The file's kind, or DomainError naming the file and what is wrong with it."""
    name = getattr(file, "name", "") or _("the file")
    size = getattr(file, "size", None)
    if not size:
        raise DomainError(_("%(name)s is empty.") % {"name": name}, code="upload_empty")
    limit = settings.ANJU_MAX_UPLOAD_MB * 1024 * 1024
    if size > limit:
        raise DomainError(
            _("%(name)s is larger than %(mb)s MB.")
            % {"name": name, "mb": settings.ANJU_MAX_UPLOAD_MB},
            code="upload_too_large",
        )
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise DomainError(
        _("%(name)s is not a PDF, JPEG or PNG file.") % {"name": name}, code="upload_type"
    )


def check_photos(photos, *, most: int) -> list:
    """The non-empty uploads of a photo field, each a JPEG or PNG, at most `most` of
    them; DomainError otherwise."""
    photos = [p for p in photos or () if p]
    if len(photos) > most:
        raise DomainError(_("Attach at most %(n)s photos.") % {"n": most}, code="too_many_photos")
    for photo in photos:
        if check_document(photo) == "pdf":
            raise DomainError(
                _("%(name)s is not a photo (JPEG or PNG).") % {"name": photo.name},
                code="upload_type",
            )
    return photos
