"""Label normalisation — the one place where raw label text becomes comparable text.

Every matcher (section headings, row labels, column headers) compares `normalize_label(a)`
with `normalize_label(b)`. Rules, in order:
1. Unicode NFKC (full-width ASCII → ASCII, ideographic space → space, compatibility forms);
2. CJK Radicals Supplement / Kangxi Radicals look-alikes → the ordinary ideograph (⻓→长 …)
   (NFKC already maps the Kangxi block U+2F00–U+2FD5; the supplement block needs a table);
3. remove every whitespace character, including line breaks inside cells and &nbsp;;
4. unify punctuation that survives NFKC: 、．。→ '.', “”‘’ → '"', 【】〔〕 → ()[], — – ‐ → '-'.
"""
from __future__ import annotations

import re
import unicodedata

# CJK Radicals Supplement (U+2E80–U+2EFF) characters that appear in PDF/Word text in place of
# ordinary ideographs. NFKC does not map these.
_RADICAL_LOOKALIKES = {
    "⺀": "冫", "⺁": "厂", "⺃": "乚", "⺅": "亻", "⺇": "几", "⺊": "卜", "⺋": "㔾",
    "⺌": "小", "⺍": "小", "⺎": "兀", "⺏": "尣", "⺐": "尢", "⺑": "尢", "⺒": "巳", "⺓": "幺",
    "⺔": "彐", "⺖": "忄", "⺗": "心", "⺘": "扌", "⺙": "攵", "⺛": "无", "⺜": "日", "⺝": "月",
    "⺞": "歹", "⺟": "母", "⺠": "民", "⺡": "氵", "⺢": "氺", "⺣": "灬", "⺤": "爫", "⺥": "爫",
    "⺦": "丬", "⺧": "牛", "⺨": "犭", "⺩": "王", "⺪": "疋", "⺫": "罒", "⺬": "示", "⺭": "礻",
    "⺮": "竹", "⺯": "纟", "⺰": "纟", "⺱": "罓", "⺲": "罒", "⺳": "网", "⺴": "网", "⺵": "网",
    "⺶": "羊", "⺷": "羊", "⺸": "羊", "⺹": "耂", "⺺": "聿", "⺻": "聿", "⺼": "月", "⺽": "臼",
    "⺾": "艹", "⺿": "艹", "⻀": "艹", "⻁": "虎", "⻂": "衤", "⻃": "西", "⻄": "西", "⻅": "见",
    "⻆": "角", "⻇": "角", "⻈": "讠", "⻉": "贝", "⻊": "足", "⻋": "车", "⻌": "辶", "⻍": "辶",
    "⻎": "辶", "⻏": "阝", "⻐": "金", "⻑": "長", "⻒": "镸", "⻓": "长", "⻔": "门", "⻕": "阝",
    "⻖": "阝", "⻗": "雨", "⻘": "青", "⻙": "韦", "⻚": "页", "⻛": "风", "⻜": "飞", "⻝": "食",
    "⻞": "食", "⻟": "食", "⻠": "饣", "⻡": "首", "⻢": "马", "⻣": "骨", "⻤": "鬼", "⻥": "鱼",
    "⻦": "鸟", "⻧": "卤", "⻨": "麦", "⻩": "黄", "⻪": "黾", "⻫": "齐", "⻬": "齐", "⻭": "齿",
    "⻮": "齿", "⻯": "龙", "⻰": "龙", "⻱": "龟", "⻲": "龟", "⻳": "龟",
}

_PUNCT = str.maketrans({
    "、": ".", "．": ".", "。": ".", "·": ".",
    "“": '"', "”": '"', "‘": '"', "’": '"', "'": '"',
    "【": "[", "】": "]", "〔": "(", "〕": ")", "［": "[", "］": "]",
    "—": "-", "–": "-", "‐": "-", "－": "-", "―": "-",
    "，": ",", "：": ":", "；": ";", "（": "(", "）": ")",
})
_PUNCT_RADICALS = str.maketrans(_RADICAL_LOOKALIKES)
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_CJK = r"[\u3400-\u9fff\uf900-\ufaff（）()、，。：“”]"
_WS_BETWEEN_CJK = re.compile(rf"(?<={_CJK})[ \t\u00a0\u3000]+(?={_CJK})")


def fold_chars(text: str) -> str:
    """NFKC plus radical look-alikes; keeps whitespace and punctuation as they are."""
    return unicodedata.normalize("NFKC", text).translate(_PUNCT_RADICALS)


def normalize_label(text: str | None) -> str:
    """Comparable form of a label: folded characters, no whitespace, unified punctuation."""
    if not text:
        return ""
    text = fold_chars(text.replace("&nbsp;", " "))
    text = _WS.sub("", text)
    return text.translate(_PUNCT)


def clean_text(text: str | None) -> str:
    """Readable form of running text: folded characters, spaces between CJK removed,
    runs of spaces collapsed, line structure kept."""
    if not text:
        return ""
    text = fold_chars(text.replace("&nbsp;", " ").replace("\u00a0", " "))
    text = _WS_BETWEEN_CJK.sub("", text)
    lines = [re.sub(r"[ \t\u3000]+", " ", ln).strip() for ln in text.splitlines()]
    return "\n".join(lines).strip()
