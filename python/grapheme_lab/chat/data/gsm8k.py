"""GSM8K's schema (``{"question", "answer"}``, the answer a worked solution whose calculations
are marked ``<<48/2=24>>`` and whose last line is ``#### 24``) turned into a conversation, as
nanochat turns GSM8K: each marked calculation becomes a calculator call whose output is the
calculator's own answer (what generation forces in), the last line "The answer is 24.". The
worded problems and reasoning-gym's are written in this schema, so the hub's GSM8K loads the
same way (``read_records`` a local copy, then ``conversation``)."""

from __future__ import annotations

import math
import re

from grapheme_lab.chat.calculator import calculate

_CALC = re.compile(r"<<([^<>=]*)=([^<>]*)>>")
_FINAL = re.compile(r"\n?####\s*(.+?)\s*$")


def same_value(a: str, b: str) -> bool:
    """Whether two calculator answers are the same number (1e-9 relative)."""
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a.strip() == b.strip()
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def final_answer(solution: str) -> str:
    m = _FINAL.search(solution)
    if not m:
        raise ValueError(f"a GSM8K answer ends with '#### N'; this one ends {solution[-60:]!r}")
    return m.group(1).replace(",", "")


def solution_parts(solution: str, where: str = "") -> list[dict]:
    """The assistant's parts for a worked solution: text, and a calculator call with its
    output for each ``<<expr=result>>``. A calculation the calculator answers differently
    from the solution is an error naming it (the data must be right)."""
    answer = final_answer(solution)
    body = _FINAL.sub("", solution).rstrip()
    parts, pos = [], 0
    for m in _CALC.finditer(body):
        expr, claimed = m.group(1).strip(), m.group(2).strip()
        output = calculate(expr)
        if output.startswith("error:") or not same_value(output, claimed.replace(",", "")):
            raise ValueError(f"{where}: the calculator answers {expr!r} with {output!r}, the solution says {claimed!r}")
        parts += [{"type": "text", "text": body[pos:m.start()]}, {"type": "python", "text": expr},
                  {"type": "python_output", "text": output}]
        pos = m.end()
    tail = body[pos:]
    parts.append({"type": "text", "text": f"{tail}\nThe answer is {answer}." if tail.strip() else f" The answer is {answer}."})
    return [p for p in parts if p["type"] != "text" or p["text"]]


def conversation(record: dict, row_id: str) -> dict:
    """A GSM8K-schema record as a conversation row with its numeric ``answer``."""
    return {"id": row_id, "messages": [{"role": "user", "content": record["question"]},
                                       {"role": "assistant", "content": solution_parts(record["answer"], row_id)}],
            "answer": final_answer(record["answer"])}
