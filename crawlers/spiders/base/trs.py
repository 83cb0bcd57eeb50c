"""TRS WCM: listing pages written by `createPageHTML(...)` in JavaScript only (no <a> in the HTML).

4-argument form `createPageHTML(countPage, currentPage, "index", "html")`: page k is
`index_{k-1}.html` (first page `index.html`). 6-argument form
`createPageHTML('page_div', pages, cur, 'list', 'shtml', total)`: `list.shtml`, `list_2.shtml` …
(1-based; `list_1` is requested too, since templates differ). Variables (`var countPage = 5;`) are resolved from the page's script.
"""
from __future__ import annotations

import re
from urllib.parse import urljoin

_CALL = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_VAR = r"(?:var|let|const)?\s*{name}\s*=\s*(\d+)"
MAX_PAGES = 500   # a listing announcing more pages than this is broken or a trap


def trs_page_names(script: str) -> list[str]:
    """Relative file names of every listing page announced by createPageHTML calls in `script`."""
    names: list[str] = []
    for call in _CALL.finditer(script):
        args = [a.strip() for a in call.group(1).split(",")]
        strings, numbers = [], []
        for arg in args:
            if arg[:1] in "'\"":
                strings.append(arg.strip("'\""))
            elif arg.isdigit():
                numbers.append(int(arg))
            else:
                m = re.search(_VAR.format(name=re.escape(arg)), script)
                if m:
                    numbers.append(int(m.group(1)))
        if len(args) >= 6 and len(strings) >= 3 and numbers:
            prefix, ext = strings[1], strings[2]
            pages = min(numbers[0], MAX_PAGES)
            # list.shtml, list_2.shtml … is the usual count; some templates number from _1: ask for both
            # (a guessed page that does not exist is a 404, not an error)
            names += [f"{prefix}.{ext}"] + [f"{prefix}_{k}.{ext}" for k in range(1, pages + 1)]
        elif len(args) == 4 and len(strings) >= 2 and numbers:
            prefix, ext = strings[0], strings[1]
            count = min(max(numbers[:2]) if len(numbers) >= 2 else numbers[0], MAX_PAGES)
            names += [f"{prefix}.{ext}"] + [f"{prefix}_{k}.{ext}" for k in range(1, count)]
    return list(dict.fromkeys(names))


class TRSBase:
    def detect_trs(self, response) -> bool:
        return "createPageHTML" in response.text

    def paginate_trs(self, response):
        for name in trs_page_names(response.text):
            yield self.listing_request(urljoin(response.url, name), response, pagination=True)
