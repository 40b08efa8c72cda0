"""Printed tickets: the layout (ESC/POS bytes and a PNG preview of the same blocks), the
connections to the printer, and the print queue that sends jobs off the request path."""

from .connections import Connection, PaperOut, PrinterError, open_connection
from .jobs import JobStore, PrintQueue, RetryPolicy
from .layout import PAPERS, Paper, ticket_blocks
from .paper import ticket_bytes
from .preview import ticket_image, ticket_png

__all__ = [
    "PAPERS",
    "Connection",
    "JobStore",
    "Paper",
    "PaperOut",
    "PrintQueue",
    "PrinterError",
    "RetryPolicy",
    "open_connection",
    "ticket_blocks",
    "ticket_bytes",
    "ticket_image",
    "ticket_png",
]
