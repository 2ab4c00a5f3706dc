"""jieba's accurate-mode segmentation without HMM, in one pass and into a list.

`cut(tokenizer, text)` returns exactly ``list(tokenizer.cut(text, HMM=False))`` (jieba 0.42):
the same blocks (runs of Han characters, Latin letters, digits and ``+#&._%-``), the same
dictionary DAG and the same maximum-probability route, computed with the same floating-point
expressions in the same order, so ties are broken the same way (the longer word wins). It fuses
jieba's three steps (build the DAG as a dict of lists, score it with a generator per position,
walk the route with a generator) into one backward pass over plain lists, which takes about half
the time.
"""

from __future__ import annotations

import re
from math import log

import jieba

__all__ = ["cut"]

# jieba's own block patterns (jieba.re_han_default, jieba.re_skip_default).
_RE_HAN: re.Pattern[str] = jieba.re_han_default
_RE_SKIP: re.Pattern[str] = jieba.re_skip_default
_ENG = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def cut(tokenizer: jieba.Tokenizer, text: str) -> list[str]:
    """``list(tokenizer.cut(text, HMM=False))``, faster. `tokenizer` must be initialized."""
    out: list[str] = []
    if not text:
        return out
    freq: dict[str, int] = tokenizer.FREQ
    logtotal = log(tokenizer.total)
    neg_logtotal = 0.0 - logtotal  # jieba's log(1) - logtotal: a character outside the dictionary
    # re.split with a capturing group alternates: other, Han block, other, Han block, ..., other.
    blocks = _RE_HAN.split(text)
    for b in range(len(blocks)):
        blk = blocks[b]
        if not blk:
            continue
        if b & 1:
            _cut_block(blk, freq, logtotal, neg_logtotal, out)
        elif len(blk) == 1:
            out.append(blk)
        else:
            for x in _RE_SKIP.split(blk):
                if _RE_SKIP.match(x):
                    out.append(x)
                else:
                    out.extend(x)
    return out


def _cut_block(s: str, freq: dict[str, int], logtotal: float, neg_logtotal: float, out: list[str]) -> None:
    n = len(s)
    if n == 1:
        out.append(s)
        return
    # route[i] = (best log-probability of s[i:], end of the first word); route[n] = (0, 0).
    score = [0.0] * (n + 1)
    nxt = [0] * (n + 1)
    get = freq.get
    for k in range(n - 1, -1, -1):
        best_x = -1
        best = 0.0
        i = k
        frag = s[k]
        while i < n:
            f = get(frag)
            if f is None:
                break
            if f:
                v = log(f) - logtotal + score[i + 1]
                if best_x < 0 or v >= best:  # max() over (v, x): ties go to the longer word
                    best = v
                    best_x = i
            i += 1
            frag = s[k : i + 1]
        if best_x < 0:
            best = neg_logtotal + score[k + 1]
            best_x = k
        score[k] = best
        nxt[k] = best_x
    x = 0
    buf = ""
    while x < n:
        y = nxt[x] + 1
        if y - x == 1 and s[x] in _ENG:
            buf += s[x]
        else:
            if buf:
                out.append(buf)
                buf = ""
            out.append(s[x:y])
        x = y
    if buf:
        out.append(buf)
