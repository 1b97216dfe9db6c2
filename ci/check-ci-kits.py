#!/usr/bin/env python3
"""Check the shipped CI kits as a user would meet them.

- ci/github-actions.yml: parse it, check what the JUnit action, the shards and the cache
  need, then run its shell (`run:`) steps for every matrix shard, in order, in a bare
  Debian container with the image's PostgreSQL (the runner's own) and the host's Rust
  toolchain (the runner's preinstalled one). The install step runs verbatim, with only
  PGREHEARSE_GIT pointed at a local clone of this repository (no forge is reachable).
  `actions/cache` is emulated: the first shard misses and installs, the next ones hit.
- ci/gitlab-ci.yml: parse it, check its `image:` is the pgrehearse image, and run its
  `script` in that image for every parallel node.

Both run on a small application repository with scenarios under rehearsal/; each shard
must pass and leave the junit.xml files the report steps upload.

Usage: ci/check-ci-kits.py --image PGREHEARSE_IMAGE [--base POSTGRES_IMAGE] [--only github|gitlab]
                           [--github-workflow FILE] [--gitlab-ci FILE]
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER_IMAGE = "pgrehearse/ci-runner:bookworm"
# The application repository the kits run on: two scenarios, so two shards get one each.
APP_SCENARIOS = ["journal-small.toml", "byo-uuid.toml"]
APP_MIGRATIONS = ["migrations/byo-uuid"]


def log(msg):
    print(f"== check-ci-kits: {msg}", flush=True)


def fail(msg):
    print(f"check-ci-kits: FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def make_app(root):
    """A fresh checkout of the application repository."""
    os.makedirs(os.path.join(root, "rehearsal"))
    for name in APP_SCENARIOS:
        shutil.copy(os.path.join(REPO, "scenarios", name), os.path.join(root, "rehearsal", name))
    for rel in APP_MIGRATIONS:
        shutil.copytree(os.path.join(REPO, "scenarios", rel), os.path.join(root, "rehearsal", rel))
    return root


def expand(text, ctx):
    """Evaluates the ${{ ... }} expressions the kit uses; any other one is an error."""

    def one(m):
        expr = m.group(1).strip()
        if expr not in ctx:
            fail(f"unsupported expression ${{{{ {expr} }}}} (the check knows {sorted(ctx)})")
        return str(ctx[expr])

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))


def condition(expr, cache_hit, cache_id):
    """Evaluates a step's `if:`; steps run only when the ones before succeeded."""
    if expr is None:
        return True
    expr = str(expr).strip()
    if expr == "always()":
        return True
    m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.cache-hit\s*(==|!=)\s*'true'", expr)
    if m and m.group(1) == cache_id:
        return cache_hit if m.group(2) == "==" else not cache_hit
    fail(f"unsupported `if: {expr}`")


def check_github_static(wf, text):
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    if not triggers or "pull_request" not in triggers:
        fail("the workflow does not run on pull_request")
    if (wf.get("permissions") or {}).get("checks") != "write":
        fail("the JUnit action needs `permissions: checks: write`")
    if re.search(r"\$\{\{\s*(vars|secrets)\.", text):
        fail("the workflow needs a repository variable or secret; it must work as copied")
    if re.search(r"apt-get\s+install[^\n]*postgresql", text):
        fail("the workflow installs PostgreSQL; the runner's own must be used")
    (name, job), = wf["jobs"].items()
    shards = job["strategy"]["matrix"]["shard"]
    if len(shards) < 2:
        fail(f"job {name}: the matrix does not shard ({shards})")
    steps = job["steps"]
    rehearse = [s for s in steps if "pgrehearse run" in str(s.get("run", ""))]
    if len(rehearse) != 1 or f"/{len(shards)}" not in rehearse[0]["run"] or "matrix.shard" not in rehearse[0]["run"]:
        fail(f"one `pgrehearse run --shard ${{{{ matrix.shard }}}}/{len(shards)}` step expected")
    caches = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache@")]
    if len(caches) != 1 or "pgrehearse" not in str(caches[0]["with"]["path"]):
        fail("the installed binary is not cached with actions/cache")
    junit = [s for s in steps if str(s.get("uses", "")).startswith("mikepenz/action-junit-report@")]
    if len(junit) != 1:
        fail("no JUnit report step")
    return name, job, shards, caches[0], junit[0]["with"]["report_paths"]


