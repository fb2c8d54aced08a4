"""Accessibility basics of issue 10 on every page: labels on inputs, a language and a title, alt text, named
buttons, nothing loaded from another host (every HTML page the console serves, read as admin or as an enterprise
user against the real railshift, vehicles and gatecontrol with their demos); contrast of the stylesheet's text and
button colours (WCAG 2.1 AA, computed from console.css); the keyboard alone: log in, the skip link first, the police
check's box focused and sent with Enter, focus always visible."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask

from console.config import ConsoleSettings
from tests.conftest import RunningService
from tests.console.conftest import log_in, shot
from tests.console.factories import DEMO_STEEL_USCC, PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("db")
CSS = Path(__file__).resolve().parents[2] / "console" / "static" / "css" / "console.css"
LEZ_MACHINE = "LF14100200003"  # vehicles' demo: a 国二 excavator in 尧都区
# Not pages: files streamed through, redirects, probes.
NOT_PAGES = {"static", "auth.home", "auth.language", "enterprise.export", "enterprise.template", "reports.download",
             "environment.phaseout_remaining", "gates.violations_export", "ledger.export", "machinery.export",
             "health", "ready"}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset"}


@pytest.fixture(scope="module")
def config(config: ConsoleSettings, vehicles_demo: RunningService, gatecontrol_demo: RunningService) -> ConsoleSettings:
    return config.with_changes(service_urls={**config.service_urls, "vehicles": vehicles_demo.url,
                                             "gatecontrol": gatecontrol_demo.url})


class Page(HTMLParser):
    """What an accessibility checker looks at: controls and their labels, images, buttons, lang, title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.title = ""
        self.label_for: set[str] = set()
        self.controls: list[tuple[dict[str, str | None], bool]] = []  # (attributes, inside a <label>)
        self.images_without_alt: list[str] = []
        self.buttons: list[list[str]] = []  # text and aria-label of each open/closed <button>
        self._label_depth = 0
        self._in_title = False
        self._button: list[str] | None = None
        self.external: list[str] = []  # scripts, styles, images from another host: bureau machines have no internet

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        source = a.get("src") if tag in ("script", "img") else a.get("href") if tag == "link" else None
        if source and re.match(r"(https?:)?//", source):
            self.external.append(source)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"] or "")
        elif tag in ("input", "select", "textarea"):
            if tag != "input" or (a.get("type") or "text") not in UNLABELLED_TYPES:
                self.controls.append(({"tag": tag, **a}, self._label_depth > 0))
            if tag == "input" and a.get("type") in ("submit", "button", "reset") and not (a.get("value")
                                                                                        or a.get("aria-label")):
                self.buttons.append([])
        elif tag == "img" and a.get("alt") is None:
            self.images_without_alt.append(a.get("src") or "?")
        elif tag == "button":
            self._button = [a.get("aria-label") or "", a.get("title") or ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "label":
            self._label_depth -= 1
        elif tag == "button" and self._button is not None:
            self.buttons.append(self._button)
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._button is not None:
            self._button.append(data)

    def problems(self) -> list[str]:
        found = []
        if not self.lang:
            found.append("<html> has no lang")
        if not self.title.strip(" ·\n"):
            found.append("no <title>")
        for attributes, wrapped in self.controls:
            named = (wrapped or (attributes.get("id") in self.label_for) or attributes.get("aria-label")
                     or attributes.get("aria-labelledby") or attributes.get("title"))
            if not named:
                found.append(f"no label: <{attributes['tag']} name={attributes.get('name')!r}>")
        found += [f"<img src={src!r}> has no alt" for src in self.images_without_alt]
        found += ["a button without a name" for parts in self.buttons if not "".join(parts).strip()]
        found += [f"loads {source} from another host" for source in self.external]
        return found


def test_the_checker_finds_what_it_looks_for():
    parser = Page()
    parser.feed('<html><head><title> · </title></head><body><input name="q"><label>月份 <select name="m"></select>'
                '</label><label for="a">区</label><input id="a" name="a"><input type="hidden" name="t">'
                '<img src="x.png"><button> </button><button aria-label="关闭"></button>'
                '<script src="https://cdn.example/echarts.js"></script></body></html>')
    assert parser.problems() == ["<html> has no lang", "no <title>", "no label: <input name='q'>",
                                 "<img src='x.png'> has no alt", "a button without a name",
                                 "loads https://cdn.example/echarts.js from another host"]


def read(client, path: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    answer = client.get(path, follow_redirects=True)
    return answer.status_code, answer.mimetype, answer.get_data(as_text=True)


def pages(app: Flask) -> list[str]:
    """Every page without a path parameter (new ones are checked without editing this test)."""
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and rule.endpoint not in NOT_PAGES)


def test_every_page_labels_its_inputs_and_names_its_language_title_images_and_buttons(app, railshift_demo):
    make_user(app, "admin", "a11y.admin")
    make_user(app, "enterprise", "a11y.steel", uscc=DEMO_STEEL_USCC)
    anonymous, admin, steel = app.test_client(), app.test_client(), app.test_client()
    log_in(admin, "a11y.admin", PASSWORD)
    log_in(steel, "a11y.steel", PASSWORD)
    checked: dict[str, list[str]] = {}
    status, _, html = read(anonymous, "/login")
    assert status == 200
    parser = Page()
    parser.feed(html)
    checked["/login (anonymous)"] = parser.problems()

    reviews = read(admin, "/transport/reviews")[2]
    declaration = re.search(r'<tr data-id="(\d+)">', reviews)
    gate_sites = read(admin, "/environment/gates/?month=2025-12&area=141000")[2]
    site = re.search(r'href="/environment/gates/sites/([^"?]+)', gate_sites)
    assert declaration and site, "the demos should give a pending declaration and a gate site"
    with_parameters = [f"/transport/declarations/{declaration.group(1)}", f"/environment/machinery/{LEZ_MACHINE}",
                       f"/police/machines/{LEZ_MACHINE}", f"/environment/gates/sites/{site.group(1)}?day=2025-12-08",
                       "/enterprise/declarations/draft/2026-04", "/police/check?q=晋L00005",
                       "/environment/machinery/coverage?year=2025&month=12&area=141000",
                       "/environment/lists/history?plate=晋L00005&plate_colour=yellow",
                       "/lang/en?next=/environment/nev"]
    for path in pages(app) + with_parameters:
        if path == "/login":
            continue
        client = steel if path.startswith("/enterprise/") else admin
        status, mimetype, html = read(client, path)
        assert status == 200 and mimetype == "text/html", f"{path}: {status} {mimetype}"
        parser = Page()
        parser.feed(html)
        checked[path] = parser.problems()
        if 'class="data"' in html and "js/table-export.js" not in html:
            checked[path].append("a table without its CSV export")
    assert len(checked) >= 35, sorted(checked)
    assert {path: found for path, found in checked.items() if found} == {}


def test_the_english_pages_say_they_are_english(app, railshift_demo):
    make_user(app, "admin", "a11y.english")
    client = app.test_client()
    log_in(client, "a11y.english", PASSWORD)
    status, _, html = read(client, "/lang/en?next=/transport/ranking")
    assert status == 200 and '<html lang="en">' in html
    assert "排名" not in re.sub(r"<[^>]+>", "", html.split("</header>")[0])  # the navigation is in English too


# ---- contrast (WCAG 2.1: 4.5:1 for text, 3:1 for large text and for the focus ring against the page) -----------

def _rules(css: str) -> dict[str, dict[str, str]]:
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        declarations = dict((k.strip(), v.strip()) for k, _, v in (d.partition(":") for d in body.split(";"))
                            if v.strip())
        for selector in selectors.split(","):
            rules.setdefault(" ".join(selector.split()), {}).update(declarations)
    return rules


def _colour(value: str) -> tuple[float, float, float]:
    match = re.search(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", value)
    assert match, f"not a hex colour: {value}"
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(value: str) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _colour(value)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two CSS hex colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratio_of_the_formula():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#777", "#fff"), 2) == 4.48  # the classic grey that just fails AA


def test_text_and_buttons_meet_wcag_aa_contrast():
    rules = _rules(CSS.read_text(encoding="utf-8"))
    page = rules["body"]["background"]
    text = rules["body"]["color"]
    header = rules["header.top"]["background"]
    pairs = {
        "body text": (text, page),
        "links": (rules["a"]["color"], page),
        "buttons": (rules["button"]["color"], rules["button"]["background"]),
        "danger buttons": (rules["button"]["color"], rules["button.danger"]["background"]),
        "header text and links": (rules["header.top a"]["color"], header),
        "header button": (rules["header.top button"]["color"], rules["header.top button"]["background"]),
        "table headings": (text, rules["table.data th"]["background"]),
        "good (green) on the page": (rules[".good"]["color"], page),
        "bad (red) on the page": (rules[".bad"]["color"], page),
        "bad (red) on an error box": (rules[".bad"]["color"], rules[".flash.error"]["background"]),
        "small grey text": (rules[".small"]["color"], page),
        "text on the unavailable banner": (text, rules[".banner.unavailable"]["background"]),
        "text on a silent/overdue row": (text, rules["tr.silent td"]["background"]),
        "text on a red verdict": (rules[".bad"]["color"], rules[".verdict.hit"]["background"]),
        "field errors": (rules[".field-error"]["color"], page),
    }
    ratios = {name: round(contrast(fg, bg), 2) for name, (fg, bg) in pairs.items()}
    assert {name: ratio for name, ratio in ratios.items() if ratio < 4.5} == {}
    focus = rules["a:focus"]["outline"]
    assert contrast(focus, page) >= 3 and contrast(focus, header) >= 3  # the focus ring shows on both


# ---- the keyboard alone -------------------------------------------------------------------------------------------

@pytest.mark.e2e
def test_keyboard_only_login_and_police_check(app, browser, live_url):
    make_user(app, "police", "a11y.police")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_url, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto("/login")
        # the cursor starts in the box (autofocus lands at the browser's next frame, not at load)
        page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("none", "")  # focus can be seen
        page.keyboard.type("a11y.police")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "password"
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto("/reports/monthly")  # a page without autofocus: the first Tab is the skip link
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "跳到正文"
        page.keyboard.press("Enter")  # past the navigation: the next Tab is inside <main>
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('main') !== null")
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("none", "")
        page.goto("/police/check")
        # the check's box has the cursor at once (the browser applies autofocus at its next frame, not at load)
        page.wait_for_function("document.activeElement && document.activeElement.name === 'q'")
        page.keyboard.type("晋l00005")
        page.keyboard.press("Enter")
        page.wait_for_selector("#normalised")
        assert "晋L00005" in page.locator("#normalised").inner_text()
        shot(page, "police-check-keyboard")
    finally:
        context.close()
