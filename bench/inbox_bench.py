# The benchmark runs ``hygie manage migrate`` with a fixed argument list and builds its seeding
# SQL from constants of its own (no outside input).
# ruff: noqa: S603, S608, E501, SIM905
"""Inbox list latency with a million messages (issue #5).

One command (from the repository root)::

    .venv/bin/python bench/inbox_bench.py

It needs PostgreSQL on 127.0.0.1:5432 (user ``postgres``, trust). It creates the database
``hygie_inbox_bench``, migrates it with ``hygie manage migrate``, and seeds, server-side
(``INSERT … SELECT`` over ``generate_series``, one statement per table, no ORM, no actions):

* organisation A ("bench-a"): 6 channels (Facebook, Instagram, Google reviews, WhatsApp, Bluesky,
  Mastodon), 5 community managers, ~250,000 conversations and ~1,000,000 messages over two years
  (more recent activity than old; 1 to ~30 messages per thread, mean 4; one thread of 3,000
  messages); ~80 % done, the rest new / open / waiting mostly in the last month; ~40 % assigned;
  ~30 % of messages sent by the pharmacy; first response within 4 h / resolution within 48 h
  deadlines, some missed (the "late" filter);
* organisation B ("bench-b"): the same shape with 10 % of the data, to check that the tenant
  filter costs nothing (A's figures with B present, B's own default view).

Only the organisations and their members are created with the real actions (a few rows).
Then ``VACUUM ANALYZE``, and through the real Django stack (the test ``Client`` logged in as a
community manager of A, ``DEBUG=false``, every middleware, templates rendered) it requests the
inbox list: the default view, each filter, two searches (a common word, a rare word),
"Older" pagination five pages deep, and a long conversation page. For each: ``--requests``
timed requests after two warm-up ones, p50/p95/p99 in ms, the number of SQL queries of every
request (``CaptureQueriesContext``; the run flags a scenario whose count varies) and the time
spent in SQL. Prints a table next to ``bench/results/baseline-inbox.json`` (written by the first
run) with the p95 ratio, saves ``bench/results/inbox-<timestamp>.json``. Goal: p95 ≤ 150 ms
and a constant query count.

``--keep-db`` keeps the seeded database; ``--reuse-db`` skips seeding when it already holds the
data (it still runs ``migrate``, so a new index migration is applied to the seeded data and
its build time reported). ``--scale 0.1`` seeds a tenth (quick check).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchlib import db_exists, db_url, log, pct, pg_admin, pg_setting

BENCH_DIR = Path(__file__).resolve().parent

ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
WORK_DIR = BENCH_DIR / ".var" / "inbox"  # never committed (bench/.gitignore)
BASELINE = RESULTS_DIR / "baseline-inbox.json"
PYTHON = sys.executable
GOAL_P95_MS = 150.0
LONG_THREAD = 3000  # messages in the long conversation
RARE_WORD = "ketoprofene"  # in ~0.05 % of messages
COMMON_WORD = "ordonnance"  # in ~15 % of messages


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db-name", default="hygie_inbox_bench")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 messages in A")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per scenario")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true", help="keep seeded data if present")
    parser.add_argument("--label", default="")
    parser.add_argument("--no-baseline", action="store_true")
    return parser.parse_args()


def configure_environment(ns: argparse.Namespace) -> dict[str, str]:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hygie.settings",
        DATABASE_URL=db_url(ns.db_name),
        HYGIE_TASKS_EAGER="true",
        HYGIE_TESTING="false",
        HYGIE_VAR_DIR=str(WORK_DIR),
        HYGIE_LOG_LEVEL="WARNING",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DEBUG="false",
        PYTHONUNBUFFERED="1",
    )
    os.environ.clear()
    os.environ.update(env)
    return env


def migrate(env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(
        [PYTHON, "-m", "hygie", "manage", "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=3600,
        cwd=ROOT,
    )
    # DEBUG=false serves static files through the manifest storage: it needs collectstatic.
    subprocess.run(
        [PYTHON, "-m", "hygie", "manage", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=600,
        cwd=ROOT,
    )
    return time.monotonic() - started


# --- Seeding -----------------------------------------------------------------------------------

CHANNELS = [  # network, name, conversation kinds (weights: comment_thread, direct, review)
    ("facebook_page", "Facebook", (0.75, 0.25, 0.0)),
    ("instagram", "Instagram", (0.7, 0.3, 0.0)),
    ("google_business", "Google", (0.0, 0.0, 1.0)),
    ("whatsapp", "WhatsApp", (0.0, 1.0, 0.0)),
    ("bluesky", "Bluesky", (0.8, 0.2, 0.0)),
    ("mastodon", "Mastodon", (0.8, 0.2, 0.0)),
]
CHANNEL_WEIGHTS = [0.3, 0.25, 0.15, 0.2, 0.05, 0.05]
WORDS = (
    "bonjour merci pour votre message nous avons bien reçu votre demande la pharmacie est "
    "ouverte du lundi au samedi est-ce que vous avez le vaccin contre la grippe disponible "
    "cette semaine je voudrais savoir si mon ordonnance est prête rendez-vous test antigénique "
    "horaires parking livraison à domicile paracétamol ibuprofène crème solaire conseils "
    "allergie pollen masque gel hydroalcoolique très bon accueil équipe souriante attente trop "
    "longue pharmacien de garde dimanche renouvellement traitement tension diabète bébé lait "
    "vitamine rhume toux gorge fièvre enfant posologie générique remboursement mutuelle carte "
    "vitale commande retrait demain matin après-midi"
).split()
FIRST_NAMES = (
    "Nadia Lucas Emma Hugo Chloé Louis Léa Gabriel Manon Jules Camille Arthur Sarah Adam "
    "Inès Paul Jeanne Raphaël Alice Nathan Zoé Tom Lina Noah Anna Malik Yasmine Pierre Claire Marc"
).split()
LAST_NAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre "
    "Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard Andre Mercier Dupont "
    "Lambert Bonnet Francois Martinez Benali"
).split()


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def _text_expr(n_words: str) -> str:
    """A random sentence of WORDS (12 picks, the first ``n_words`` kept), sometimes a rare word."""
    picks = " || ' ' || ".join(
        f"(w.words)[1 + floor(random() * {len(WORDS)})::int]" for _ in range(12)
    )
    return (
        f"array_to_string((string_to_array({picks}, ' '))[1:{n_words}], ' ')"
        f" || CASE WHEN random() < 0.0005 THEN ' {RARE_WORD}' ELSE '' END"
    )


def seed_org(
    cursor: Any, org_id: int, member_ids: list[int], conversations: int, long_thread: bool
) -> dict[str, Any]:
    """Channels, authors, conversations and messages of one organisation (server-side SQL)."""
    from hygie.channels.models import Channel

    timings: dict[str, float] = {}
    channel_ids = []
    for network, name, _kinds in CHANNELS:
        channel = Channel.objects.create(
            organization_id=org_id,
            network=network,
            name=f"{name} {org_id}",
            handle=f"@{network}-{org_id}",
        )
        channel_ids.append(channel.pk)
    # Channel index (0-based) from a uniform draw, with CHANNEL_WEIGHTS.
    bounds, acc = [], 0.0
    for w in CHANNEL_WEIGHTS:
        acc += w
        bounds.append(acc)
    pick_channel = (
        "CASE "
        + " ".join(f"WHEN u_ch < {b:.4f} THEN {i}" for i, b in enumerate(bounds[:-1]))
        + f" ELSE {len(bounds) - 1} END"
    )
    kind_case = (
        "CASE ch_index "
        + " ".join(
            f"WHEN {i} THEN CASE WHEN u_kind < {k[0]} THEN 'comment_thread' "
            f"WHEN u_kind < {k[0] + k[1]} THEN 'direct' ELSE 'review' END"
            for i, (_n, _m, k) in enumerate(CHANNELS)
        )
        + " END"
    )
    members = "ARRAY[" + ",".join(str(m) for m in member_ids) + "]::bigint[]"
    channels = "ARRAY[" + ",".join(str(c) for c in channel_ids) + "]::bigint[]"
    networks = _sql_array([n for n, _name, _k in CHANNELS])
    authors = max(100, conversations // 3)

    started = time.monotonic()
    cursor.execute(
        f"""
        INSERT INTO inbox_author (created_at, updated_at, organization_id, network, external_id,
                                  display_name, handle)
        SELECT now(), now(), {org_id}, ({networks})[1 + (g % {len(CHANNELS)})], 'a' || g,
               (fn)[1 + floor(random() * array_length(fn, 1))::int] || ' '
                   || (ln)[1 + floor(random() * array_length(ln, 1))::int],
               'user' || g
        FROM generate_series(1, {authors}) g,
             (SELECT {_sql_array(FIRST_NAMES)} AS fn, {_sql_array(LAST_NAMES)} AS ln) names
        """
    )
    cursor.execute(f"SELECT min(id), max(id) FROM inbox_author WHERE organization_id = {org_id}")
    author_min, author_max = cursor.fetchone()
    timings["authors_s"] = round(time.monotonic() - started, 2)

    # Conversations: a temporary table of draws, then the rows. Activity over two years,
    # denser recently (age = 730 days × u^1.6); recent ones more often still to handle.
    started = time.monotonic()
    cursor.execute("DROP TABLE IF EXISTS bench_conv")
    cursor.execute(
        f"""
        CREATE TEMP TABLE bench_conv AS
        SELECT g AS n, ch_index, {kind_case} AS kind, age, u_status, u_assign, u_sla, author_id,
               least(40, 1 + floor(-ln(1 - random()) * 3.2)::int) AS message_count
        FROM (
            SELECT g, {pick_channel} AS ch_index, u_kind,
                   interval '730 days' * power(random(), 1.6) AS age,
                   random() AS u_status, random() AS u_assign, random() AS u_sla,
                   {author_min} + floor(random() * ({author_max} - {author_min} + 1))::bigint
                       AS author_id
            FROM (SELECT g, random() AS u_ch, random() AS u_kind
                  FROM generate_series(1, {conversations}) g) draws
        ) d
        """
    )
    if long_thread:
        cursor.execute(
            f"UPDATE bench_conv SET message_count = {LONG_THREAD}, age = interval '2 hours', u_status = 0.5 WHERE n = 1"
        )
    cursor.execute(
        f"""
        INSERT INTO inbox_conversation (
            created_at, updated_at, organization_id, channel_id, kind, thread_external_id, title,
            author_id, status, assigned_to_id, last_message_at, first_inbound_at, last_inbound_at,
            first_response_at, resolved_at, first_response_due_at, resolution_due_at,
            last_author_name, last_excerpt, message_count)
        SELECT now() - age, now() - age, {org_id}, ({channels})[1 + ch_index], kind,
               'thread-{org_id}-' || n,
               CASE WHEN kind = 'comment_thread' THEN 'Notre publication n° ' || (n % 5000) ELSE '' END,
               author_id, status,
               CASE WHEN u_assign < 0.4 THEN ({members})[1 + floor(u_assign / 0.4 * {len(member_ids)})::int] END,
               now() - age, started, now() - age,
               CASE WHEN status = 'new' THEN NULL
                    ELSE started + interval '1 hour' * (CASE WHEN u_sla < 0.15 THEN 5 + u_sla * 200 ELSE u_sla * 4 END) END,
               CASE WHEN status = 'done' THEN now() - age + interval '10 minutes' END,
               started + interval '4 hours', started + interval '48 hours',
               '', '', message_count
        FROM (
            SELECT c.*, now() - age - interval '20 minutes' * (message_count - 1) AS started,
                   CASE WHEN age < interval '30 days' THEN
                            CASE WHEN u_status < 0.25 THEN 'new' WHEN u_status < 0.45 THEN 'open'
                                 WHEN u_status < 0.55 THEN 'waiting' ELSE 'done' END
                        ELSE CASE WHEN u_status < 0.004 THEN 'new' WHEN u_status < 0.010 THEN 'open'
                                  WHEN u_status < 0.015 THEN 'waiting' ELSE 'done' END
                   END AS status
            FROM bench_conv c
        ) c
        ORDER BY now() - age
        """
    )
    conversations_done = time.monotonic()
    timings["conversations_s"] = round(conversations_done - started, 2)

    # Messages: message_count per conversation, 20 minutes apart on average, ending at
    # last_message_at; every other one (30 %) sent by the pharmacy. Inserted in time order.
    started = time.monotonic()
    cursor.execute(
        f"""
        INSERT INTO inbox_inboxitem (
            created_at, updated_at, organization_id, channel_id, conversation_id, direction, kind,
            external_id, parent_external_id, author_id, author_name, author_handle, sent_by_id,
            text, rating, permalink, received_at, extra)
        SELECT at, at, {org_id}, c.channel_id, c.id,
               CASE WHEN outbound THEN 'outbound' ELSE 'inbound' END,
               CASE c.kind WHEN 'comment_thread' THEN CASE WHEN random() < 0.1 THEN 'mention' ELSE 'comment' END
                           WHEN 'direct' THEN 'direct_message' ELSE 'review' END,
               'm-' || c.id || '-' || k, '',
               CASE WHEN outbound THEN NULL ELSE c.author_id END,
               CASE WHEN outbound THEN 'Pharmacie' ELSE a.display_name END,
               CASE WHEN outbound THEN '' ELSE a.handle END,
               CASE WHEN outbound THEN ({members})[1 + floor(random() * {len(member_ids)})::int] END,
               {_text_expr("3 + floor(random() * 10)::int")},
               CASE WHEN c.kind = 'review' AND k = 1 THEN 1 + floor(random() * 5)::int END,
               '', at, '{{}}'::jsonb
        FROM (
            SELECT c.*, k,
                   c.last_message_at - interval '20 minutes' * (c.message_count - k) AS at,
                   (k % 2 = 0 AND random() < 0.6) AS outbound
            FROM inbox_conversation c, generate_series(1, c.message_count) k
            WHERE c.organization_id = {org_id}
        ) c
        LEFT JOIN inbox_author a ON a.id = c.author_id,
        (SELECT {_sql_array(WORDS)} AS words) w
        ORDER BY at
        """
    )
    items = cursor.rowcount
    timings["messages_s"] = round(time.monotonic() - started, 2)
    # The list shows the last message's author and excerpt (copied on the conversation).
    started = time.monotonic()
    cursor.execute(
        f"""
        UPDATE inbox_conversation c
        SET last_author_name = i.author_name, last_excerpt = left(i.text, 300)
        FROM inbox_inboxitem i
        WHERE i.conversation_id = c.id AND i.received_at = c.last_message_at
          AND c.organization_id = {org_id}
        """
    )
    timings["excerpts_s"] = round(time.monotonic() - started, 2)
    cursor.execute(
        f"SELECT id FROM inbox_conversation WHERE organization_id = {org_id} "
        f"ORDER BY message_count DESC, id LIMIT 1"
    )
    longest = cursor.fetchone()[0]
    return {
        "channels": channel_ids,
        "authors": authors,
        "conversations": conversations,
        "messages": items,
        "longest_conversation": longest,
        "timings": timings,
    }


def seed(ns: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection, transaction

    from hygie.accounts.actions import do_add_member, do_create_organization
    from hygie.accounts.models import User

    orgs: dict[str, Any] = {}
    started = time.monotonic()
    for slug, share in (("bench-a", 1.0), ("bench-b", 0.1)):
        owner = User.objects.create_user(f"owner@{slug}.test", None, full_name=f"Owner {slug}")
        org = do_create_organization(
            name=f"Pharmacie {slug}", slug=slug, kind="pharmacy", owner=owner, acting_user=owner
        )
        members = [
            do_add_member(
                org,
                email=f"cm{i}@{slug}.test",
                full_name=f"Community {i} {slug}",
                roles=["community_manager"],
                acting_user=owner,
            ).user_id
            for i in range(1, 6)
        ]
        conversations = max(1000, round(250_000 * ns.scale * share))
        log(f"seeding {slug}: {conversations:,} conversations")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [0.42 if slug == "bench-a" else 0.17])
            orgs[slug] = {
                "org_id": org.pk,
                "members": members,
                **seed_org(cursor, org.pk, members, conversations, long_thread=slug == "bench-a"),
            }
        log(f"  {orgs[slug]['messages']:,} messages; {orgs[slug]['timings']}")
    seeded = time.monotonic() - started
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE inbox_inboxitem")
        cursor.execute("VACUUM ANALYZE inbox_conversation")
        cursor.execute("VACUUM ANALYZE inbox_author")
    vacuum = time.monotonic() - started
    messages = sum(o["messages"] for o in orgs.values())
    return {
        "orgs": orgs,
        "seed_s": round(seeded, 1),
        "vacuum_analyze_s": round(vacuum, 1),
        "messages_total": messages,
        "messages_per_s": round(messages / seeded),
    }


def describe_data() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.slug, count(*), count(*) FILTER (WHERE status <> 'done'), "
            "count(*) FILTER (WHERE assigned_to_id IS NOT NULL) "
            "FROM inbox_conversation c JOIN accounts_organization o ON o.id = c.organization_id "
            "GROUP BY o.slug ORDER BY o.slug"
        )
        conversations = {
            r[0]: {"conversations": r[1], "not_done": r[2], "assigned": r[3]}
            for r in cursor.fetchall()
        }
        cursor.execute(
            "SELECT o.slug, count(*) FROM inbox_inboxitem i "
            "JOIN accounts_organization o ON o.id = i.organization_id GROUP BY o.slug"
        )
        for slug, n in cursor.fetchall():
            conversations.setdefault(slug, {})["messages"] = n
        sizes = {}
        for table in ("inbox_inboxitem", "inbox_conversation"):
            cursor.execute(
                "SELECT pg_size_pretty(pg_table_size(%s)), pg_size_pretty(pg_indexes_size(%s))",
                [table, table],
            )
            table_size, index_size = cursor.fetchone()
            sizes[table] = {"table": table_size, "indexes": index_size}
    return {"per_org": conversations, "sizes": sizes}


# --- Measuring -----------------------------------------------------------------------------------


def scenarios(org_a: Any, org_b: Any, channel_id: int, longest: int) -> list[tuple[str, str, str]]:
    """(name, org slug, path + query)."""
    a = f"/o/{org_a}/inbox/"
    b = f"/o/{org_b}/inbox/"
    return [
        ("default (to handle)", org_a, a),
        ("status=all", org_a, a + "?status=all"),
        ("status=new", org_a, a + "?status=new"),
        ("status=waiting", org_a, a + "?status=waiting"),
        ("status=done", org_a, a + "?status=done"),
        ("kind=review", org_a, a + "?kind=review"),
        ("kind=direct", org_a, a + "?kind=direct"),
        ("network=whatsapp", org_a, a + "?network=whatsapp"),
        ("channel=<instagram>", org_a, a + f"?channel={channel_id}"),
        ("assignee=me", org_a, a + "?assignee=me"),
        ("assignee=unassigned", org_a, a + "?assignee=unassigned"),
        ("assignee=me&status=all", org_a, a + "?assignee=me&status=all"),
        ("sla=breached (late)", org_a, a + "?sla=breached"),
        (f"q={COMMON_WORD}", org_a, a + f"?q={COMMON_WORD}"),
        (f"q={COMMON_WORD}&status=all", org_a, a + f"?q={COMMON_WORD}&status=all"),
        (f"q={RARE_WORD}&status=all", org_a, a + f"?q={RARE_WORD}&status=all"),
        ("q=Benali (author)", org_a, a + "?q=Benali&status=all"),
        ("htmx fragment, status=all", org_a, a + "?status=all"),
        ("org B default (10 %)", org_b, b),
        ("org B status=all", org_b, b + "?status=all"),
        (f"conversation ({LONG_THREAD} messages)", org_a, f"/o/{org_a}/inbox/c/{longest}/"),
    ]


def measure(client: Any, path: str, n: int, htmx: bool = False) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HX-Request": "true"} if htmx else {}
    for _ in range(2):  # warm-up (caches, plans)
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
    times, sql_ms, counts, rows = [], [], [], 0
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        times.append(elapsed)
        counts.append(len(captured.captured_queries))
        sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        rows = response.content.count(b'class="inbox-item ')
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    return {
        "n": n,
        "p50_ms": round(pct(times, 50) or 0, 1),
        "p95_ms": round(pct(times, 95) or 0, 1),
        "p99_ms": round(pct(times, 99) or 0, 1),
        "max_ms": round(max(times), 1),
        "sql_ms_p50": round(pct(sql_ms, 50) or 0, 1),
        "queries": sorted(set(counts)),
        "rows_shown": rows,
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
        "slowest_query": slowest["sql"][:600],
        "_next": _next_link(response.content),
    }


def _next_link(content: bytes) -> str:
    import html
    import re

    match = re.search(rb'<a href="(\?[^"]*)" rel="next">', content)
    return html.unescape(match.group(1).decode()) if match else ""


def run_measurements(ns: argparse.Namespace, data: dict[str, Any]) -> list[dict[str, Any]]:
    from django.test import Client

    from hygie.accounts.models import User
    from hygie.channels.models import Channel
    from hygie.inbox.models import Conversation

    user = User.objects.get(email="cm1@bench-a.test")
    user_b = User.objects.get(email="cm1@bench-b.test")
    client, client_b = Client(), Client()
    client.force_login(user)
    client_b.force_login(user_b)
    instagram = Channel.objects.get(organization__slug="bench-a", network="instagram").pk
    longest = (
        Conversation.objects.filter(organization__slug="bench-a")
        .order_by("-message_count", "id")
        .values_list("pk", flat=True)
        .first()
    )
    results = []
    for name, slug, path in scenarios("bench-a", "bench-b", instagram, longest):
        c = client_b if slug == "bench-b" else client
        result = measure(c, path, ns.requests, htmx=name.startswith("htmx"))
        result.update(name=name, path=path)
        results.append(result)
        log(_line(result))
    # "Older" five pages deep, for the default view, status=all and a search.
    for base_name, first in (
        ("default", "/o/bench-a/inbox/"),
        ("status=all", "/o/bench-a/inbox/?status=all"),
        (f"q={COMMON_WORD}&status=all", f"/o/bench-a/inbox/?q={COMMON_WORD}&status=all"),
    ):
        link = _next_link(client.get(first).content)
        for depth in range(2, 7):
            if not link:
                break
            path = "/o/bench-a/inbox/" + link
            result = measure(client, path, ns.requests)
            result.update(name=f"{base_name}, page {depth}", path=path)
            results.append(result)
            log(_line(result))
            link = result["_next"]
    for r in results:
        r.pop("_next", None)
    return results


def _line(r: dict[str, Any]) -> str:
    return (
        f"{r['name']:<34} p50 {r['p50_ms']:>7} p95 {r['p95_ms']:>7} p99 {r['p99_ms']:>7} ms  "
        f"queries {r['queries']}  sql p50 {r['sql_ms_p50']} ms  rows {r['rows_shown']}"
    )


def print_report(document: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    data = document["data"]
    print(
        f"\nInbox benchmark: {data['per_org']}\n"
        f"seeding: {document.get('seed', {}).get('messages_total', '-')} messages in "
        f"{document.get('seed', {}).get('seed_s', '-')} s "
        f"({document.get('seed', {}).get('messages_per_s', '-')} messages/s), "
        f"VACUUM ANALYZE {document.get('seed', {}).get('vacuum_analyze_s', '-')} s; "
        f"migrate {document['migrate_s']} s; sizes {data['sizes']}"
    )
    before = {r["name"]: r for r in (baseline or {}).get("scenarios", [])}
    against = baseline["created"] if baseline else "-"
    print(f"vs baseline {against}\n")
    print(
        f"{'scenario':<38}{'p50':>8}{'p95':>8}{'p99':>8}{'SQL p50':>9}{'queries':>9}"
        f"{'rows':>6}{'base p95':>10}{'ratio':>7}  goal"
    )
    varying = []
    for r in document["scenarios"]:
        then = before.get(r["name"])
        base = then["p95_ms"] if then else None
        ratio = f"{r['p95_ms'] / base:.2f}" if base else "-"
        queries = ",".join(str(q) for q in r["queries"])
        if len(r["queries"]) > 1:
            varying.append(r["name"])
        goal = "ok" if r["p95_ms"] <= GOAL_P95_MS else "SLOW"
        print(
            f"{r['name']:<38}{r['p50_ms']:>8}{r['p95_ms']:>8}{r['p99_ms']:>8}"
            f"{r['sql_ms_p50']:>9}{queries:>9}{r['rows_shown']:>6}"
            f"{'-' if base is None else base:>10}{ratio:>7}  {goal}"
        )
    list_counts = {
        tuple(r["queries"])
        for r in document["scenarios"]
        if "conversation" not in r["name"] and not r["name"].startswith("htmx")
    }
    print(
        f"\nquery count per list page: {sorted({q for c in list_counts for q in c})} "
        f"({'constant' if len({q for c in list_counts for q in c}) == 1 else 'VARIES'} across "
        f"filters and pages; the htmx fragment has its own){'; varies within: ' + ', '.join(varying) if varying else ''}"
    )
    slow = [r["name"] for r in document["scenarios"] if r["p95_ms"] > GOAL_P95_MS]
    print(
        f"goal p95 <= {GOAL_P95_MS:.0f} ms: {'met everywhere' if not slow else 'NOT met: ' + ', '.join(slow)}"
    )


def main() -> int:
    ns = parse_args()
    env = configure_environment(ns)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "src"))
    reuse = ns.reuse_db and db_exists(ns.db_name)
    if not reuse:
        log(f"creating and migrating the database {ns.db_name}")
        pg_admin(f'DROP DATABASE IF EXISTS "{ns.db_name}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{ns.db_name}"')
    migrate_s = migrate(env)
    log(f"migrate: {migrate_s:.1f} s")
    import django

    django.setup()
    from django.db import connections

    from hygie.accounts.models import Organization

    started = time.monotonic()
    document: dict[str, Any] = {}
    try:
        if not Organization.objects.filter(slug="bench-a").exists():
            document["seed"] = seed(ns)
            log(
                f"seeded {document['seed']['messages_total']:,} messages in "
                f"{document['seed']['seed_s']} s ({document['seed']['messages_per_s']:,}/s)"
            )
        else:
            log("reusing the seeded data")
        data = describe_data()
        log(f"data: {data}")
        measurements = run_measurements(ns, data)
    finally:
        connections.close_all()
        if not (ns.keep_db or ns.reuse_db):
            with contextlib.suppress(Exception):
                pg_admin(f'DROP DATABASE IF EXISTS "{ns.db_name}" WITH (FORCE)')

    document = {
        "created": datetime.now(tz=UTC).astimezone().isoformat(timespec="seconds"),
        "label": ns.label,
        "command": " ".join([Path(PYTHON).name, *sys.argv]),
        "config": {"scale": ns.scale, "requests": ns.requests, "reused_db": reuse},
        "migrate_s": round(migrate_s, 1),
        **document,
        "data": data,
        "postgres": {
            "server_version": pg_setting("server_version"),
            "shared_buffers": pg_setting("shared_buffers"),
            "work_mem": pg_setting("work_mem"),
        },
        "machine": {
            "cores": os.cpu_count(),
            "cpu": next(
                (
                    line.split(":", 1)[1].strip()
                    for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")
                ),
                "",
            ),
            "python": platform.python_version(),
            "load_avg_before": os.getloadavg(),
        },
        "total_s": round(time.monotonic() - started, 1),
        "scenarios": measurements,
    }
    stamp = datetime.now(tz=UTC).astimezone().strftime("%Y%m%d-%H%M%S")
    out = RESULTS_DIR / f"inbox-{stamp}.json"
    out.write_text(json.dumps(document, indent=2, default=str))
    baseline = None
    if not ns.no_baseline:
        if BASELINE.exists():
            baseline = json.loads(BASELINE.read_text())
        else:
            shutil.copyfile(out, BASELINE)
            baseline = document
            log(f"no baseline yet: this run is now {BASELINE.relative_to(ROOT)}")
    print_report(document, baseline)
    print(f"\nresults: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
