"""Build the app, then ``sam local invoke`` every function of template.yaml in a container
with its sample event, against a moto server on the host, and check the results.

Started by sam_local.sh (``make sam-local``), which provides a running Docker daemon
(DOCKER_HOST), a Lambda-like base image (--image) and the address containers reach the
host at (--host-ip, the bridge gateway). Exits non-zero with a clear message on the first
failure; every process it starts is stopped before it returns.

Function -> event: ScrapeFunction -> events/scrape.json, ApiFunction -> events/api.json,
and so on for any function the template gains. The four pipeline functions also get
their state prepared and checked as tests/integration/test_sample_events.py does;
any other function is invoked and must return JSON (a 2xx statusCode if it returns one).
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
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from declare_env import declare_env_file_variables, opt_in_demo_feeds  # noqa: E402

STACK_NAME = "paperbell-local"  # what events/*.json and render_env_file name things
REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
# Matches due in this slot are what events/plan.json (scheduled 2026-11-27T08:00Z) plans.
PLAN_SLOT = "2026-11-27T08"


class Failure(Exception):
    """A check failed; the message says what was expected and what was found."""


T0 = float(os.environ.get("SAM_LOCAL_T0") or time.time())


def log(message: str) -> None:
    print(f"[sam-local +{time.time() - T0:.0f}s] {message}", file=sys.stderr, flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


# --------------------------------------------------------------------------- processes
def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def stop_process(proc: subprocess.Popen[Any], name: str, first: int = signal.SIGTERM) -> None:
    """Stop a process started in its own session, and everything in its group."""
    if proc.poll() is not None:
        return
    for sig, wait in ((first, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            log(f"{name} (pid {proc.pid}) did not stop on signal {sig}")


@contextmanager
def moto_server(host: str, work: Path) -> Iterator[str]:
    """A moto server on ``host`` (the bridge gateway: the host and containers reach it)."""
    import requests

    port = free_port(host)
    log_path = work / "moto_server.log"
    binary = Path(sys.executable).parent / "moto_server"
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [str(binary), "-H", host, "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    endpoint = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise Failure(f"moto_server exited at start:\n{tail(log_path)}")
            try:
                if requests.get(f"{endpoint}/moto-api/data.json", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise Failure(f"moto_server did not answer on {endpoint} in 60 s")
            time.sleep(0.3)
        log(f"moto server on {endpoint} (pid {proc.pid})")
        yield endpoint
    finally:
        stop_process(proc, "moto_server")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------- sam
@dataclass
class Sam:
    binary: Path
    built_template: Path
    env_file: Path
    image: str
    parameter_overrides: list[str]
    env: dict[str, str]
    invocations: int = 0

    def common(self) -> list[str]:
        return [
            "--template",
            str(self.built_template),
            "--env-vars",
            str(self.env_file),
            "--skip-pull-image",
            "--invoke-image",
            self.image,
            "--region",
            REGION,
            "--parameter-overrides",
            *self.parameter_overrides,
        ]

    def invoke(self, function_id: str, event: Path) -> Any:
        """``sam local invoke``; returns the handler's result (stdout, parsed as JSON)."""
        command = [str(self.binary), "local", "invoke", function_id, "--event", str(event)]
        if os.environ.get("SAM_LOCAL_DEBUG") == "1":
            command.append("--debug")
        started = time.monotonic()
        try:
            done = subprocess.run(
                command + self.common(),
                cwd=ROOT,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=300,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            raise Failure(f"sam local invoke {function_id} did not finish in 300 s") from exc
        elapsed = time.monotonic() - started
        stdout, stderr = done.stdout.strip(), done.stderr
        self.invocations += 1
        log_path = self.env_file.parent / f"invoke-{self.invocations:02d}-{function_id}.log"
        log_path.write_text(f"$ {' '.join(command)}\n{stderr}\n--- stdout ---\n{stdout}\n")
        if done.returncode != 0:
            raise Failure(
                f"sam local invoke {function_id} exited {done.returncode}\n"
                f"--- stderr (last lines) ---\n{last_lines(stderr)}\n--- stdout ---\n{stdout}"
            )
        try:
            result = json.loads(stdout)
        except json.JSONDecodeError as exc:
            raise Failure(
                f"sam local invoke {function_id}: stdout is not the handler's JSON result\n"
                f"--- stdout ---\n{stdout}\n--- stderr (last lines) ---\n{last_lines(stderr)}"
            ) from exc
        if isinstance(result, dict) and "errorMessage" in result:
            raise Failure(
                f"{function_id} raised {result.get('errorType')}: {result['errorMessage']}\n"
                f"{''.join(result.get('stackTrace', []) or [])}\n"
                f"--- stderr (last lines) ---\n{last_lines(stderr)}"
            )
        log(f"{function_id}: invoked in a container in {elapsed:.1f} s -> {short(result)}")
        return result


def last_lines(text: str, count: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-count:])