def ensure_runner_image(base):
    """The bare runner: the Debian image with PostgreSQL, plus a C linker for cargo."""
    if subprocess.run(["docker", "image", "inspect", RUNNER_IMAGE], capture_output=True).returncode == 0:
        return
    log(f"building {RUNNER_IMAGE} from {base} (+ gcc, libc6-dev, ca-certificates)")
    dockerfile = (
        f"FROM {base}\n"
        "RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
        "gcc libc6-dev ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*\n"
    )
    run(["docker", "build", "-q", "--network", "host", "-t", RUNNER_IMAGE, "-"], input=dockerfile.encode(), stdout=subprocess.DEVNULL)


def local_git_clone(work, version):
    """A bare clone of HEAD, tagged as the workflow's version, for `cargo install --git`."""
    path = os.path.join(work, "pgrehearse.git")
    run(["git", "clone", "--quiet", "--bare", "--no-tags", REPO, path])
    head = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    run(["git", "-C", path, "tag", "-f", f"v{version}", head], stdout=subprocess.DEVNULL)
    return path


def host_toolchain():
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], check=True, capture_output=True, text=True).stdout.strip()
    cargo_home = os.environ.get("CARGO_HOME") or os.path.expanduser("~/.cargo")
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    return sysroot, os.path.abspath(cargo_home), os.path.abspath(target)


def host_ca_bundle():
    return os.path.realpath(os.environ.get("SSL_CERT_FILE") or "/etc/ssl/certs/ca-certificates.crt")


