"""The one error type services raise. Views turn it into a form error; the API into {"code", "detail"}."""


class DomainError(Exception):
    code = "invalid"
    http_status = 400

    def __init__(self, message, *, code: str | None = None, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if http_status:
            self.http_status = http_status


class Conflict(DomainError):
    """The request is valid but the record is not in a state that allows it (HTTP 409)."""

    code = "conflict"
    http_status = 409


class NotAllowed(DomainError):
    code = "permission_denied"
    http_status = 403
