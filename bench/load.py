"""Load on the production shape, on loopback: gunicorn (3 workers) + PostgreSQL as an ordinary
role under row-level security + Redis, driven by `wrk`, bounded in time.

    PYTHONPATH=. .venv/bin/python -m bench.load [--participants 10000] [--duration 20]

Prints one JSON line per endpoint: requests per second, p50/p95/p99 latency in ms, errors
(non-2xx and socket errors), the ratio of its throughput to `/healthz`'s in the same run (the
cost of the framework alone) and the one-minute load average when the endpoint's run ended. Needs
`wrk` (Debian package) and the local PostgreSQL and Redis. The database is this run's own and is
dropped at the end.

The organization throttle is raised for the run, so the figures measure the server, not the
budget (tests cover the throttle).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
ROLE = "meridian_load"

# wrk prints these after the run; the Lua hook adds p95, which --latency does not.
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP95 %d\\nP99 %d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""

# /healthz answers 503 here (no worker heartbeat in this shape); it is the baseline of the
# framework's own cost, and its status is not counted as an error.
ENDPOINTS = [
    ("healthz", "/healthz", False),
    ("programs", "/api/v1/programs/", True),
    ("cohorts", "/api/v1/cohorts/", True),
    ("participants", "/api/v1/participants/?page_size=50", True),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def admin_sql(*statements: str) -> None:
    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    conn.close()


def ensure_role() -> None:
    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOBYPASSRLS")
    conn.close()


def run_wrk(url: str, headers: dict[str, str], duration: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", script.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(  # noqa: S603 — fixed arguments, loopback only
        [*command, url], capture_output=True, text=True, timeout=duration + 30, check=True
    ).stdout
    os.unlink(script.name)

    def number(pattern: str, default: float = 0.0) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    socket_errors = {
        kind: int(number(rf"{kind} (\d+)")) for kind in ("connect", "read", "write", "timeout")
    }
    non_2xx = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    return {
        "requests_per_second": number(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": number(r"P50 (\d+)") / 1000,
        "p95_ms": number(r"P95 (\d+)") / 1000,
        "p99_ms": number(r"P99 (\d+)") / 1000,
        "requests": int(number(r"(\d+) requests in")),
        "errors": non_2xx + sum(socket_errors.values()),
        # What the errors were: answers that were not 2xx, and wrk's own socket errors (a
        # `timeout` is a request still unanswered after wrk's 2 s, not a server error).
        "non_2xx": non_2xx,
        "socket_errors": {kind: n for kind, n in socket_errors.items() if n},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    database = f"meridian_load_{os.getpid()}"
    ensure_role()
    admin_sql(f"CREATE DATABASE {database} OWNER {ROLE}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentoring.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"postgres://{ROLE}@127.0.0.1:5432/{database}",
        "REDIS_URL": args.redis_url,
        "API_THROTTLE_ORGANIZATION": "100000000/min",
        "API_THROTTLE_ANON": "100000000/min",
    }
    server = None
    try:
        subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        seeded = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", "seed_demo", "--participants", str(args.participants)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        key = re.search(r"Demo API key .*?: (\S+)$", seeded, re.M)
        if key is None:
            print("seed_demo printed no API key", file=sys.stderr)
            return 1
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [
                GUNICORN,
                "mentoring.wsgi",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break  # 503 without a worker heartbeat: the server answers, which is enough
            except OSError:
                time.sleep(0.5)
        baseline_rps = None
        for name, path, needs_key in ENDPOINTS:
            headers = {"Authorization": f"Api-Key {key.group(1)}"} if needs_key else {}
            figures = run_wrk(base + path, headers, args.duration, args.connections)
            if name == "healthz":
                # Its 503 is expected here (see ENDPOINTS); only socket errors count.
                figures["errors"] -= figures["non_2xx"]
                figures["non_2xx"] = 0
            if baseline_rps is None:
                baseline_rps = figures["requests_per_second"] or 1.0
            print(
                json.dumps(
                    {
                        "endpoint": name,
                        "path": path,
                        "participants": args.participants,
                        "workers": args.workers,
                        "connections": args.connections,
                        "seconds": args.duration,
                        **figures,
                        "throughput_vs_healthz": round(
                            figures["requests_per_second"] / baseline_rps, 3
                        ),
                        # The machine may be shared: compare figures taken under similar load.
                        "load_average_1m": round(os.getloadavg()[0], 2),
                    }
                ),
                flush=True,
            )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        admin_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
