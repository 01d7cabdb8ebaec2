"""Notebook 02 opened in JupyterLab in a real (headless) Chromium and run the way a reader runs it.

tests/test_notebooks.py executes every notebook with papermill; this test checks what papermill cannot
see: that the series works in the browser a learner uses. It starts JupyterLab on 127.0.0.1 (a free
port, a random token, settings and workspaces in a temporary folder), opens a QUICK copy of notebook
02, clicks **Run > Run All Cells**, then **File > Save Notebook**, and checks that

- every code cell ran (the saved file has an execution count for each) and none shows an error
  (no output of type ``error``; the assertion names the cell, the error and its value);
- the model graphs of section 9 (the cells that call ``draw_model``) appear on the page as pictures
  (an ``<img>`` with a non-zero natural width).

How the test drives the page: every *action* is what a person does (clicks on the menu bar, found by
the ``data-command`` attribute Lumino gives each menu item, which does not depend on the language or
the menu layout). What it *observes* (kernel status, execution counts, output types) it reads from the
notebook's model through ``window.jupyterapp``, which JupyterLab exposes for browser tests when
started with ``--LabApp.expose_app_in_browser=True``: the DOM shows an error and a harmless stderr
warning alike (both ``data-mime-type="application/vnd.jupyter.stderr"``), the model does not. The
final verdict on errors comes from the saved file.

A screenshot of the page, scrolled to the first model graph, goes to pytest's ``tmp_path`` and to
``build/test-artifacts/browser_notebook02.png`` (``browser_notebook02_failure.png`` when the test
fails), which CI keeps. The test skips, with the reason, where selenium, jupyterlab, Debian's
``chromium`` or ``chromium-driver`` are missing; ``.ci/run`` installs them.
"""

import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# Notebook 02 runs in the checkout's environment and writes its data/ folder: on the pytest-xdist worker
# of the other tests that do (tests/test_notebooks_quick.py), one after the other.
pytestmark = pytest.mark.xdist_group("notebooks")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "02_cnn_and_lstm_encoders.ipynb"
ARTIFACTS = ROOT / "build" / "test-artifacts"
SCREENSHOT = "browser_notebook02.png"
START_TIMEOUT = 120  # seconds for JupyterLab to answer and for the page and its kernel to be ready
RUN_TIMEOUT = 300  # seconds for Run All Cells (QUICK notebook 02: about 15 s of kernel time on 2 CPUs)

# JupyterLab settings for the test's own (temporary) settings folder: all cells attached to the page
# (no windowing, so every output is in the DOM), and no requests to the internet (news, updates).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
}

# The state of the open notebook, read from JupyterLab's model (arguments[0]: the notebook's path).
NOTEBOOK_STATE_JS = """
const app = window.jupyterapp;
if (!app || !app.shell) return {ready: false, why: 'window.jupyterapp is not there (yet)'};
let panel = null;
for (const w of app.shell.widgets('main')) {
  if (w.context && w.context.path === arguments[0]) panel = w;
}
if (!panel || !panel.context.isReady || !panel.content || !panel.content.model) {
  return {ready: false, why: 'the notebook is not open (yet)'};
}
const session = panel.sessionContext.session;
const cells = [];
const list = panel.content.model.cells;
for (let i = 0; i < list.length; i++) {
  const cell = list.get(i);
  if (cell.type !== 'code') continue;
  const outputs = [];
  for (let j = 0; j < cell.outputs.length; j++) {
    const out = cell.outputs.get(j).toJSON();
    outputs.push({type: out.output_type, ename: out.ename || null, evalue: out.evalue || null});
  }
  cells.push({index: i, count: cell.executionCount, outputs: outputs});
}
return {ready: true, kernel: session && session.kernel ? session.kernel.status : null,
        dirty: panel.context.model.dirty, cells: cells};
"""

# The <img> elements in the outputs of cell arguments[1] of notebook arguments[0], its cell scrolled to the top.
GRAPH_IMAGES_JS = """
let panel = null;
for (const w of window.jupyterapp.shell.widgets('main')) {
  if (w.context && w.context.path === arguments[0]) panel = w;
}
const node = panel.content.widgets[arguments[1]].node;
node.scrollIntoView({block: 'start'});
return Array.from(node.querySelectorAll('.jp-OutputArea-output img'));
"""


# ---------------------------------------------------------------------------------------------------
# What the test needs, or why it skips


