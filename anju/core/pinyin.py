"""Pinyin columns for search: "王小明" → ("wangxiaoming", "wxm")."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=20000)
def _syllables(name: str) -> tuple[str, ...]:
    return tuple(s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore"))


def name_pinyin(name: str) -> tuple[str, str]:
    syllables = _syllables(name.strip())
    return "".join(syllables), "".join(s[0] for s in syllables if s)
