class DomainError(Exception):
    """A business rule refused the request. `field` names the input it concerns, if any."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
