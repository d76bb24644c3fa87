"""The tools a chat model may call, by name. A tool call's text is ``NAME: ARGUMENTS`` for a
registered name, or else the whole text goes to the default tool (the calculator, so that
nanochat-style calls, which hold a bare expression, work). A tool is a function from text to
text; whatever it raises becomes its answer ``error: ...``, and a long answer is cut."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from grapheme_lab.chat.calculator import calculate

MAX_OUTPUT_CHARS = 512  # what is forced into the model's context per call

_NAMED_CALL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)\Z", re.S)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    run: Callable[[str], str]


@dataclass(frozen=True)
class ToolResult:
    tool: str
    arguments: str
    output: str
    seconds: float
    ok: bool  # False when the output is an error


CALCULATOR = Tool("calculator", "arithmetic and symbolic math by the package's engine: 3*(4+5)/2, sqrt(2)^2, "
                  "or the Polish form (derive (^ x 2) x)", calculate)


@dataclass
class ToolRegistry:
    tools: dict[str, Tool] = field(default_factory=dict)
    default: str | None = None

    def register(self, tool: Tool, default: bool = False) -> None:
        if tool.name in self.tools:
            raise ValueError(f"a tool named {tool.name!r} is already registered")
        self.tools[tool.name] = tool
        if default or self.default is None:
            self.default = tool.name

    def call(self, text: str) -> ToolResult:
        """Runs the tool a call's text names (or the default tool) and returns its answer."""
        start = time.perf_counter()
        m = _NAMED_CALL.match(text)
        if m and m.group(1) in self.tools:
            name, arguments = m.group(1), m.group(2).strip()
        else:
            name, arguments = self.default, text
        if name is None:
            output = "error: no tools are available"
        else:
            try:
                output = str(self.tools[name].run(arguments))
            except Exception as e:  # a tool's failure is its answer, never the harness's
                output = f"error: {type(e).__name__}: {e}"
        if len(output) > MAX_OUTPUT_CHARS:
            output = output[:MAX_OUTPUT_CHARS] + " ..."
        return ToolResult(name or "", arguments, output, time.perf_counter() - start, not output.startswith("error:"))


def default_registry() -> ToolRegistry:
    """The calculator, as the default tool."""
    registry = ToolRegistry()
    registry.register(CALCULATOR, default=True)
    return registry
