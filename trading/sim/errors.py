"""The error every simulator layer raises; the HTTP/WS layers turn it into {"code","message"}."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict:
        return {"code": self.status, "message": self.message}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)
