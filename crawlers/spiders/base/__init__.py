"""One base per portal platform family (querido-diario style).

Each base is a mixin for `PortalSpiderBase`: `detect(response)` says whether a page belongs to the
family, `paginate(response)` yields the requests for the family's other listing pages / data
endpoints. The generic `portals` spider mixes all of them in and dispatches by detection; a
portal that needs special handling can subclass one base alone.
"""
from crawlers.spiders.base.core import PortalSpiderBase
from crawlers.spiders.base.gdcolumn import GuangdongColumnBase
from crawlers.spiders.base.gkmlpt import GkmlptBase
from crawlers.spiders.base.hanweb import HanwebBase
from crawlers.spiders.base.hunan import HunanNumericBase
from crawlers.spiders.base.nmarticle import InnerMongoliaArticleBase
from crawlers.spiders.base.numbered import NumberedPagesBase
from crawlers.spiders.base.orgyear import OrgYearBase
from crawlers.spiders.base.pageno import QueryPagingBase
from crawlers.spiders.base.phpcms import PhpCmsBase
from crawlers.spiders.base.shandong import ShandongBase
from crawlers.spiders.base.trs import TRSBase
from crawlers.spiders.base.trsid import TRSIdBase
from crawlers.spiders.base.vsb import VSBBase

__all__ = ["PortalSpiderBase", "TRSBase", "HanwebBase", "GkmlptBase", "VSBBase", "QueryPagingBase",
           "NumberedPagesBase", "GuangdongColumnBase", "TRSIdBase", "HunanNumericBase", "ShandongBase",
           "InnerMongoliaArticleBase", "PhpCmsBase", "OrgYearBase"]
