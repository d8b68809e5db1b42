"""Hypothesis strategies: random questionnaires that are valid (lint-clean) by construction."""

from __future__ import annotations

import itertools
import string
from typing import Any

from hypothesis import strategies as st

import surveykit as sk

LANGUAGES = st.sampled_from([["es"], ["en"], ["es", "en"], ["en", "es"]])
# texts as designers type them, including characters that trouble Excel and YAML
TEXT = (
    st.text(alphabet=string.ascii_letters + "áéíóúñÑü¿?¡! ,.:;=-'\"#&<>()0123456789", min_size=1, max_size=24)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def questionnaires(draw: Any, clean: bool = True) -> sk.Questionnaire:
    """A random questionnaire. ``clean``: lint-clean; otherwise also text codes, extra XLSForm columns
    and other things lint warns about (still loadable and exportable)."""
    langs = draw(LANGUAGES)
    names = itertools.count(1)

    def loc(suffix: str = "") -> dict[str, str]:
        return {lang: draw(TEXT) + suffix for lang in langs}

    def maybe(strategy: Any) -> Any:
        return draw(st.one_of(st.none(), strategy))

    lists: dict[str, sk.ChoiceList] = {}
    for i in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 5))
        text_codes = not clean and draw(st.booleans())
        codes: list[Any] = [f"c{j}" for j in range(1, n + 1)] if text_codes else list(range(1, n + 1))
        choices = [sk.Choice(code=c, label=loc(f" {c}")) for c in codes]
        missing = [
            sk.MissingCode(kind=k, code=c, label=loc(f" {c}"))
            for k, c in (("dont_know", 98), ("refused", 99))
            if draw(st.booleans())
        ]
        lists[f"l{i}"] = sk.ChoiceList(choices=choices, missing=missing, ordered=draw(st.booleans()))
    q_missing = [
        sk.MissingCode(kind=k, code=c, label=loc(), stata=maybe(st.just(s)))
        for k, c, s in (("dont_know", -8, ".d"), ("refused", -9, ".r"))
        if draw(st.booleans())
    ]

    # visible: earlier questions an expression may refer to (same unit or an enclosing one)
    def condition(visible: list[Any]) -> str | None:
        usable = [v for v in visible if v.type in ("select_one", "select_multiple", "integer")]
        if not usable or not draw(st.booleans()):
            return None
        v = draw(st.sampled_from(usable))
        if v.type == "integer":
            return f"${{{v.name}}} >= {v.min if v.min is not None else 0}"
        code = draw(st.sampled_from(lists[v.choices].codes()))
        if v.type == "select_one":
            return f"${{{v.name}}} = '{code}'"
        return f"selected(${{{v.name}}}, '{code}')"

    def common(visible: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"name": f"q{next(names)}", "label": loc()}
        if draw(st.booleans()):
            out["hint"] = loc()
        out["relevant"] = condition(visible)
        required = draw(st.sampled_from([False, True, "expr"]))
        out["required"] = (condition(visible) or False) if required == "expr" else required
        if draw(st.integers(0, 4)) == 0:
            out["universe"] = loc()
            out["concept"] = draw(TEXT)
            out["short_label"] = loc()
        if not clean and draw(st.integers(0, 4)) == 0:
            out["appearance"] = "minimal"
            out["extra"] = {"media::image": "foto.png"}
        return {k: v for k, v in out.items() if v is not None}

    def question(visible: list[Any]) -> Any:
        kind = draw(
            st.sampled_from(
                [
                    "select_one",
                    "select_multiple",
                    "integer",
                    "decimal",
                    "text",
                    "date",
                    "calculate",
                    "note",
                    "start",
                    "geopoint",
                ]
            )
        )
        base = common(visible)
        if kind in ("select_one", "select_multiple"):
            cls = sk.SelectOneQuestion if kind == "select_one" else sk.SelectMultipleQuestion
            lst = draw(st.sampled_from(sorted(lists)))
            extra = {}
            if kind == "select_one" and lists[lst].missing and draw(st.booleans()):
                extra["missing"] = [m.kind for m in lists[lst].missing]
            return cls(**base, choices=lst, **extra)
        if kind == "integer":
            lo = draw(st.integers(0, 10))  # missing codes are negative: outside [min, max]
            hi = maybe(st.integers(10, 200))
            constraint = f". >= {lo}" if lo is not None and draw(st.booleans()) else None
            return sk.IntegerQuestion(**base, min=lo, max=hi, constraint=constraint, unit=maybe(st.just("años")))
        if kind == "decimal":
            return sk.DecimalQuestion(
                **base,
                min=draw(st.sampled_from([0.0, 0.5, 1.25])),
                max=maybe(st.sampled_from([10.0, 99.5])),
                measure=maybe(st.just("scale")),
            )
        if kind == "text":
            return sk.TextQuestion(**base, missing=maybe(st.just([])))
        if kind == "date":
            return sk.DateQuestion(**base)
        if kind == "note":
            return sk.NoteQuestion(name=base["name"], label=base["label"], relevant=base.get("relevant"))
        if kind == "start":
            return sk.MetadataQuestion(type="start", name=base["name"])
        if kind == "geopoint":
            return sk.OtherQuestion(type="geopoint", name=base["name"], label=base["label"])
        numbers = [v for v in visible if v.type in ("integer", "decimal")]
        calc = f"${{{draw(st.sampled_from(numbers)).name}}} + 1" if numbers else "1"
        return sk.CalculateQuestion(name=base["name"], calculation=calc, result_type="decimal")

    def items(visible: list[Any], depth: int) -> list[Any]:
        out: list[Any] = []
        for _ in range(draw(st.integers(1, 5))):
            kind = draw(st.sampled_from(["q", "q", "q", "group", "repeat"])) if depth < 2 else "q"
            if kind == "q":
                item = question(visible)
                out.append(item)
                visible.append(item)
                continue
            relevant = condition(visible)
            if kind == "group":
                children = items(visible, depth + 1)  # a group's questions stay visible after it
                out.append(sk.Group(name=f"g{next(names)}", label=loc(), relevant=relevant, children=children))
            else:
                counts = [v for v in visible if v.type == "integer"]
                count = f"${{{draw(st.sampled_from(counts)).name}}}" if counts and draw(st.booleans()) else None
                children = items(list(visible), depth + 1)  # a repeat's questions are not visible outside
                out.append(
                    sk.Repeat(
                        name=f"r{next(names)}",
                        label=loc(),
                        relevant=relevant,
                        count=count,
                        unit=maybe(st.just("person")),
                        children=children,
                    )
                )
        return out

    visible: list[Any] = []
    body = items(visible, 0)
    used = {
        q.choices
        for _p, q, _g in sk.Questionnaire(id="t", languages=langs, items=body).walk()
        if getattr(q, "choices", None)
    }
    for name in sorted(set(lists) - used):  # every list used (an unused list is a lint warning)
        body.append(sk.SelectOneQuestion(name=f"q{next(names)}", label=loc(), choices=name))
    return sk.Questionnaire(
        id=f"f{draw(st.integers(1, 999))}",
        title=loc(),
        version=draw(st.sampled_from(["1", "2024.1", "3b"])),
        languages=langs,
        default_language=maybe(st.just(langs[0])),
        language_names={"es": "Castellano"} if "es" in langs and draw(st.booleans()) else {},
        unit=maybe(st.just("household")),
        missing_codes=q_missing,
        choice_lists=lists,
        items=body,
    )