def short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "..."


def event_name(function_id: str) -> str:
    """ScrapeFunction -> scrape, ApiFunction -> api, DigestMailerFunction -> digest_mailer."""
    base = re.sub(r"Function$", "", function_id) or function_id
    return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()


def api_functions(stack: Any) -> dict[str, list[dict[str, Any]]]:
    """Functions with an Api/HttpApi event -> those events' properties."""
    found: dict[str, list[dict[str, Any]]] = {}
    for lid, spec in stack.functions().items():
        for event in spec.events.values():
            if event.get("Type") in ("Api", "HttpApi"):
                found.setdefault(lid, []).append(dict(event.get("Properties") or {}))
    return found


# --------------------------------------------------------------------------- checks
class Checks:
    """State preparation and assertions per pipeline function (mirrors
    tests/integration/test_sample_events.py); others get the generic check."""

    def __init__(self, stack: Any, endpoint: str):
        from paperbell.services.subscriptions import new_subscriber
        from paperbell_dev.demo_data import SAMPLE_SUBSCRIBER_ID

        self.stack = stack
        self.endpoint = endpoint
        self.ada = new_subscriber("ada@example.org", ["lottery tickets", "RoPE"], delivery_hour=8,
                              subscriber_id=SAMPLE_SUBSCRIBER_ID)

    def table_name(self, logical_id: str) -> str:
        return str(self.stack.physical[logical_id]["Ref"])

    def deliveries(self) -> Any:
        from paperbell.storage.deliveries import DeliveryRepository

        return DeliveryRepository(self.table_name("DeliveriesTable"))

    def add_subscriber(self) -> None:
        from paperbell.storage.subscribers import SubscriberRepository

        SubscriberRepository(self.table_name("SubscribersTable")).put(self.ada)

    # -- per function: prepare(), then verify(result) ---------------------------------
    def prepare(self, function_id: str) -> None:
        getattr(self, f"prepare_{event_name(function_id)}", lambda: None)()

    def verify(self, function_id: str, result: Any, invoke: Callable[[], Any]) -> None:
        special = getattr(self, f"verify_{event_name(function_id)}", None)
        if special is not None:
            special(result, invoke)
        else:
            self.verify_generic(function_id, result)

    def verify_generic(self, function_id: str, result: Any) -> None:
        if isinstance(result, dict) and "statusCode" in result:
            status = int(result["statusCode"])
            check(200 <= status < 300, f"{function_id} answered HTTP {status}: {short(result)}")
        log(f"{function_id}: no state check defined; the invocation returned JSON")

    def verify_scrape(self, result: Any, _invoke: Callable[[], Any]) -> None:
        from paperbell import aws

        statuses = [s.get("status") for s in result.get("sources", [])]
        check(statuses == ["ok", "ok", "ok"], f"scrape: source statuses {statuses}, want 3 x ok")
        stored = {i["paper_id"] for i in aws.table(self.table_name("PapersTable")).scan()["Items"]}
        wanted = {"2403.00071", "2502.08441", "2306.05292", "2605.05242"}
        check(wanted <= stored, f"scrape: papers table lacks {sorted(wanted - stored)}")
        check(
            len(stored) == result.get("papers_new"),
            f"scrape: papers_new={result.get('papers_new')} but the table has {len(stored)}",
        )
        log(f"ScrapeFunction: {len(stored)} papers in {self.table_name('PapersTable')}")

    def prepare_match(self) -> None:
        self.add_subscriber()

    def verify_match(self, result: Any, _invoke: Callable[[], Any]) -> None:
        check(result == {"batchItemFailures": []}, f"match: result {short(result)}")
        pending = self.deliveries().pending_matches(self.ada.id)
        check(
            [m.paper_id for m in pending] == ["2403.00071"],
            f"match: pending matches {[m.paper_id for m in pending]}, want ['2403.00071']",
        )
        check(pending[0].queries == ("RoPE",), f"match: queries {pending[0].queries}")
        log(f"MatchFunction: pending match {self.ada.id} -> 2403.00071 (query 'RoPE')")

    def prepare_plan(self) -> None:
        from paperbell import aws
        from paperbell.models import PendingMatch
        from paperbell.storage.deliveries import MATCH_PREFIX

        # As in the test: one pending match due in the event's slot. The match event left
        # one due at the subscriber's *real* next delivery hour; replace it.
        self.add_subscriber()
        aws.table(self.table_name("DeliveriesTable")).delete_item(
            Key={"subscriber_id": self.ada.id, "sk": MATCH_PREFIX + "2403.00071"}
        )
        recorded = self.deliveries().record_match(
            PendingMatch(self.ada.id, "2403.00071", ("RoPE",)), due_slot=PLAN_SLOT, expires_at=0
        )
        check(recorded is not False, "plan: could not record the pending match for the event")

    def verify_plan(self, result: Any, _invoke: Callable[[], Any]) -> None:
        from paperbell import aws

        want = [{"subscriber_id": self.ada.id, "slot": PLAN_SLOT}]
        check(result.get("jobs") == want, f"plan: jobs {result.get('jobs')}, want {want}")
        sqs = aws.client("sqs")
        url = self.stack.physical["DigestQueue"]["QueueUrl"]
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        check(len(messages) == 1, f"plan: {len(messages)} message(s) on the digest queue, want 1")
        body = json.loads(messages[0]["Body"])
        check(body.get("subscriber_id") == self.ada.id, f"plan: queued job {body}")
        log(f"PlanFunction: digest job queued on {url}: {body}")

    def prepare_mail(self) -> None:
        # The job in events/mail.json is for this subscriber; the paper must be stored
        # (the scrape event stores it) and the match pending (match or plan prepared it).
        from paperbell import aws
        from paperbell.models import PendingMatch

        self.add_subscriber()
        event = json.loads((ROOT / "events" / "mail.json").read_text("utf-8"))
        job = json.loads(event["Records"][0]["body"])
        check(job["subscriber_id"] == self.ada.id, f"mail: events/mail.json is for {job}")
        papers = aws.table(self.table_name("PapersTable"))
        check(
            "Item" in papers.get_item(Key={"paper_id": "2403.00071"}),
            "mail: paper 2403.00071 is not stored (the scrape event should have stored it)",
        )
        pending = [m.paper_id for m in self.deliveries().pending_matches(self.ada.id)]
        if "2403.00071" not in pending:
            self.deliveries().record_match(
                PendingMatch(self.ada.id, "2403.00071", ("RoPE",)),
                due_slot=PLAN_SLOT,
                expires_at=0,
            )

    def sent_mails(self) -> list[Any]:
        """Raw mails the moto server's SES accepted."""
        from paperbell_dev.local.outbox import sent_mails_from_server

        return list(sent_mails_from_server(self.endpoint, REGION))

    def verify_mail(self, result: Any, invoke: Callable[[], Any]) -> None:
        check(result == {"batchItemFailures": []}, f"mail: result {short(result)}")
        again = invoke()  # SQS redelivers: the idempotency table must stop a second mail
        check(again == {"batchItemFailures": []}, f"mail (redelivery): result {short(again)}")
        mails = self.sent_mails()
        check(len(mails) == 1, f"mail: SES accepted {len(mails)} mail(s), want exactly 1")
        check(
            mails[0].destinations[:1] == ("ada@example.org",),
            f"mail: sent to {mails[0].destinations}",
        )
        check(b"Resonance RoPE" in mails[0].raw, "mail: the digest does not name the paper")
        # The ledger key is "digest#<local date>" (older layouts: the bare date).
        ledger = self.deliveries().ledger_entry(
            self.ada.id, "digest#2026-11-27"
        ) or self.deliveries().ledger_entry(self.ada.id, "2026-11-27")
        check(
            ledger is not None and ledger.status == "sent",
            f"mail: ledger entry {ledger}, want status 'sent'",
        )
        check(ledger.paper_ids == ("2403.00071",), f"mail: ledger papers {ledger.paper_ids}")
        log("MailFunction: one digest sent through SES to ada@example.org (redelivery: none)")


