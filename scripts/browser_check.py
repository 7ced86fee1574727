#!/usr/bin/env python3
"""Open every page of the built book in a real browser (headless Chromium) and check it.

Usage::

    python scripts/browser_check.py BUILD_DIR [--screenshots DIR] [--toc _toc.yml]

``BUILD_DIR`` is the built HTML folder (``_build/html``). The script serves it from
Python's ``http.server`` on 127.0.0.1 (a free port, in a thread), starts Debian's
``chromium`` headless and drives it through the Chrome DevTools Protocol (over a
websocket, with ``websocket-client``; no browser download, no chromedriver needed).
For every HTML page of the build it checks that

* MathJax has finished (``MathJax.startup.promise``) and left no error node
  (``mjx-merror``), and no raw TeX (``\\(``, ``\\[``, ``$$``, ``\\begin{``, ...) is
  left in the page's text outside code (``pre``, ``code``, highlighted blocks);
* every ``<img>`` has loaded (``complete`` and ``naturalWidth > 0``) and, in the page's
  content, has alt text (not the file name that myst-nb uses when a figure cell has no
  ``mystnb.image.alt`` metadata);
* the download buttons (``.ipynb``, ``.md``) link to files present in the build, and
  the Binder and Colab launch buttons name a file of the book's source (``--source``,
  default: this repository; the repository URL in ``_config.yml`` is a placeholder);
* the console shows no error (log entries of level error, ``console.error``,
  uncaught exceptions) and no local request failed (HTTP status >= 400);
* no request goes to any host other than the local server. Chromium is also started
  with ``--host-resolver-rules`` that resolve every other host to nothing, so a page
  that tries is caught *and* cannot reach the internet.

With ``--toc`` (default: the repository's ``_toc.yml``, if the build has its root
page) it also checks the book as a whole: the left sidebar of the landing page links
to every page in the table of contents, ``index.html`` leads to the landing page, and
the search page finds the LSTM chapter for ``forget gate`` (``--search`` and
``--search-expect`` change the query and the page expected). ``--screenshots DIR``
writes PNG screenshots (first screen, 1280x900) of the landing page, one chapter, one
API page and the search results.

One line per page (``ok`` or its problems), then a summary. Exit status 0 when
everything passed, 1 otherwise. From Python (for a test)::

    from scripts.browser_check import check_pages
    report = check_pages(Path(site), ["good.html", "bad.html"])   # {page: [problems]}
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin, urlsplit

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
#: Folders of a Sphinx build that hold assets and sources, not pages.
NOT_PAGES = {"_static", "_sources", "_images", "_sphinx_design_static"}
#: Where to look for the browser: $CHROMIUM first, then Debian's binary and the usual names.
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome")
PAGE_TIMEOUT = 60.0  # seconds for one page to load and typeset (a long chapter takes a few)
VIEWPORT = (1280, 900)

# Runs in the page after its load event; returns what the checks need. MathJax's
# tex-chtml.js is a deferred script, so by the load event it has started;
# MathJax.startup.promise resolves once the first typesetting pass is done.
_PAGE_JS = r"""
(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  for (const img of document.images) { if (img.loading === 'lazy') img.loading = 'eager'; }
  let mathjax = 'absent';
  if (document.querySelector('script[src*="mathjax" i]')) {
    for (let i = 0; i < 200 && !(window.MathJax && window.MathJax.startup
                                 && window.MathJax.startup.promise); i++) await sleep(50);
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
      await window.MathJax.startup.promise;
      mathjax = 'typeset';
    } else {
      mathjax = 'did not start';
    }
  }
  await document.fonts.ready;
  await Promise.all([...document.images].map(img => img.complete ? null : new Promise(r => {
    img.addEventListener('load', r); img.addEventListener('error', r); setTimeout(r, 10000);
  })));
  const merrors = [...document.querySelectorAll('mjx-merror')].map(
    e => (e.getAttribute('data-mjx-error') || e.textContent || '').trim().slice(0, 100));
  const RAW = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\end\{/;
  const SKIP = 'pre, code, kbd, samp, script, style, textarea, template, noscript, '
             + 'mjx-container, .highlight';
  const rawTex = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!RAW.test(node.nodeValue)) continue;
    const el = node.parentElement;
    if (!el || el.closest(SKIP)) continue;
    rawTex.push(node.nodeValue.trim().replace(/\s+/g, ' ').slice(0, 100));
  }
  const images = [...document.images]
    .filter(img => !(img.complete && img.naturalWidth > 0))
    .map(img => img.getAttribute('src'));
  // Figures need alt text: myst-nb's default alt is the image's file name.
  const noAlt = [...document.querySelectorAll('article img, main img')]
    .filter(img => { const alt = (img.getAttribute('alt') || '').trim();
                     return !alt || /\.(png|jpe?g|svg|gif|webp)$/i.test(alt); })
    .map(img => img.getAttribute('src'));
  // The download buttons (.ipynb, .md) link to the page's source copied into the build.
  const downloads = [];
  for (const a of document.querySelectorAll('a[href*="_sources/"]')) {
    let status = 0;
    try { status = (await fetch(a.href, {method: 'HEAD'})).status; } catch (e) { status = -1; }
    downloads.push([a.getAttribute('href'), status]);
  }
  const launch = [...document.querySelectorAll('a[href]')].map(a => a.href)
    .filter(h => /^https:\/\/(mybinder\.org|colab\.research\.google\.com)\//.test(h));
  return {mathjax, merrors, rawTex, images, noAlt, downloads, launch, nImages: document.images.length,
          nMath: document.querySelectorAll('mjx-container').length};
})()
"""

_SIDEBAR_JS = r"""
[...document.querySelectorAll('.bd-sidebar-primary a[href], nav.bd-docs-nav a[href]')]
  .map(a => a.href)
