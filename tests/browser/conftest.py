"""A live server on a freshly seeded database per journey, and Debian's Chromium.

The seeded database and instance folder are built once per run (migrations + `flask seed`)
and copied for each journey, so every journey starts from an empty database plus seed data.
The server is a real process (`flask run`), so it shares nothing with the test process.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "browser" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "rongtong-demo-2026"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.nodb)
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


def _env(instance: Path, public_url: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RONGTONG_")}
    env.pop("DATABASE_URL", None)
    env.update(
        RONGTONG_DEVELOPMENT="1",
        RONGTONG_INSTANCE_PATH=str(instance),
        DATABASE_URL=f"sqlite:///{instance / 'rongtong.db'}",
        RONGTONG_MAIL_BACKEND="file",
    )
    if public_url:
        # Links in mail point at this server, so a journey can follow them as they are.
        env["RONGTONG_PUBLIC_URL"] = public_url
    return env


def _flask(args, instance: Path, public_url: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=_env(instance, public_url),
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    instance = tmp_path_factory.mktemp("template") / "instance"
    instance.mkdir()
    _flask(["db", "upgrade"], instance)
    _flask(["seed"], instance)
    return instance


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, instance: Path):
        self.instance = instance
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (instance / "server.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(self.port)],
            cwd=ROOT,
            env=_env(instance, self.url),
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        msg = f"live server did not start: {(instance / 'server.log').read_text()[-2000:]}"
        raise RuntimeError(msg)

    def flask(self, *args) -> None:
        """Run a CLI command against this server's database (e.g. the scheduler's jobs)."""
        _flask(list(args), self.instance, self.url)

    def mails(self) -> list[EmailMessage]:
        """Every mail delivered so far: sends the outbox as the scheduler would (``flask mail
        send``, file backend) and reads the .eml files it wrote to instance/outbox/."""
        self.flask("mail", "send")
        return [
            BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            for path in sorted((self.instance / "outbox").glob("*.eml"))
        ]

    def mail_to(self, recipient: str, subject: str) -> EmailMessage:
        """The one mail to ``recipient`` whose subject contains ``subject``."""
        mails = self.mails()
        found = [m for m in mails if m["To"] == recipient and subject in m["Subject"]]
        assert len(found) == 1, [(m["To"], m["Subject"]) for m in mails]
        return found[0]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def live_server(seeded_template, tmp_path):
    instance = tmp_path / "instance"
    shutil.copytree(seeded_template, instance)
    server = LiveServer(instance)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is not installed (make browser-deps)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def shot(page, name: str) -> None:
    """Save a screenshot of the journey (the README's tour uses them)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, server, email: str, password: str = PASSWORD) -> None:
    page.goto(server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(lambda url: "/login" not in url)


def logout(page) -> None:
    page.click("header form[action='/logout'] button")


def axe_violations(
    browser, url: str, *, lang: str = "zh-CN", width: int = 1280, cookies=None, act=None
):
    """WCAG 2.1 A/AA violations axe-core finds on ``url`` (CSP bypassed only for axe itself).

    ``act(page)``, if given, runs on the loaded page before the check: what a user does to
    reach a state no URL gives (a form's answer, an open dialog), in a copy of their session.
    """
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale=lang, bypass_csp=True
    )
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    if act is not None:
        act(page)
    # A logged-in user's own language choice wins over the browser's: check which one we got.
    shown = page.locator("html").get_attribute("lang")
    assert shown == lang, f"{url} is in {shown!r}, not {lang!r} (switch the user's language)"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    context.close()
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


# --- journeys: as a person does it (header links, forms by their labels) ---------------------


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the header's 登录 link and the form's labelled fields."""
    from playwright.sync_api import expect

    page.get_by_role("banner").get_by_role("link", name="登录", exact=True).click()
    page.get_by_label("邮箱", exact=True).fill(email)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("banner").get_by_role("button", name="退出")).to_be_visible()


def switch_language(page, lang: str) -> None:
    """Use the header's language switch (a logged-in user keeps the choice in their account)."""
    target = "en" if lang == "en" else "zh-CN"
    if page.locator("html").get_attribute("lang") != target:
        page.get_by_role("banner").locator("form[action^='/language/'] button").click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == target


def mail_text(message) -> str:
    """The plain-text part of a mail."""
    return message.get_body(("plain",)).get_content()


def ask_to_join(page, server, *, email: str, name: str, credit_code: str) -> None:
    """Register an account with the credit code of an enterprise already on the platform and
    ask to join it (the box offered once the code turns out to be taken)."""
    from playwright.sync_api import expect

    page.goto(server.url + "/register")
    page.fill("#email", email)
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#enterprise_name", "（已注册的单位）")
    page.fill("#credit_code", credit_code)
    page.select_option("#kind", index=1)
    page.select_option("#district", index=1)
    page.click("#submit")
    page.check("#join")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("#submit")
    expect(page.locator("main .notice[role=status]")).to_be_visible()


def register_firm(page, *, email, name, password, firm, code, kind="中小企业", district="黄埔区"):
    """Register an account with its enterprise through the header's 注册 link."""
    from playwright.sync_api import expect

    page.get_by_role("banner").get_by_role("link", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="注册单位账号")).to_be_visible()
    page.get_by_label("邮箱", exact=True).fill(email)
    page.get_by_label("姓名", exact=True).fill(name)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_label("确认密码", exact=True).fill(password)
    page.get_by_label("单位名称", exact=True).fill(firm)
    page.get_by_label("统一社会信用代码", exact=True).fill(code)
    page.get_by_label("单位类型", exact=True).select_option(label=kind)
    page.get_by_label("所在区", exact=True).select_option(label=district)
    page.get_by_role("main").get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_text("注册成功。请完善单位资料；平台审核通过后即可发布。")).to_be_visible()


def fill_listing(page, *, chain, title, summary, keywords=None, category="技术研发"):
    """Fill the listing form's main fields by their labels."""
    page.get_by_label("对接类别").select_option(label=category)
    page.get_by_label("产业链", exact=True).select_option(label=chain)
    page.get_by_label("标题").fill(title)
    page.get_by_label("公开摘要").fill(summary)
    if keywords is not None:
        page.get_by_label("关键词").fill(keywords)


def sign_out(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("banner").get_by_role("button", name="退出").click()
    expect(page.get_by_text("您已退出登录。")).to_be_visible()


def nav(page, name: str) -> None:
    """Follow a link of the main navigation."""
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True).click()


def small_pdf(path: Path) -> Path:
    """A small, valid one-page PDF (the upload is checked by content, not by name)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(body)
    return path


def violations_here(browser, page) -> list:
    """axe-core's WCAG 2.1 A/AA violations on the page the journey is on, as its user."""
    return axe_violations(browser, page.url, cookies=page.context.cookies())
