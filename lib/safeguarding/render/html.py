"""Export an executed briefing notebook to one self-contained HTML file, and check it.

:func:`export_briefing_html` uses nbconvert's :class:`~nbconvert.HTMLExporter` with the
``briefing`` template in ``render/templates/briefing/``:

- no code, no prompts; cells tagged ``parameters``, ``injected-parameters`` or ``remove``
  (also ``remove-cell``/``remove_cell``) are removed entirely, and ``remove-output``
  removes a cell's outputs;
- a notebook with an error output is refused (:class:`BriefingError`): a briefing with an
  error must fail, not be circulated;
- stderr (warnings, progress bars) is left out of the page but not lost: it is logged at
  WARNING level and :func:`stderr_messages` returns it for the batch manifest;
- our stylesheet is inlined (system fonts, 48rem column, A4 print rules); there are no
  scripts, web fonts or links to anything outside the file.

:func:`check_briefing_html` lists what is wrong with a finished page (external resources,
images without alt text, code or prompts, tracebacks, stderr, no ``<h1>``, tables without
header cells) for the tests and for the batch to check each output before it is sent.
"""

from __future__ import annotations

import copy
import functools
import html
import logging
import re
import threading
from importlib import resources as importlib_resources
from pathlib import Path

logger = logging.getLogger(__name__)

#: Cells with any of these tags are removed from the briefing.
REMOVE_CELL_TAGS = frozenset(
    {"parameters", "injected-parameters", "remove", "remove-cell", "remove_cell"}
)
#: Cells with any of these tags keep their place but lose their outputs.
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})

#: The alt text nbconvert fills in when an image has none (treated as missing).
NBCONVERT_PLACEHOLDER_ALT = "No description has been provided for this image"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BriefingError(RuntimeError):
    """A notebook that must not become a briefing (it contains an error output)."""


def template_dir() -> Path:
    """Directory holding the ``briefing`` nbconvert template (``templates/briefing``)."""
    return Path(str(importlib_resources.files("safeguarding.render") / "templates"))


@functools.cache
def briefing_css() -> str:
    """The stylesheet inlined into every briefing (read once, on first use)."""
    return (template_dir() / "briefing" / "briefing.css").read_text(encoding="utf-8")


def __getattr__(name: str) -> str:
    # ``BRIEFING_CSS`` reads like a constant but is loaded lazily: nothing is read at import.
    if name == "BRIEFING_CSS":
        return briefing_css()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _cell_tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def find_errors(notebook_node) -> list[str]:
    """One line per error output in the notebook: 'cell 7: ValueError: ...'.

    Cells that will be removed from the briefing are checked too: an error anywhere means
    the run did not finish as written.
    """
    found = []
    for index, cell in enumerate(notebook_node.get("cells", [])):
        for output in cell.get("outputs", []) or []:
            if output.get("output_type") == "error":
                ename = output.get("ename", "Error")
                evalue = _strip_ansi(str(output.get("evalue", ""))).strip()
                found.append(f"cell {index}: {ename}: {evalue}".rstrip(": "))
    return found


def stderr_messages(notebook_node) -> list[str]:
    """Text written to stderr, one item per stream output, as 'cell N: text'.

    The briefing leaves stderr out; the batch should record these in its manifest (a
    warning in a briefing run usually deserves a look).
    """
    messages = []
    for index, cell in enumerate(notebook_node.get("cells", [])):
        for output in cell.get("outputs", []) or []:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = _strip_ansi(str(output.get("text", ""))).strip()
                if text:
                    messages.append(f"cell {index}: {text}")
    return messages


_EXPORTERS = threading.local()


def _exporter():
    """This thread's exporter, made once: making one compiles the templates again (about 0.05 s,
    a fifth of exporting a briefing)."""
    found = getattr(_EXPORTERS, "exporter", None)
    if found is None:
        found = _EXPORTERS.exporter = _new_exporter()
    return found


