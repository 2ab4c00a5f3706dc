"""Notice templates: `{variable}` placeholders filled per target group, checked when saved.

Only the names in `VARIABLES` exist; an unknown one is an error naming it, and so is any
attribute, index, conversion or format spec (`{community.__class__}`, `{date!r}`, `{x:>9}`),
so a template can never reach into Python objects. `{{` and `}}` are literal braces.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from bot.core.errors import DomainError

# name -> what it stands for (shown in errors and in /notice help).
VARIABLES: dict[str, str] = {
    "community": "小区名称",
    "building": "本群楼栋",
    "date": "发送日期",
    "weekday": "星期几",
    "tomorrow": "明天的日期",
    "stewards": "本群负责管家",
    "supervisor": "主管",
    "contacts": "联系人（管家与主管）",
    "text": "随通知附上的正文",
}

_FORMATTER = string.Formatter()
MAX_TEMPLATE = 2000


def known_variables() -> str:
    return "、".join("{" + name + "}" for name in VARIABLES)


def check_template(body: str) -> set[str]:
    """The variables `body` uses; raises DomainError naming the first problem."""
    if not body.strip():
        raise DomainError("bc.err.template_empty")
    if len(body) > MAX_TEMPLATE:
        raise DomainError("bc.err.template_long", limit=MAX_TEMPLATE)
    try:
        pieces = list(_FORMATTER.parse(body))
    except ValueError as exc:
        raise DomainError("bc.err.template_syntax", reason=_syntax_reason(str(exc))) from exc
    used: set[str] = set()
    for _literal, name, spec, conversion in pieces:
        if name is None:
            continue
        if name == "" or name.isdigit():
            raise DomainError("bc.err.template_var", name="{" + name + "}", known=known_variables())
        if name not in VARIABLES:
            raise DomainError("bc.err.template_var", name="{" + name + "}", known=known_variables())
        if spec or conversion:
            raise DomainError(
                "bc.err.template_var", name="{" + _raw(name, spec, conversion) + "}", known=known_variables()
            )
        used.add(name)
    return used


def render_template(body: str, values: Mapping[str, str]) -> str:
    """Fill a checked template; every variable must have a value (missing ones render empty)."""
    out: list[str] = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(body):
        out.append(literal)
        if name:
            out.append(values.get(name, ""))
    return "".join(out)


def _raw(name: str, spec: str | None, conversion: str | None) -> str:
    return name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")


def _syntax_reason(message: str) -> str:
    if "Single '}'" in message:
        return "有单独的 }（字面的花括号请写成 }}）"
    if "Single '{'" in message or "expected '}'" in message:
        return "有未闭合的 {（字面的花括号请写成 {{）"
    return message
