"""`scrapy crawl portals -a registry=PATH -a portals=ID,ID -O items.jsonl`

The generic registry-driven spider: every platform base mixed in, dispatched by detecting the
platform from each page (Hanweb datastore / intensive dataproxy / uid+pageNum, gkmlpt SID, Anhui
and Kaipu organisation × year selectors, TRS createPageHTML and countPage, Guangdong
content/post_ columns, Hunan numeric directories, Shandong gongkai layui, Inner Mongolia
article_<ts>, PHP list.php, ?pageNo=, VSB descending N.htm, numbered N.html). The platform detected
most often on a portal is reported as its `platform` in the crawl stats.
"""
from __future__ import annotations

from crawlers.spiders.base import (GkmlptBase, GuangdongColumnBase, HanwebBase, HunanNumericBase,
                                   InnerMongoliaArticleBase, NumberedPagesBase, OrgYearBase, PhpCmsBase,
                                   PortalSpiderBase, QueryPagingBase, ShandongBase, TRSBase, TRSIdBase, VSBBase)


class PortalsSpider(HanwebBase, GkmlptBase, OrgYearBase, TRSBase, TRSIdBase, GuangdongColumnBase, HunanNumericBase,
                    ShandongBase, InnerMongoliaArticleBase, PhpCmsBase, QueryPagingBase, VSBBase, NumberedPagesBase,
                    PortalSpiderBase):
    name = "portals"
    platforms = ("hanweb", "hanwebpagenum", "gkmlpt", "anhui", "kaipu", "trs", "trsid", "gdcolumn", "hunan",
                 "shandong", "nmarticle", "phpcms", "pageno", "vsb", "numbered")
    platform_family = {"hanwebpagenum": "hanweb"}   # detectors that are one family's variants