# --------------------------------------------------------------------------- main
PIPELINE_ORDER = ["ScrapeFunction", "MatchFunction", "PlanFunction", "MailFunction"]


def ordered(function_ids: list[str]) -> list[str]:
    known = [f for f in PIPELINE_ORDER if f in function_ids]
    return known + sorted(f for f in function_ids if f not in PIPELINE_ORDER)


def sam_build(sam: Path, arch: str, build_dir: Path, env: dict[str, str]) -> Path:
    command = [
        str(sam),
        "build",
        "--template",
        str(ROOT / "template.yaml"),
        "--build-dir",
        str(build_dir),
        "--cache-dir",
        str(build_dir.parent / "cache"),
        "--cached",
        "--parameter-overrides",
        f"Architecture={arch}",
    ]
    log(f"sam build (Architecture={arch}) into {build_dir.relative_to(ROOT)}")
    started = time.monotonic()
    # The layer's makefile picks its wheels' architecture from PAPERBELL_ARCH.
    done = subprocess.run(
        command,
        cwd=ROOT,
        env={**env, "PAPERBELL_ARCH": arch},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise Failure(f"sam build failed ({done.returncode}):\n{last_lines(done.stderr, 60)}")
    log(f"sam build done in {time.monotonic() - started:.1f} s")
    return build_dir / "template.yaml"


LAYER_SOURCE = ROOT / "layers" / "paperbell"
#: Wheels for the container build, inside the layer's source folder because that is the
#: one host folder SAM mounts into a layer's build container (git-ignored, removed after).
WHEELHOUSE = LAYER_SOURCE / ".wheelhouse"


def download_wheelhouse(arch: str) -> None:
    """The layer's wheels, downloaded on the host: the private dockerd's bridge has no
    route out (no iptables rules), and SAM creates build containers on it whatever
    ``--docker-network`` says, so pip inside reads them with ``--no-index``."""
    platforms = {"x86_64": ["manylinux2014_x86_64", "manylinux_2_17_x86_64"],
                 "arm64": ["manylinux2014_aarch64", "manylinux_2_17_aarch64"]}[arch]
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
               "--only-binary=:all:", "--implementation", "cp", "--python-version", "3.11",
               "--abi", "cp311", *[f"--platform={p}" for p in platforms],
               "-r", str(LAYER_SOURCE / "requirements.txt"),
               # compile_dataclasses.py imports the runtime package with boto3 at build
               # time (layers/paperbell/Makefile), so the build installs it too.
               "boto3", "urllib3<2", "-d", str(WHEELHOUSE)]
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise Failure(f"pip download for the container build failed:\n{last_lines(done.stderr)}")


