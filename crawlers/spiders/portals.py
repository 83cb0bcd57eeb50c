"""`scrapy crawl portals -a registry=PATH -a portals=ID,ID -O items.jsonl`

The generic registry-driven spider: every platform base mixed in, dispatched by detecting the
platform from each page (Hanweb datastore, gkmlpt SID, TRS createPageHTML, ?pageNo=, VSB
descending N.htm, numbered N.html).
"""
from __future__ import annotations

from crawlers.spiders.base import (GkmlptBase, HanwebBase, NumberedPagesBase, PortalSpiderBase, QueryPagingBase,
                                   TRSBase, VSBBase)


class PortalsSpider(HanwebBase, GkmlptBase, TRSBase, QueryPagingBase, VSBBase, NumberedPagesBase, PortalSpiderBase):
    name = "portals"
    platforms = ("hanweb", "gkmlpt", "trs", "pageno", "vsb", "numbered")