def _new_exporter():
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from traitlets.config import Config

    class BriefingExporter(HTMLExporter):
        """nbconvert's HTML exporter without its last pass, which parses the whole page again
        (BeautifulSoup) to give images with no alt text a placeholder and code cells a tab stop,
        and writes it out again: a third of the export. A briefing has no code cells, and
        :func:`check_briefing_html` refuses an image without alt text (or with the placeholder)."""

        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            resources = self._init_resources(resources)
            # the two filters HTMLExporter registers before rendering, as it does
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    config.TagRemovePreprocessor.remove_input_tags = set()
    # the notebook is validated once, after every preprocessor, not after each of them
    config.Exporter.optimistic_validation = True
    return BriefingExporter(
        config=config,
        template_name="briefing",
        extra_template_basedirs=[str(template_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        sanitize_html=False,
        embed_images=True,
    )


def export_briefing_html(notebook_node, title: str, marking: str | None = None) -> str:
    """The executed notebook as one self-contained HTML briefing.

    Parameters
    ----------
    notebook_node : nbformat.NotebookNode
        An executed notebook (papermill or nbclient output). Not modified.
    title : str
        The page ``<title>`` (browser tab, print header). The visible ``<h1>`` comes from
        the notebook (``b.header()`` or a markdown cell).
    marking : str, optional
        The protective marking, shown at the top and foot of the page and on every printed
        page (``config.DEFAULT_MARKING`` when not given).

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    BriefingError
        If any cell has an error output.
    ValueError
        If ``title`` is empty.
    """
    if not title or not str(title).strip():
        raise ValueError("A briefing needs a title for its <title> element")
    errors = find_errors(notebook_node)
    if errors:
        listed = "; ".join(errors)
        raise BriefingError(
            f"The notebook has {len(errors)} error output(s), so no briefing was written "
            f"(a briefing with an error must not be circulated). Fix and re-run: {listed}"
        )
    for message in stderr_messages(notebook_node):
        logger.warning("stderr left out of briefing %r: %s", title, message)

    from safeguarding import __version__

    notebook = copy.deepcopy(notebook_node)
    resources = {
        "briefing_title": str(title).strip(),
        "briefing_version": __version__,
        "metadata": {"name": str(title).strip()},
    }
    body, _ = _exporter().from_notebook_node(notebook, resources=resources)
    from safeguarding import config
    return finish_page(body, str(title).strip(), marking or config.DEFAULT_MARKING, __version__)


# --------------------------------------------------------------------------- page furniture

_H2 = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<text>.*?)</h2>", re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_ID = re.compile(r'\bid="([^"]*)"')
#: Sections listed in the contents (the first page's own heading is not).
_NOT_IN_CONTENTS = {"Key findings"}
ACCESSIBILITY_STATEMENT = (
    "This briefing aims to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA. It reflows to a "
    "narrow screen, and every chart has a text description and a table of its figures beside it. Known gap: charts "
    "are pictures, so their lettering does not grow when the text is enlarged. If any part is hard to read or use, "
    "ask the analyst who sent it for the figures in another format.")


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "").replace('"', "") + '"'


def finish_page(body: str, title: str, marking: str, version: str) -> str:
    """Add the page furniture to an exported briefing: the protective marking (top, foot and
    every printed page, with the title and 'page N of M'), a contents list linking every
    section, and a footer (version, where the sources and dates are, accessibility)."""
    used: set[str] = set()
    contents = []

    def anchor(match: re.Match) -> str:
        attrs, inner = match.group("attrs"), match.group("text")
        text = html.unescape(_TAGS.sub("", inner)).strip()
        found = _ID.search(attrs)
        if found:
            ident = found.group(1)
        else:
            base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
            ident, n = base, 2
            while ident in used:
                ident, n = f"{base}-{n}", n + 1
            attrs = f'{attrs} id="{ident}"'
        used.add(ident)
        if text and text not in _NOT_IN_CONTENTS:
            contents.append((ident, text))
        return f"<h2{attrs}>{inner}</h2>"

    body = _H2.sub(anchor, body)
    mark = html.escape(marking)
    nav = ""
    if contents:
        items = "".join(f'<li><a href="#{html.escape(i)}">{html.escape(t)}</a></li>' for i, t in contents)
        nav = (f'<nav class="contents" aria-labelledby="contents-heading"><h2 id="contents-heading">Contents</h2>'
               f'<ol>{items}</ol><p class="to-index"><a href="../index.html">All briefings of this run</a> '
               "(where this briefing is read beside its index)</p></nav>")
    footer = (f'<footer class="page-footer"><p class="marking">{mark}</p><p>Safeguarding Workbooks {html.escape(version)}. '
              "The period, the dates the data were processed and the briefing produced are under the title; every "
              "source and definition is in 'Data notes and methods'.</p>"
              f"<p>Accessibility: {html.escape(ACCESSIBILITY_STATEMENT)}</p></footer>")
    page_css = ("<style>@page { @top-left { content: " + _css_string(title) + "; font-size: 7.5pt; color: #333; } "
                "@top-right { content: " + _css_string(marking) + "; font-size: 7.5pt; font-weight: 700; } "
                '@bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 7.5pt; } '
                "@bottom-left { content: " + _css_string(marking) + "; font-size: 7.5pt; font-weight: 700; } }</style>")
    body = body.replace("</head>", page_css + "</head>", 1)
    body = body.replace('<main class="briefing">', f'<main class="briefing"><p class="marking">{mark}</p>', 1)
    first_page_end = body.find("</section>", body.find('class="key-findings first-page"'))
    if nav and first_page_end > 0:
        at = first_page_end + len("</section>")
        body = body[:at] + nav + body[at:]
    elif nav:
        body = body.replace(f'<p class="marking">{mark}</p>', f'<p class="marking">{mark}</p>{nav}', 1)
    return body.replace("</main>", "</main>" + footer, 1)


# --------------------------------------------------------------------------- checks

_EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?(?!data:)([^'\")]+)", re.IGNORECASE)
_PROMPT = re.compile(r"\b(In|Out)\s*\[\s*\d*\s*\]\s*:")
_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")
_WARNING_TEXT = re.compile(
    r"\b(Traceback \(most recent call last\)|\w*Warning: |Exception: )"
)
_CODE_CLASSES = {
    "jp-InputArea", "jp-InputPrompt", "jp-OutputPrompt", "jp-CodeMirrorEditor", "input_area",
    "prompt", "input_prompt", "output_prompt", "jp-Cell-inputWrapper", "jp-CodeCell",
}
_STDERR_CLASSES = {"output_stderr", "stderr"}


def check_briefing_html(html: str) -> list[str]:
    """Problems that stop a briefing from being circulated; an empty list means none found.

    Checks: external resources (scripts, stylesheets, images, frames, fonts or CSS
    ``url()`` outside the file; any ``<script>``), ``<img>`` without alt text (or with
    nbconvert's placeholder), code cells and prompts, traceback or warning text, stderr
    blocks, a missing ``<h1>``, ``<title>`` or ``lang``, tables without ``<th>``, and
    raw Python object reprs. Every element is looked at, those of the charts' SVG too.

    The page is parsed once with lxml (libxml2's HTML parser) and walked once: a briefing has
    1,000 to 2,500 elements, most of them in its charts, and BeautifulSoup's parse and its
    dozen searches over them took 0.1 to 0.4 s a briefing, as long as exporting it.
    """
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(html.encode("utf-8"),
                                         parser=lxml_html.HTMLParser(encoding="utf-8", huge_tree=True))
    problems: list[str] = []
    elements = [el for el in root.iter() if isinstance(el.tag, str)]  # not comments
    by_tag: dict[str, list] = {}
    for el in elements:
        by_tag.setdefault(el.tag.lower(), []).append(el)
    tags = lambda *names: [el for name in names for el in by_tag.get(name, [])]  # noqa: E731

    if any(el.get("data-unprotected") is not None for el in elements):
        problems.append("The page shows unprotected results (b.result(..., protected=False)); they never go in a briefing.")

    if root.tag.lower() != "html" or not root.get("lang"):
        problems.append("The <html> element has no lang attribute.")
    titles = tags("title")
    if not titles or not titles[0].text_content().strip():
        problems.append("The page has no <title>.")

    for script in tags("script"):
        if script.get("src"):
            problems.append(f"External script: <script src={script.get('src')!r}>.")
        else:
            problems.append("The page contains a <script> (briefings must not run code).")
    for link in tags("link"):
        href = link.get("href") or ""
        if href and not href.startswith(("data:", "#")):
            problems.append(f"External resource: <link href={href!r}>.")
    loading = ("img", "iframe", "embed", "video", "audio", "source", "object", "input")
    for tag in (el for el in elements if el.tag.lower() in loading):  # in page order, as they load
        src = tag.get("src") or tag.get("data") or ""
        if src and not src.startswith("data:"):
            problems.append(f"<{tag.tag.lower()}> loads {src!r}, which is not inside the file.")
    for tag in elements:
        for url in _CSS_URL.findall(tag.get("style") or ""):
            problems.append(f"Inline style loads {url!r} from outside the file.")
    for style in tags("style"):
        css = style.text_content()
        if "@import" in css:
            problems.append("A stylesheet uses @import.")
        for url in _CSS_URL.findall(css):
            problems.append(f"A stylesheet loads {url!r} from outside the file.")
    for tag in (el for el in elements if el.tag.lower() in ("image", "use", "feimage")):  # a chart's SVG
        href = tag.get("href") or tag.get("xlink:href") or ""
        if href and not href.startswith(("data:", "#")):
            problems.append(f"<{tag.tag.lower()}> in a chart loads {href!r}, which is not inside the file.")
    for tag in (el for el in elements if el.tag.lower() in ("iframe", "embed", "object")):
        problems.append(f"The page contains an <{tag.tag.lower()}>.")

    for index, img in enumerate(tags("img"), start=1):
        alt = img.get("alt")
        if alt is None:
            problems.append(f"Image {index} has no alt text.")
        elif not alt.strip() or alt.strip() == NBCONVERT_PLACEHOLDER_ALT:
            problems.append(f"Image {index} has empty alt text.")

    classes = [set((el.get("class") or "").split()) for el in elements]
    code = next((c & _CODE_CLASSES for c in classes if c & _CODE_CLASSES), None)
    if code:
        problems.append(f"Code or a prompt is shown (class {sorted(code)}).")
    if any(el.get("data-mime-type") == "application/vnd.jupyter.stderr" for el in elements):
        problems.append("A stderr block is shown.")
    if any(c & _STDERR_CLASSES for c in classes):
        problems.append("A stderr block is shown.")

    text = " ".join(_visible_strings(root))
    if "Traceback" in text:
        problems.append("The page contains a Python traceback.")
    match = _WARNING_TEXT.search(text)
    if match and "Traceback" not in match.group(0):
        problems.append(f"The page contains warning or exception text: {match.group(0).strip()!r}.")
    if _PROMPT.search(text):
        problems.append("The page shows notebook prompts (In [ ]: / Out[ ]:).")
    if _REPR.search(text):
        problems.append(f"The page shows a raw Python object: {_REPR.search(text).group(0)!r}.")

    if not tags("h1"):
        problems.append("The page has no <h1> heading.")
    for index, table in enumerate(tags("table"), start=1):
        if not any(isinstance(el.tag, str) and el.tag.lower() == "th" for el in table.iter()):
            problems.append(f"Table {index} has no header cells (<th>).")
    return problems


def _visible_strings(element):
    """The page's text pieces in order, without stylesheets, scripts and comments (what a
    reader sees, one piece per text node, as BeautifulSoup's ``get_text`` gives them)."""
    stack = [(element, False)]
    while stack:
        el, tail_only = stack.pop()
        if tail_only:
            if el.tail:
                yield el.tail
            continue
        stack.append((el, True))
        if not isinstance(el.tag, str) or el.tag.lower() in ("style", "script"):
            continue
        if el.text:
            yield el.text
        stack.extend((child, False) for child in reversed(el))