def sam_build_in_container(sam: Path, build_image: str, arch: str, build_dir: Path,
                           env: dict[str, str]) -> Path:
    """``sam build --use-container`` with ``build_image`` standing in for SAM's build
    image: the layer's makefile and every function are built inside it, exactly as
    with SAM's own image, except that pip reads the wheels from a local wheelhouse."""
    download_wheelhouse(arch)
    in_container = f"/tmp/samcli/source/{WHEELHOUSE.name}"
    command = [
        str(sam), "build", "--use-container", "--build-image", build_image,
        "--skip-pull-image", "--template", str(ROOT / "template.yaml"),
        "--build-dir", str(build_dir),
        "--container-env-var", "PIP_NO_INDEX=1",
        "--container-env-var", f"PIP_FIND_LINKS={in_container}",
        # The build image is the machine's architecture (sam_local.sh passes it as --arch);
        # inside it the layer's makefile takes the architecture from uname.
        "--parameter-overrides", f"Architecture={arch}",
    ]
    log(f"sam build --use-container ({build_image}) into {build_dir.relative_to(ROOT)}")
    started = time.monotonic()
    env = {k: v for k, v in env.items() if k != "PAPERBELL_ARCH"}  # the container decides
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(WHEELHOUSE, ignore_errors=True)
    if done.returncode != 0:
        raise Failure(f"sam build --use-container failed ({done.returncode}):\n"
                      f"{last_lines(done.stdout + done.stderr, 60)}")
    log(f"sam build --use-container done in {time.monotonic() - started:.1f} s")
    return build_dir


