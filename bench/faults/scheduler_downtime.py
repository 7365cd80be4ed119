"""A scheduler down across the weekly digest's due time, restarted 10 minutes later.

    .venv/bin/python bench/faults/scheduler_downtime.py

Seeds the sample city, runs `flask scheduler run` (which stores its jobs), stops it, and
moves the stored weekly-digest run to 10 minutes ago: to the job store that is exactly a
scheduler that was down at Monday 08:00 (the compressed clock). Then restarts it and
measures how soon the digest goes out, and that it goes out once per member.
"""

import pickle
import re
import signal
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from common import Workspace, report, wait_until


def main() -> bool:
    from rongtong.extensions import db
    from rongtong.mail.models import OutboxMail
    from rongtong.scheduler.cli import stored_jobs
    from rongtong.scheduler.models import JobStatus, SchedulerJob

    ws = Workspace("scheduler")
    # The sample city with its demo members (seeded only in development): they get digests.
    ws.flask("seed", "--force", log="seed.log", DEVELOPMENT=1).wait(timeout=600)
    config = {"SCHEDULER_LEASE_SECONDS": 6}

    def stored():
        with ws.app.app_context():
            jobs = stored_jobs()
            db.session.remove()
            return jobs

    first = ws.flask("scheduler", "run", log="scheduler.log", **config)
    assert wait_until(lambda: "digests.weekly" in stored(), timeout=60), ws.log("scheduler.log")
    first.send_signal(signal.SIGTERM)
    first.wait(timeout=60)
    with ws.app.app_context():
        state = stored_jobs()["digests.weekly"]
        due = state["next_run_time"]
        missed = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(minutes=10)
        state["next_run_time"] = missed
        row = db.session.get(SchedulerJob, "digests.weekly")
        row.job_state, row.next_run_time = pickle.dumps(state), missed.timestamp()
        db.session.commit()
        db.session.remove()

    def digests() -> int:
        with ws.app.app_context():
            n = db.session.execute(
                db.select(db.func.count(OutboxMail.id)).where(OutboxMail.purpose == "digest")
            ).scalar_one()
            db.session.remove()
            return n

    def succeeded():
        with ws.app.app_context():
            status = db.session.get(JobStatus, "digests.weekly")
            done = status is not None and status.last_succeeded_at is not None
            db.session.remove()
            return done

    restarted = time.monotonic()
    ws.flask("scheduler", "run", log="scheduler.log", **config)
    ran = wait_until(succeeded, timeout=120)
    took = time.monotonic() - restarted
    time.sleep(5)  # any second run would show by now
    ws.stop_all()
    runs = len(re.findall(r'Job "digests\.weekly.*executed successfully', ws.log("scheduler.log")))
    mails = digests()
    again = ws.flask("scheduler", "run-job", "digests.weekly", log="again.log")
    again.wait(timeout=300)
    repeat = digests() - mails
    next_run = stored()["digests.weekly"]["next_run_time"]
    print(f"stored due time was {due:%a %Y-%m-%d %H:%M %Z}; next run now {next_run:%a %H:%M}")
    return report(
        "scheduler down across the weekly digest's due time, restarted 10 min later",
        [
            ("digest runs after the restart", "1", str(runs), runs == 1),
            ("run after the restart", "≤ 60 s", f"{took:.1f} s", bool(ran) and took <= 60),
            ("digest mails queued", "> 0", str(mails), mails > 0),
            ("new mails from a second run", "0", str(repeat), repeat == 0),
            ("next run", "a Monday 08:00", f"{next_run:%a %H:%M}", next_run.weekday() == 0),
        ],
    )


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
