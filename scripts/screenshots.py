"""Take the screenshots of docs/screenshots/ from a real `hygie run` on the demo data.

    .venv/bin/python scripts/screenshots.py

Uses a throw-away var/ directory, port 8765 and Debian's Chromium.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PORT = 8765
PASSWORD = "demo-screenshots-2026"
SHOTS = [
    ("titulaire", "pharmacie-du-marche", "calendar/", "calendar.png"),
    ("titulaire", "pharmacie-du-marche", "inbox/", "inbox.png"),
    ("titulaire", "pharmacie-du-marche", "compose/", "compose.png"),
    ("cm", "laboratoire-aurore", "settings/", "settings.png"),
    ("titulaire", "pharmacie-du-marche", "library/", "library.png"),
    ("titulaire", "pharmacie-du-marche", "channels/connect/", "connect.png"),
    ("titulaire", "pharmacie-du-marche", "calendar/?view=week", "week.png"),
    ("titulaire", "pharmacie-du-marche", "compose/", "compliance.png"),
    ("titulaire", "pharmacie-du-marche", "compose/", "compliance-model.png"),
    ("titulaire", "pharmacie-du-marche", "approvals/workflows/", "workflows.png"),
    ("titulaire", "pharmacie-du-marche", "safety/", "safety-list.png"),
    ("titulaire", "pharmacie-du-marche", "triage/settings/", "triage-settings.png"),
]
VIOLATING = (
    "Nouveau chez nous 😍 le Levothyrox, le meilleur pour votre thyroïde ! "
    "Et -20 % sur toute la parapharmacie ce week-end, profitez-en !!"
)
#: No catalog wording blocks it; the learned second opinion does (docs/compliance.md).
IMPLIED = "Notre crème Velouna fait des miracles sur les peaux abîmées ✨"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "HYGIE_VAR_DIR": var}
        env.pop("DATABASE_URL", None)
        env.pop("HYGIE_BROKER_URL", None)
        hygie = [sys.executable, "-m", "hygie"]
        subprocess.run([*hygie, "manage", "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [*hygie, "manage", "load_demo", "--password", PASSWORD],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        server = subprocess.Popen(
            [*hygie, "run", "--port", str(PORT), "--no-worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{PORT}"
            for _ in range(60):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.5)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=[
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--no-first-run",
                    ],
                )
                for user, org, path, name in SHOTS:
                    context = browser.new_context(
                        locale="fr-FR", viewport={"width": 1280, "height": 860}
                    )
                    page = context.new_page()
                    page.goto(f"{base}/accounts/login/")
                    page.fill("#id_username", f"{user}@demo.hygie.test")
                    page.fill("#id_password", PASSWORD)
                    page.click("button.primary")
                    page.goto(f"{base}/o/{org}/{path}")
                    if name == "compose.png":
                        page.fill(
                            "#id_text",
                            "Mois sans tabac : envie d'arrêter ? Parlons-en "
                            "au comptoir. https://mois-sans-tabac.tabac-info-service.fr "
                            "#MoisSansTabac",
                        )
                        for box in page.locator("input[name=channels]").all():
                            box.check()
                        page.wait_for_timeout(800)
                    if name in ("compliance.png", "compliance-model.png"):
                        text = VIOLATING if name == "compliance.png" else IMPLIED
                        page.fill("#id_text", text)
                        page.press("#id_text", "End")
                        page.wait_for_selector(
                            "#compliance-live mark"
                            if name == "compliance.png"
                            else "#compliance-live .badge.model"
                        )
                        page.locator("#compliance-live").screenshot(path=str(OUT / name))
                        print(f"wrote {OUT / name}")
                        context.close()
                        continue
                    page.screenshot(path=str(OUT / name), full_page=name == "compose.png")
                    print(f"wrote {OUT / name}")
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
