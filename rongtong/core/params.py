"""Query parameters every list page reads, bounded so that no value reaches the database
or the calendar out of range: a page number past the last page is an empty page, never a
500 (an offset beyond a 64-bit integer), and a year is one the programme can have."""

from flask import abort, request

from .time import local_today

#: No list is this long; larger numbers (up to 10**20 typed by hand) clamp here.
MAX_PAGE = 100_000
YEARS = range(2000, 2101)


def page_arg(name: str = "page") -> int:
    """The 1-based page number of the request, clamped to 1..MAX_PAGE."""
    value = request.args.get(name, 1, type=int) or 1
    return min(max(value, 1), MAX_PAGE)


def year_arg(name: str = "year") -> int:
    """The year asked for (default: this year in Asia/Shanghai); 404 outside 2000–2100."""
    value = request.args.get(name, type=int)
    if value is None:
        return local_today().year
    if value not in YEARS:
        abort(404)
    return value


class ListPage:
    """One page of a list already in memory, with what the ``pager`` macro reads."""

    def __init__(self, items: list, page: int, per_page: int) -> None:
        self.total = len(items)
        self.per_page = per_page
        self.pages = max(1, -(-self.total // per_page))
        self.page = page
        self.items = items[(page - 1) * per_page : page * per_page]
        self.has_prev = page > 1
        self.has_next = page < self.pages
        self.prev_num = page - 1 if self.has_prev else None
        self.next_num = page + 1 if self.has_next else None
