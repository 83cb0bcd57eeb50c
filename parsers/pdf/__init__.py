"""PDF table reconstruction from characters and ruling lines (pdfminer.six or pypdfium2).

`page.PageContent` (chars + rules of one page) -> `layout.page_layout` (ruled grids + text
lines) -> `document.build_blocks` (paragraphs, positional tables, tables stitched across
pages) -> `parsers.model` blocks.
"""
