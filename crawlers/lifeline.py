"""The crawl ends with the flow that started it.

flows/crawl.py starts Scrapy in its own session (so its time limit can SIGTERM the whole group)
and names itself in OGI_PARENT_PID. If that flow process is killed (a worker lost, `kill -9`),
the crawl must not go on fetching from portals and writing into a shard's files and the raw
store while a rerun crawls the same portals: this extension ends the crawl process as soon as its
parent is gone (parsers.safe.exit_when_parent_dies). Without OGI_PARENT_PID (`ogi crawl`,
`scrapy crawl` by hand) it does nothing.
"""
from __future__ import annotations

import os

from parsers.safe import exit_when_parent_dies


class ParentLifeline:
    @classmethod
    def from_crawler(cls, crawler):
        parent = os.environ.get("OGI_PARENT_PID")
        if parent and parent.isdigit() and int(parent) == os.getppid():
            exit_when_parent_dies(int(parent))
        return cls()