def run_github(wf, text, base, work):
    name, job, shards, cache, junit_glob = check_github_static(wf, text)
    ensure_runner_image(base)
    sysroot, cargo_home, target = host_toolchain()
    env = {k: str(v) for k, v in (wf.get("env") or {}).items()}
    env.update({k: str(v) for k, v in (job.get("env") or {}).items()})
    git = local_git_clone(work, env.get("PGREHEARSE_VERSION", "0.0.0"))
    cache_dir = os.path.join(work, "actions-cache")
    os.makedirs(cache_dir)
    for index, shard in enumerate(shards):
        ctx = {"matrix.shard": shard, "runner.os": "Linux"}
        ctx.update({f"env.{k}": v for k, v in env.items()})
        key = expand(cache["with"]["key"], ctx)
        cached = os.path.join(cache_dir, re.sub(r"[^\w.-]", "_", key))
        hit = os.path.exists(cached)
        app = make_app(os.path.join(work, f"shard-{shard}"))
        container = f"pgrehearse-ci-kits-{os.getpid()}-{index}"
        log(f"GitHub job {name}, shard {shard}/{len(shards)}: cache {'hit' if hit else 'miss'} for {key}")
        docker_env = dict(env)
        docker_env.update({
            "PGREHEARSE_GIT": f"file://{git}",  # the one substitution: no forge is reachable here
            "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux", "GITHUB_WORKSPACE": "/github/workspace",
            "HOME": "/root", "CARGO_HOME": cargo_home, "CARGO_TARGET_DIR": target,
            "PATH": f"/root/.cargo/bin:{sysroot}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        })
        args = ["docker", "run", "-d", "--rm", "--name", container, "--network", "host", "--entrypoint", "sleep",
                "-v", f"{app}:/github/workspace", "-v", f"{git}:{git}:ro", "-v", f"{sysroot}:{sysroot}:ro",
                "-v", f"{cargo_home}/registry:{cargo_home}/registry", "-v", f"{target}:{target}",
                "-w", "/github/workspace"]
        # The runner trusts what its network needs (a TLS-inspecting proxy's CA, say): the
        # host's CA bundle stands in for it, or cargo cannot reach crates.io from inside.
        if os.path.isfile(host_ca_bundle()):
            args += ["-v", f"{host_ca_bundle()}:/etc/ssl/certs/ca-certificates.crt:ro"]
        for k, v in docker_env.items():
            args += ["-e", f"{k}={v}"]
        run(args + [RUNNER_IMAGE, "infinity"], stdout=subprocess.DEVNULL)
        try:
            cache_path = cache["with"]["path"]
            if hit:
                run(["docker", "exec", container, "bash", "-c", f"mkdir -p $(dirname {cache_path})"])
                run(["docker", "cp", cached, f"{container}:{cache_path.replace('~', '/root', 1)}"])
            failed = False
            for step in job["steps"]:
                label = step.get("name") or step.get("uses") or step.get("run")
                if not condition(step.get("if"), hit, cache.get("id")) or (failed and step.get("if") != "always()"):
                    log(f"  skip: {label}")
                    continue
                if "run" not in step:
                    log(f"  (action, not run here): {label}")
                    continue
                script = expand(step["run"], ctx)
                step_env = [f"{k}={expand(v, ctx)}" for k, v in (step.get("env") or {}).items()]
                log(f"  run: {label}: {script.strip()}")
                cmd = ["docker", "exec"] + sum((["-e", e] for e in step_env), []) + [container, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script]
                if subprocess.run(cmd).returncode != 0:
                    failed = True
                    log(f"  FAILED: {label}")
            if failed:
                fail(f"GitHub workflow, shard {shard}: a step failed (see above)")
            if not hit:
                run(["docker", "cp", f"{container}:{cache_path.replace('~', '/root', 1)}", cached])
        finally:
            subprocess.run(["docker", "rm", "-f", container], capture_output=True)
        reports = glob.glob(os.path.join(app, junit_glob), recursive=True)
        if not reports:
            fail(f"shard {shard}: the JUnit step's report_paths {junit_glob} match nothing")
        log(f"  shard {shard} passed; junit: {[os.path.relpath(r, app) for r in reports]}")
    if not os.listdir(cache_dir):
        fail("nothing was cached")


def run_gitlab(gl, image, work):
    (name, job), = [(k, v) for k, v in gl.items() if isinstance(v, dict) and "script" in v]
    if job.get("image") != image:
        fail(f"GitLab job {name}: image is {job.get('image')!r}, expected the pgrehearse image {image!r}")
    if re.search(r"apt-get|cargo install", yaml.safe_dump(job)):
        fail(f"GitLab job {name}: installs at run time; the image has everything")
    nodes = int(job.get("parallel", 1))
    for node in range(1, nodes + 1):
        app = make_app(os.path.join(work, f"gitlab-{node}"))
        script = "\n".join(job.get("before_script", []) + job["script"])
        log(f"GitLab job {name}, node {node}/{nodes} in {image}")
        rc = subprocess.run(["docker", "run", "--rm", "-v", f"{app}:/builds/app", "-w", "/builds/app",
                             "-e", "CI=true", "-e", f"CI_NODE_INDEX={node}", "-e", f"CI_NODE_TOTAL={nodes}",
                             image, "bash", "-eo", "pipefail", "-c", script]).returncode
        if rc != 0:
            fail(f"GitLab job {name}, node {node}: the script exited {rc}")
        junit = job["artifacts"]["reports"]["junit"]
        if not glob.glob(os.path.join(app, junit), recursive=True):
            fail(f"GitLab node {node}: artifacts:reports:junit {junit} matches nothing")
        log(f"  node {node} passed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", required=True, help="the pgrehearse image (ci/build-pgrehearse-image.sh)")
    parser.add_argument("--base", default="pgrehearse/postgres:15-bookworm", help="the bare Debian image with PostgreSQL")
    parser.add_argument("--only", choices=["github", "gitlab"])
    parser.add_argument("--github-workflow", default=os.path.join(REPO, "ci/github-actions.yml"), help="the GitHub workflow to check")
    parser.add_argument("--gitlab-ci", default=os.path.join(REPO, "ci/gitlab-ci.yml"), help="the GitLab CI file to check")
    args = parser.parse_args()
    wf_text = open(args.github_workflow).read()
    wf = yaml.safe_load(wf_text)
    gl = yaml.safe_load(open(args.gitlab_ci))
    work = tempfile.mkdtemp(prefix="pgrehearse-ci-kits.", dir="/var/tmp")
    try:
        if args.only in (None, "gitlab"):
            run_gitlab(gl, args.image, work)
        if args.only in (None, "github"):
            run_github(wf, wf_text, args.base, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log("passed: " + ("both CI kits" if args.only is None else args.only))


if __name__ == "__main__":
    main()