def _browser_binaries():
    """(chromium, chromedriver) from Debian's packages, or skip with the reason."""
    pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("jupyterlab is not installed (pip install jupyterlab)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("no chromium browser on PATH (Debian: apt-get install chromium chromium-driver)")
    driver = "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else shutil.which("chromedriver")
    if not driver:
        pytest.skip("no chromedriver (Debian: apt-get install chromium-driver)")
    return chromium, driver


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quick_copy(notebook: Path, folder: Path) -> Path:
    """A copy of ``notebook`` in ``folder`` with ``QUICK = True`` and no outputs, ready to be run.

    The cell tagged ``parameters`` (and papermill's ``injected-parameters`` cell after it, which a
    committed notebook has and which would set ``QUICK`` back) get ``QUICK = True``; outputs and
    execution counts are cleared, so every count and picture the test sees comes from its own run.
    Notebook 02 finds its data through rnlib (not through its working directory), so any folder works.
    """
    nb = json.loads(notebook.read_text())
    changed = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        cell["outputs"], cell["execution_count"] = [], None
        tags = cell.get("metadata", {}).get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            source, n = re.subn(r"(?m)^QUICK\s*=\s*(True|False)\b", "QUICK = True", "".join(cell["source"]))
            cell["source"], changed = source.splitlines(keepends=True), changed + n
    assert changed, f"{notebook.name}: no `QUICK = ...` line in a cell tagged parameters"
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / notebook.name
    copy.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return copy


# ---------------------------------------------------------------------------------------------------
# Fixtures: JupyterLab and the browser, both shut down in their teardown whatever the test did


@pytest.fixture
def binaries():
    return _browser_binaries()


@pytest.fixture
def lab(binaries, tmp_path):
    """JupyterLab serving a QUICK copy of notebook 02: yields (base URL, token, notebook copy)."""
    notebook = quick_copy(NOTEBOOK, tmp_path / "notebooks")
    home = tmp_path / "jupyter"  # config, data, runtime, settings, workspaces: nothing from the user's own
    for name, settings in LAB_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), RNLIB_QUICK="1", PYTHONUNBUFFERED="1")
    port, token = _free_port(), secrets.token_hex(24)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.token={token}",
               "--ServerApp.ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
               f"--ServerApp.root_dir={notebook.parent}", "--ServerApp.allow_root=True",
               "--ServerApp.terminals_enabled=False", "--LabApp.expose_app_in_browser=True",
               "--LabApp.extension_manager=readonly",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log_path = tmp_path / "jupyterlab.log"
    log = open(log_path, "w")
    # A session of its own: the server and the kernels it starts can be ended together, by group id.
    server = subprocess.Popen(command, cwd=notebook.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {server.returncode}:\n{_tail(log_path)}")
            try:
                request = urllib.request.Request(f"{base}/api/status", headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(request, timeout=5):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer on {base} in {START_TIMEOUT} s:\n{_tail(log_path)}")
                time.sleep(0.5)
        yield base, token, notebook
    finally:
        _stop_server(server, base, token)
        log.close()


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _stop_server(server: subprocess.Popen, base: str, token: str) -> None:
    """Ask JupyterLab to shut down (it stops its kernels), then end its process group if it lingers."""
    if server.poll() is None:
        try:
            request = urllib.request.Request(f"{base}/api/shutdown", method="POST",
                                             headers={"Authorization": f"token {token}"})
            urllib.request.urlopen(request, timeout=10).close()
            server.wait(timeout=20)
        except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, sig)  # the group of the server we started (kernels included)
        except ProcessLookupError:
            break
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue
    if server.poll() is None:
        server.wait(timeout=10)


@pytest.fixture
def browser(binaries, tmp_path):
    """Debian's chromium, headless, driven by Debian's chromedriver (no download)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = binaries
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1400", "--hide-scrollbars", "--no-first-run",
                     f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(argument)
    service = Service(executable_path=chromedriver, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


# ---------------------------------------------------------------------------------------------------
# The test


def _click_menu(driver, wait, menu: str, command: str) -> None:
    """Open the menu bar's ``menu`` and click its item for JupyterLab command ``command``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    label = (By.XPATH, f"//li[contains(@class, 'lm-MenuBar-item')][.//div[normalize-space(.)='{menu}']]")
    wait.until(EC.element_to_be_clickable(label)).click()
    item = (By.CSS_SELECTOR, f".lm-Menu li.lm-Menu-item[data-command='{command}']")
    wait.until(EC.element_to_be_clickable(item)).click()
    wait.until(EC.invisibility_of_element_located((By.CSS_SELECTOR, ".lm-Menu")))


def _cell_line(cells: list, index: int) -> str:
    source = "".join(cells[index]["source"]).strip().splitlines()
    return source[0][:80] if source else ""


def test_browser_runs_notebook_02_in_jupyterlab(lab, browser, tmp_path):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    base, token, notebook = lab
    name = notebook.name
    state = lambda: browser.execute_script(NOTEBOOK_STATE_JS, name)  # noqa: E731
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / SCREENSHOT.replace(".png", "_failure.png")).unlink(missing_ok=True)  # from an earlier run
    try:
        browser.get(f"{base}/lab/tree/{name}?token={token}")
        ready = WebDriverWait(browser, START_TIMEOUT, poll_frequency=0.5)
        try:
            ready.until(lambda d: (s := state())["ready"] and s["kernel"] == "idle")
        except TimeoutException:
            pytest.fail(f"{name} was not open with an idle kernel after {START_TIMEOUT} s: {state()}")
        code_cells = len(state()["cells"])

        _click_menu(browser, WebDriverWait(browser, 30), "Run", "runmenu:run-all")

        def finished(driver):
            s = state()
            done = all(c["count"] is not None for c in s["cells"])
            failed = any(o["type"] == "error" for c in s["cells"] for o in c["outputs"])
            return s if (done or failed) and s["kernel"] == "idle" else False

        start = time.monotonic()
        try:
            WebDriverWait(browser, RUN_TIMEOUT, poll_frequency=1).until(finished)
        except TimeoutException:
            s = state()
            ran = sum(c["count"] is not None for c in s["cells"])
            pytest.fail(f"Run All Cells did not finish in {RUN_TIMEOUT} s: {ran} of {code_cells} code cells "
                        f"have an execution count, kernel {s['kernel']}")
        print(f"Run All Cells: {time.monotonic() - start:.0f} s for {code_cells} code cells")

        before = notebook.stat().st_mtime_ns
        _click_menu(browser, WebDriverWait(browser, 30), "File", "docmanager:save")
        try:
            WebDriverWait(browser, 60, poll_frequency=0.5).until(
                lambda d: state()["dirty"] is False and notebook.stat().st_mtime_ns != before)
        except TimeoutException:
            pytest.fail(f"File > Save Notebook did not write {notebook} within 60 s")

        saved = json.loads(notebook.read_text())["cells"]
        errors = [f"cell {i}, In [{c['execution_count']}] ({_cell_line(saved, i)!r}): {o['ename']}: {o['evalue']}"
                  for i, c in enumerate(saved) if c["cell_type"] == "code"
                  for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors, "error output(s) in the browser run:\n" + "\n".join(errors)
        not_run = [i for i, c in enumerate(saved) if c["cell_type"] == "code" and c["execution_count"] is None]
        assert not not_run, f"code cells without an execution count after Run All Cells: {not_run}"

        graph_cells = [i for i, c in enumerate(saved) if c["cell_type"] == "code" and "draw_model(" in "".join(c["source"])]
        assert graph_cells, f"{name}: no cell calls draw_model (the model graphs of section 9)"
        for i in graph_cells:
            assert any("image/png" in o.get("data", {}) for o in saved[i]["outputs"]), \
                f"cell {i} ({_cell_line(saved, i)!r}) saved no image/png output"
        for i in reversed(graph_cells):  # ends scrolled to the first graph, for the screenshot
            images = browser.execute_script(GRAPH_IMAGES_JS, name, i)
            assert images, f"cell {i} ({_cell_line(saved, i)!r}): no <img> in its output area on the page"
            try:
                WebDriverWait(browser, 30, poll_frequency=0.5).until(
                    lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0",
                                               images[0]) and images[0].is_displayed())
            except TimeoutException:
                pytest.fail(f"cell {i} ({_cell_line(saved, i)!r}): the model graph <img> shows no picture "
                            f"(naturalWidth {images[0].get_property('naturalWidth')})")

        browser.save_screenshot(str(tmp_path / SCREENSHOT))
        shutil.copyfile(tmp_path / SCREENSHOT, ARTIFACTS / SCREENSHOT)
    except BaseException:
        try:
            browser.save_screenshot(str(ARTIFACTS / SCREENSHOT.replace(".png", "_failure.png")))
        except Exception:  # the browser itself may be what failed
            pass
        raise