def built_files(build_dir: Path) -> dict[str, set[str]]:
    """Each built resource (function or layer folder) -> the relative paths it holds."""
    return {
        resource.name: {str(p.relative_to(resource)) for p in resource.rglob("*") if p.is_file()}
        for resource in sorted(build_dir.iterdir()) if resource.is_dir()
    }


def compare_builds(host: Path, container: Path) -> None:
    """The container build must ship what the host build ships, file for file and byte
    for byte (both are made by the same makefile and SAM builders; a difference means
    one of the two paths broke)."""
    on_host, in_container = built_files(host), built_files(container)
    check(on_host.keys() == in_container.keys(),
          f"container build has resources {sorted(in_container)}, host build {sorted(on_host)}")
    for name, files in on_host.items():
        only_host = sorted(files - in_container[name])[:10]
        only_container = sorted(in_container[name] - files)[:10]
        check(not only_host and not only_container,
              f"{name}: only in the host build {only_host}, only in the container build "
              f"{only_container}")
    # Same bytes too, except .pyc files, paperbell/dataclass_code.bin and
    # paperbell/modules.bin (compiled code: the build image's python3.11 patch release
    # may differ from the host's; both compile the same sources for 3.11) and wheels'
    # RECORD files (they hash the console-script wrappers pip writes with the
    # interpreter's path in their shebang; the makefile drops those wrappers, bin/).
    differing = sorted(
        f"{name}/{rel}" for name, files in on_host.items() for rel in files
        if not rel.endswith((".pyc", "paperbell/dataclass_code.bin", "paperbell/modules.bin"))
        and not rel.endswith(".dist-info/RECORD")
        and (host / name / rel).read_bytes() != (container / name / rel).read_bytes()
    )
    check(not differing, f"files that differ between the builds: {differing[:10]}")
    layer = next((n for n in on_host if "Layer" in n), None)
    pyc = sum(1 for f in in_container.get(layer or "", ()) if f.endswith(".pyc"))
    check(layer is not None and pyc > 0, "the container-built layer holds no .pyc files")
    total = sum(len(files) for files in on_host.values())
    log(f"container build == host build: {len(on_host)} resources, {total} files "
        f"(layer {pyc} .pyc)")


def smoke_start_api(sam: Sam, apis: dict[str, list[dict[str, Any]]]) -> None:
    import requests

    if not apis:
        log("start-api: skipped - no function has an Api/HttpApi event in template.yaml yet")
        return
    port = free_port("127.0.0.1")
    log_path = sam.env_file.parent / "start_api.log"
    command = [str(sam.binary), "local", "start-api", "--host", "127.0.0.1", "--port", str(port)]
    log(f"start-api: {', '.join(sorted(apis))} on http://127.0.0.1:{port}")
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            command + sam.common(),
            cwd=ROOT,
            env=sam.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        response = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise Failure(f"sam local start-api exited {proc.returncode}:\n{tail(log_path)}")
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", timeout=60)
                break
            except requests.RequestException:
                time.sleep(0.5)
        check(response is not None, f"start-api: no answer in 120 s\n{tail(log_path)}")
        assert response is not None
        check(
            200 <= response.status_code < 300,
            f"start-api: GET / answered {response.status_code}: {response.text[:300]}\n"
            f"{tail(log_path)}",
        )
        log(f"start-api: GET / -> {response.status_code}")
    finally:
        stop_process(proc, "sam local start-api", first=signal.SIGINT)


