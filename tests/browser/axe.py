"""axe-core in the browser tests: run it on the page and return its violations.

tests/browser/vendor/axe.min.js is axe-core's npm build (MPL-2.0, LICENSE next to it), used by the
tests only and never served. The site's CSP forbids inline scripts, so add_script_tag (which inlines
the file) would be blocked; page.evaluate goes through the DevTools protocol, which CSP does not
govern, and leaves the page's own policy untouched for the checks.
"""

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

# WCAG 2.1 A and AA plus axe's best practices (landmarks, headings, region...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """The violations of the given impacts on the page as it is now, one dict per rule."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
            const results = await axe.run(document, options);
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        TAGS,
    )
    return [violation for violation in violations if violation["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    """One line per rule and per element, to read in a failing assertion."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)
