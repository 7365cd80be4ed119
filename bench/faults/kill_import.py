"""`flask import enterprises` of 20,000 rows killed with SIGKILL half-way, then run again.

    .venv/bin/python bench/faults/kill_import.py [--rows 20000]

Expected: the batches committed before the kill are kept, the command's output says how
far it got, the re-run creates the rest and updates the kept rows, no row twice.
"""

import argparse
import json
import os
import re
import signal
import time

from common import Workspace, report, rng, wait_until


def main() -> bool:
    from rongtong.enterprises.models import Enterprise
    from rongtong.extensions import db
    from tests.conftest import valid_credit_code

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    ws = Workspace("import")
    random = rng()
    path = ws.dir / "enterprises.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(args.rows):
            row = {
                "credit_code": valid_credit_code(random),
                "name": f"广州第{i:05d}号精密制造有限公司",
                "kind": "sme",
                "district": "huangpu",
                "chains": ["robotics"],
                "description": "批量导入测试。",
                "contact_name": "陈工",
                "contact_email": f"c{i}@example.cn",
                "contact_mobile": "13800138000",
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    def count() -> tuple[int, int]:
        with ws.app.app_context():
            total, distinct = db.session.execute(
                db.select(
                    db.func.count(Enterprise.id), db.func.count(Enterprise.credit_code.distinct())
                )
            ).one()
            db.session.remove()
        return total, distinct

    before, _ = count()
    started = time.monotonic()
    first = ws.flask("import", "enterprises", str(path), log="import1.log")
    progress = re.compile(r"committed through line (\d+) \((\d+)/")

    def half_done():
        if first.poll() is not None:  # ended (or failed) before half-way: nothing to measure
            raise SystemExit(f"the import ended early:\n{ws.log('import1.log')[-2000:]}")
        found = progress.findall(ws.log("import1.log"))
        return found and int(found[-1][1]) >= args.rows // 2

    assert wait_until(half_done, timeout=1800, interval=0.2), ws.log("import1.log")[-2000:]
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed_after = time.monotonic() - started
    reported = int(progress.findall(ws.log("import1.log"))[-1][1])
    kept, _ = count()
    second = ws.flask("import", "enterprises", str(path), log="import2.log")
    second.wait(timeout=3600)
    summary = ws.log("import2.log").strip().splitlines()[-1]
    total, distinct = count()
    created = int(re.search(r"(\d+) created", summary).group(1))
    updated = int(re.search(r"(\d+) updated", summary).group(1))
    kept -= before
    total -= before
    distinct -= before
    print(f"killed after {killed_after:.0f} s; the re-run said: {summary}")
    return report(
        f"import of {args.rows} rows killed with SIGKILL half-way, then re-run",
        [
            ("kept after the kill", f"= reported ({reported})", str(kept), kept >= reported),
            ("re-run created", str(args.rows - kept), str(created), created == args.rows - kept),
            ("re-run updated", str(kept), str(updated), updated == kept),
            ("enterprises after", str(args.rows), str(total), total == args.rows),
            ("duplicates", "0", str(total - distinct), total == distinct),
        ],
    )


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
