class DomainError(Exception):
    """A rule was broken. The message is translated and safe to show; `code` is stable
    for the API."""

    def __init__(self, message, *, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.code = code
