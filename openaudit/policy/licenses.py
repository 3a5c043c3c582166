"""SPDX-expression-aware allow/deny matching for policy license rules (pure)."""

from __future__ import annotations

from collections.abc import Callable


def _tree(expression: str):
    """Parse with license-expression; an unparsable string is treated as one opaque id."""
    from license_expression import ExpressionError, Licensing

    licensing = Licensing()
    try:
        return licensing, licensing.parse(expression, validate=False, simple=False)
    except (ExpressionError, ValueError, TypeError, AttributeError):
        return licensing, None


def _eval(node, licensing, leaf: Callable[[str], bool], and_all: bool) -> bool:
    """OR: the user may pick one alternative; AND: every part applies. ``and_all`` selects the
    combinator for AND (True: all, False: any) and its dual for OR."""
    if isinstance(node, licensing.AND):
        parts = [_eval(a, licensing, leaf, and_all) for a in node.args]
        return all(parts) if and_all else any(parts)
    if isinstance(node, licensing.OR):
        parts = [_eval(a, licensing, leaf, and_all) for a in node.args]
        return any(parts) if and_all else all(parts)
    sym = getattr(node, "license_symbol", node)
    return leaf(str(getattr(sym, "key", sym)))


def expression_allowed(expression: str, allow: set[str]) -> bool:
    """True when the license (SPDX expression) can be used within ``allow`` (lower-cased ids):
    one OR-alternative suffices; every AND-part must be allowed."""
    licensing, tree = _tree(expression)
    if tree is None:
        return expression.strip().lower() in allow
    return _eval(tree, licensing, lambda k: k.lower() in allow, and_all=True)


def expression_denied(expression: str, deny: set[str]) -> bool:
    """True when every way to use the license involves a denied id: any AND-part denied, all
    OR-alternatives denied."""
    licensing, tree = _tree(expression)
    if tree is None:
        return expression.strip().lower() in deny
    return _eval(tree, licensing, lambda k: k.lower() in deny, and_all=False)