"""

# Sphinx's searchtools fills #search-results and then says "Search finished, found ...".
_SEARCH_JS = r"""
(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  for (let i = 0; i < 400; i++) {
    const box = document.getElementById('search-results');
    const done = box && /finished|found|did not match/i.test(box.textContent || '');
    if (done && !/Searching/i.test((box.querySelector('h2, p') || {}).textContent || '')) break;
    await sleep(50);
  }
  await sleep(200);
  const box = document.getElementById('search-results');
  return {text: box ? (box.querySelector('p.search-summary, p') || box).textContent.trim() : '',
          links: box ? [...box.querySelectorAll('a[href]')].map(a => a.href) : []};
})()
"""


class BrowserError(RuntimeError):
    """Chromium could not be started or talked to."""


def find_chromium() -> str | None:
    """The Chromium executable to use, or None when there is none on this machine."""
    for name in (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES):
        if name and (path := shutil.which(name)):
            return path
    return None


def list_pages(build_dir: Path) -> list[str]:
    """Every HTML page of a build, as paths relative to ``build_dir`` (POSIX), sorted."""
    return sorted(
        p.relative_to(build_dir).as_posix()
        for p in build_dir.rglob("*.html")
        if p.relative_to(build_dir).parts[0] not in NOT_PAGES
    )


def toc_files(toc_path: Path) -> tuple[str, list[str]]:
    """The root docname of a jb-book ``_toc.yml`` and every other file it lists, in order."""
    import yaml  # Jupyter Book depends on PyYAML

    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return str(toc["root"]), [_docname(f) for f in files]


def _docname(file: str) -> str:
    for suffix in (".ipynb", ".md", ".rst"):
        if file.endswith(suffix):
            return file[: -len(suffix)]
    return file


# --------------------------------------------------------------------------- server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # silence the per-request log lines
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer((HOST, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- browser


class Browser:
    """Headless Chromium and one page (tab) of it, driven over the DevTools protocol."""

    def __init__(self, executable: str) -> None:
        import websocket  # websocket-client, pinned in requirements.txt

        self._websocket = websocket
        self._profile = tempfile.mkdtemp(prefix="browser-check-")
        args = [
            executable,
            "--headless=new",
            "--no-sandbox",  # containers and CI runners often lack the sandbox's namespaces
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--mute-audio",
            "--hide-scrollbars",
            # Every host except the local server resolves to nothing: no request can
            # leave the machine, even one the checks below failed to see.
            f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {HOST}",
            f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}",
            f"--user-data-dir={self._profile}",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "about:blank",
        ]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._stderr: list[bytes] = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        try:
            self._ws = self._connect()
            self._id = 0
            self._events: list[dict] = []
            target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
                "sessionId"
            ]
            for domain in ("Page", "Network", "Runtime", "Log"):
                self.send(f"{domain}.enable", session=self.session)
            self.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": VIEWPORT[0], "height": VIEWPORT[1], "deviceScaleFactor": 1, "mobile": False},
                session=self.session,
            )
        except Exception:
            self.close()
            raise

    def _drain_stderr(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            self._stderr.append(line)

    def _connect(self):
        port_file = Path(self._profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise BrowserError(
                    f"chromium exited with status {self._proc.returncode}: "
                    + b"".join(self._stderr[-20:]).decode(errors="replace")
                )
            if port_file.is_file():
                lines = port_file.read_text().split()
                if len(lines) >= 2:
                    url = f"ws://{HOST}:{lines[0]}{lines[1]}"
                    return self._websocket.create_connection(url, timeout=PAGE_TIMEOUT, suppress_origin=True)
            time.sleep(0.05)
        raise BrowserError("chromium did not open its DevTools port within 30 s")

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = PAGE_TIMEOUT) -> dict:
        """Send one DevTools command and return its result; events meanwhile are kept."""
        self._id += 1
        message: dict = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})

    def _receive(self, deadline: float, waiting_for: str) -> dict:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no answer from chromium within the time limit ({waiting_for})")
        self._ws.settimeout(remaining)
        try:
            message = json.loads(self._ws.recv())
        except self._websocket.WebSocketTimeoutException as exc:
            raise TimeoutError(f"no answer from chromium within the time limit ({waiting_for})") from exc
        if "method" in message:
            self._events.append(message)
        return message

    def wait_for_event(self, method: str, start: int, timeout: float = PAGE_TIMEOUT) -> dict:
        """The first event ``method`` of our page at or after index ``start`` of the log."""
        deadline = time.monotonic() + timeout
        index = start
        while True:
            while index < len(self._events):
                event = self._events[index]
                index += 1
                if event["method"] == method and event.get("sessionId") == self.session:
                    return event
            self._receive(deadline, method)

    def evaluate(self, expression: str, timeout: float = PAGE_TIMEOUT):
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session=self.session,
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"script failed in the page: {text}")
        return result["result"].get("value")

    def navigate(self, url: str) -> int:
        """Open ``url``, wait for its load event; return where its events start in the log."""
        start = len(self._events)
        result = self.send("Page.navigate", {"url": url}, session=self.session)
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        # Wait for *this* navigation's document, not a late load event of the previous
        # one (a redirect, say): first its frameNavigated, then the next load event.
        index = start
        while loader := result.get("loaderId"):
            event = self.wait_for_event("Page.frameNavigated", index)
            index = self._events.index(event) + 1
            frame = event["params"]["frame"]
            if frame.get("loaderId") == loader and not frame.get("parentId"):
                break
        self.wait_for_event("Page.loadEventFired", index)
        return start

    def events_since(self, start: int) -> list[dict]:
        self.evaluate("0")  # a round trip, so that events sent before now have arrived
        return [e for e in self._events[start:] if e.get("sessionId") == self.session]

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", {"format": "png"}, session=self.session)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        ws = getattr(self, "_ws", None)
        if ws is not None:
            try:
                self.send("Browser.close", timeout=5)
            except Exception:
                pass
            ws.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        shutil.rmtree(self._profile, ignore_errors=True)


# --------------------------------------------------------------------------- checks


def _is_local(url: str, base: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "javascript"):
        return True
    return url.startswith(base)


def _event_problems(events: list[dict], base: str) -> list[str]:
    """Requests that left 127.0.0.1, failed local loads and console errors."""
    problems: list[str] = []
    urls: dict[str, str] = {}
    external: set[str] = set()
    # The browser asks for /favicon.ico by itself (the pages declare no icon); a 404
    # there is not the page's doing and readers never see it.
    favicon = base + "favicon.ico"
    for event in events:
        method, params = event["method"], event.get("params", {})
        if favicon in json.dumps(params):
            continue
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            if not _is_local(url, base) and url not in external:
                external.add(url)
                problems.append(f"request to a host other than {HOST}: {url}")
        elif method == "Network.responseReceived":
            response = params["response"]
            if response.get("status", 0) >= 400:
                problems.append(f"HTTP {response['status']} for {response['url']}")
        elif method == "Network.loadingFailed":
            url = urls.get(params["requestId"], "?")
            if url not in external and not params.get("canceled"):
                problems.append(f"failed to load {url}: {params.get('errorText')}")
        elif method == "Log.entryAdded":
            entry = params["entry"]
            if entry.get("level") == "error":
                where = f" ({entry['url']})" if entry.get("url") else ""
                problems.append(f"console error: {entry.get('text', '')[:200]}{where}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "")
            problems.append(f"uncaught exception: {text[:200]}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            problems.append(f"console.{params['type']}: {text[:200]}")
    return problems


#: Where the launch buttons' notebook path starts: Binder's urlpath and Colab's blob URL.
_LAUNCH_PATH = re.compile(r"(?:urlpath=lab/tree/|/blob/[^/]+/)([^?#&]+)")


def _page_problems(info: dict, source_dir: Path | None = None) -> list[str]:
    problems = []
    problems += [f"download link broken: {href} (HTTP {status})" for href, status in info["downloads"]
                 if status != 200]
    if source_dir is not None:
        for url in info["launch"]:
            m = _LAUNCH_PATH.search(url)
            if m is None or not (source_dir / m.group(1)).is_file():
                problems.append(f"launch button does not point at a file of the book: {url}")
    if info["mathjax"] == "did not start":
        problems.append("MathJax is loaded by the page but never started")
    problems += [f"MathJax error: {m}" for m in info["merrors"]]
    problems += [f"raw TeX in the text: {t!r}" for t in info["rawTex"]]
    problems += [f"image not loaded: {src}" for src in info["images"]]
    problems += [f"image without alt text (give the figure cell mystnb image alt metadata): {src}"
                 for src in info.get("noAlt", [])]
    return problems


def check_page(
    browser: Browser, base: str, page: str, source_dir: Path | None = None
) -> tuple[list[str], dict]:
    """Open one page and return its problems (empty: all good) and what was measured.

    With ``source_dir`` (the book's source folder), the Binder and Colab buttons must
    name a file that exists there.
    """
    try:
        start = browser.navigate(urljoin(base, page))
        info = browser.evaluate(_PAGE_JS)
    except (BrowserError, TimeoutError) as exc:
        return [str(exc)], {}
    return _page_problems(info, source_dir) + _event_problems(browser.events_since(start), base), info


def check_pages(
    build_dir: Path, pages: list[str] | None = None, chromium: str | None = None
) -> dict[str, list[str]]:
    """Check ``pages`` (default: every page) of ``build_dir``; {page: problems}."""
    build_dir = Path(build_dir)
    pages = list_pages(build_dir) if pages is None else pages
    executable = chromium or find_chromium()
    if executable is None:
        raise BrowserError("no chromium found (apt-get install chromium)")
    with serve(build_dir) as base:
        browser = Browser(executable)
        try:
            return {page: check_page(browser, base, page)[0] for page in pages}
        finally:
            browser.close()


def _local_page(url: str, base: str) -> str | None:
    if not url.startswith(base):
        return None
    return urlsplit(url[len(base):]).path or None


def check_book(
    browser: Browser,
    base: str,
    build_dir: Path,
    toc: Path,
    query: str,
    expect: str,
    screenshots: Path | None,
    pages: list[str],
) -> list[str]:
    """Whole-book checks: landing page, sidebar, search; screenshots."""
    problems: list[str] = []
    root, files = toc_files(toc)
    landing = f"{root}.html"

    # index.html is a redirect to the root page.
    if (build_dir / "index.html").is_file():
        try:
            browser.navigate(urljoin(base, "index.html"))
            deadline = time.monotonic() + 10
            while (here := browser.evaluate("location.href")) != urljoin(base, landing):
                if time.monotonic() > deadline:
                    problems.append(f"index.html does not lead to {landing} (stays at {here})")
                    break
                time.sleep(0.1)
        except (BrowserError, TimeoutError) as exc:
            problems.append(f"index.html: {exc}")

    try:
        browser.navigate(urljoin(base, landing))
        links = {_local_page(u, base) for u in browser.evaluate(_SIDEBAR_JS)}
        missing = [f for f in files if f"{f}.html" not in links]
        if missing:
            problems.append(f"the sidebar of {landing} lacks links to: {', '.join(missing)}")
        else:
            print(f"sidebar: {landing} links to all {len(files)} pages of the table of contents")
        if screenshots:
            browser.evaluate(_PAGE_JS)
            browser.screenshot(screenshots / "landing.png")
        for page, name in (
            (f"{expect}.html", "chapter.png"),
            (next((p for p in pages if p.startswith("api/") and p != "api/index.html"), None), "api.png"),
        ):
            if screenshots and page and (build_dir / page).is_file():
                browser.navigate(urljoin(base, page))
                browser.evaluate(_PAGE_JS)
                browser.screenshot(screenshots / name)

        url = urljoin(base, "search.html?q=" + "+".join(query.split()))
        browser.navigate(url)
        found = browser.evaluate(_SEARCH_JS)
        hits = [p for u in found["links"] if (p := _local_page(u, base))]
        if f"{expect}.html" in hits:
            print(f"search: {query!r} finds {expect}.html ({found['text'][:80]})")
        else:
            problems.append(
                f"search for {query!r} does not list {expect}.html "
                f"(said {found['text'][:120]!r}; results: {', '.join(sorted(set(hits))[:10]) or 'none'})"
            )
        if screenshots:
            browser.screenshot(screenshots / "search.png")
    except (BrowserError, TimeoutError) as exc:
        problems.append(f"book checks: {exc}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", type=Path, help="the built HTML folder, e.g. _build/html")
    parser.add_argument("--screenshots", type=Path, help="write PNG screenshots into this folder")
    parser.add_argument("--toc", type=Path, default=REPO / "_toc.yml", help="the book's _toc.yml")
    parser.add_argument("--no-book-checks", action="store_true", help="check the pages only")
    parser.add_argument(
        "--source", type=Path, default=REPO, help="the book's source (launch buttons must name its files)"
    )
    parser.add_argument("--search", default="forget gate", help="query for the search check")
    parser.add_argument("--search-expect", default="chapters/04_lstm", help="page the search must find")
    parser.add_argument("pages", nargs="*", help="only these pages (paths relative to BUILD_DIR)")
    args = parser.parse_args(argv)

    build_dir = args.build_dir
    if not build_dir.is_dir():
        print(f"browser_check: {build_dir}: no such folder (build the book first: make html)")
        return 1
    executable = find_chromium()
    if executable is None:
        print("browser_check: no chromium found; install it (Debian: apt-get install chromium)")
        return 1
    pages = args.pages or list_pages(build_dir)
    t0 = time.monotonic()
    failed = 0
    with serve(build_dir) as base:
        browser = Browser(executable)
        try:
            for page in pages:
                problems, info = check_page(browser, base, page, args.source)
                if problems:
                    failed += 1
                    print(f"FAIL {page}")
                    for problem in problems:
                        print(f"     {problem}")
                else:
                    extra = f", {len(info['downloads'])} download links" if info["downloads"] else ""
                    extra += f", {len(info['launch'])} launch links" if info["launch"] else ""
                    print(
                        f"ok   {page}: {info['nMath']} formulas typeset, "
                        f"{info['nImages']} images loaded{extra}, no console error, no external request"
                    )
            book_problems: list[str] = []
            if not args.no_book_checks and args.toc.is_file():
                book_problems = check_book(
                    browser, base, build_dir, args.toc, args.search, args.search_expect,
                    args.screenshots, pages,
                )
                for problem in book_problems:
                    print(f"FAIL book: {problem}")
        finally:
            browser.close()
    seconds = time.monotonic() - t0
    if failed or book_problems:
        print(f"browser_check: FAILED: {failed} of {len(pages)} pages, {len(book_problems)} book problem(s) "
              f"({seconds:.0f} s)")
        return 1
    shots = f"; screenshots in {args.screenshots}" if args.screenshots else ""
    print(f"browser_check: OK: {len(pages)} pages in {build_dir} checked in headless Chromium "
          f"({seconds:.0f} s){shots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