def run(args: argparse.Namespace) -> None:
    bin_dir = Path(sys.executable).parent
    sam_binary = bin_dir / "sam"
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    build_dir = ROOT / ".aws-sam" / "sam-local" / "build"

    from paperbell_dev.local.pipeline import LOCAL_SENDER, LOCAL_SITE
    from paperbell_dev.local.sam_env import render_env_file
    from paperbell_dev.local.stack import LocalStack

    parameters = {"SenderAddress": LOCAL_SENDER, "SiteUrl": LOCAL_SITE}
    template = ROOT / "template.yaml"
    described = LocalStack(template, stack_name=STACK_NAME, parameters=parameters)
    functions = ordered(list(described.functions()))
    events = {f: ROOT / "events" / f"{event_name(f)}.json" for f in functions}
    missing = [f"{f} -> {p.relative_to(ROOT)}" for f, p in events.items() if not p.exists()]
    check(not missing, f"functions without a sample event: {', '.join(missing)}")
    log(f"functions: {', '.join(functions)}")

    env = {
        **os.environ,
        **FAKE_CREDENTIALS,  # sam passes the host's credentials and region to containers
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "SAM_CLI_TELEMETRY": "0",
    }
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_ENDPOINT_URL", None)
    built = sam_build(sam_binary, args.arch, build_dir, env)
    if args.build_image:
        container_dir = sam_build_in_container(
            sam_binary, args.build_image, args.arch, build_dir.parent / "container-build", env)
        compare_builds(build_dir, container_dir)

    with moto_server(args.host_ip, work) as endpoint:
        os.environ.update(FAKE_CREDENTIALS)
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        from paperbell import aws

        aws.reset_clients()
        stack = LocalStack(template, stack_name=STACK_NAME, parameters=parameters).deploy()
        log(f"deployed the template's tables, queues and secret as {STACK_NAME}-* on moto")

        # Containers reach moto at the same address (the bridge gateway), so queue URLs
        # in the env file are the ones moto hands out; check it routes them anyway.
        env_file = work / "env.json"
        env_file.write_text(
            render_env_file(
                LocalStack(template, stack_name=STACK_NAME, parameters=parameters), endpoint
            ),
            encoding="utf-8",
        )
        feeds = opt_in_demo_feeds(build_dir, env_file)
        log(f"opt-in bundled feeds for ScrapeFunction: {', '.join(feeds)}")
        file_url = json.loads(env_file.read_text("utf-8"))[functions[0]]["DIGEST_QUEUE_URL"]
        aws.client("sqs").get_queue_attributes(QueueUrl=file_url, AttributeNames=["QueueArn"])

        added = declare_env_file_variables(built, env_file)
        if added:
            log(
                "declared in the built template copy (sam local drops env-file variables the "
                f"template does not declare): {', '.join(added)}"
            )

        # `sam local invoke` asks STS for the account id first; offline that call retries
        # for ~8 s per invoke before it gives up. moto answers it at once (same account).
        env["AWS_ENDPOINT_URL_STS"] = endpoint
        sam = Sam(
            binary=sam_binary,
            built_template=built,
            env_file=env_file,
            image=args.image,
            parameter_overrides=[f"{k}={v}" for k, v in parameters.items()]
            + [f"Architecture={args.arch}"],
            env=env,
        )
        checks = Checks(stack, endpoint)
        for function_id in functions:
            checks.prepare(function_id)

            def invoke(function_id: str = function_id) -> Any:
                return sam.invoke(function_id, events[function_id])

            checks.verify(function_id, invoke(), invoke)

        smoke_start_api(sam, api_functions(described))
    log(f"all {len(functions)} functions ran in containers and left the expected state")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", required=True, choices=["x86_64", "arm64"])
    parser.add_argument("--image", required=True, help="Lambda-like python3.11 base image")
    parser.add_argument("--host-ip", required=True, help="host address containers reach")
    parser.add_argument("--work-dir", required=True, help="folder for logs and the env file")
    parser.add_argument("--build-image", help="image for a `sam build --use-container` check "
                        "(compared file for file with the host build)")
    args = parser.parse_args(argv)

    def terminate(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)  # run the finally blocks: stop moto, sam

    signal.signal(signal.SIGTERM, terminate)
    # Started in the background by a script, this process inherits SIGINT *ignored*, and so
    # would `sam local start-api`, which then could not be stopped gently. Restore it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        run(args)
    except Failure as exc:
        print(f"\n[sam-local] FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    except Exception as exc:  # a bug here, or an API the checks use has changed
        import traceback

        traceback.print_exc()
        print(f"\n[sam-local] FAILED: unexpected {exc!r} (traceback above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
