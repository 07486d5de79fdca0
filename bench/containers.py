"""What do the local Azure's container providers cost on top of the engine they drive?

    python bench/containers.py              # needs Podman, docker-registry, busybox-static
    python bench/containers.py --runs 5

Figures (medians over ``--runs``):
  run        a one-container group to Running through ARM (PUT, the operation, the final GET with the
             instance view) against ``podman pod create`` + ``podman run`` of the same image directly:
             seconds each and the ratio ARM / engine
  get        GET of a group with its instance view (one ``podman inspect``) against a list of groups
             (no instance views, no engine call): the price of live instance views
  build      ``acr_build`` of a one-layer image (upload to Azurite, scheduleRun, the build in Podman, the
             push, the log) against ``podman build`` + ``podman push`` of the same folder directly

Machines are noisy: read the ratios rather than the absolute figures.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import azrm
from azrm.emulator.distribution import RegistryMissing, find_registry
from azrm.emulator.podman import EngineMissing, find_podman

CMD = ["/bin/busybox", "sleep", "600"]


def median(fn: Callable[[int], object], runs: int) -> float:
    """Median seconds of ``fn(i)`` over ``runs`` runs."""
    times = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    try:
        find_podman()
        find_registry()
    except (EngineMissing, RegistryMissing) as exc:
        print(f"containers bench skipped: {exc}")
        return 0
    busybox = shutil.which("busybox")
    if busybox is None:
        print("containers bench skipped: busybox-static is not installed")
        return 0
    work = Path(tempfile.mkdtemp(prefix="azrm-bench-"))
    context = work / "base"
    context.mkdir()
    shutil.copy(busybox, context / "busybox")
    (context / "Dockerfile").write_text('FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "sh"]\n')
    with azrm.local(reporter=azrm.SilentReporter(), location="westeurope") as az:
        plane = az.local.containers
        engine = plane.engine
        az.new_resource_group("bench")
        registry = az.new_container_registry("bench", "benchregistry", enable_admin_user=True)
        creds = az.get_container_registry_credential("bench", "benchregistry")
        image = f"{registry.login_server}/base:1"
        az.acr_build("bench", "benchregistry", context, image="base:1")

        def arm_run(i: int) -> None:
            container = azrm.new_container_instance_object("c", image, command=CMD, request_memory_in_gb=0.5)
            credential = azrm.new_container_group_image_registry_credential_object(
                registry.login_server, username=creds.username, password=creds.password
            )
            group = az.new_container_group(
                "bench", f"run{i}", container=[container], image_registry_credential=[credential]
            )
            assert group.containers[0].instance_view.current_state.state == "Running"

        def engine_run(i: int) -> None:
            engine.create_pod(f"azrm-bench-{i}", labels={"azrm.local": plane.id})
            engine.run("run", "-d", "--pod", f"azrm-bench-{i}", "--name", f"azrm-bench-{i}-c", image, *CMD)

        arm = median(arm_run, args.runs)
        raw = median(engine_run, args.runs)
        print(f"run    ARM {arm:6.2f} s   engine {raw:6.2f} s   ARM/engine {arm / raw:5.2f}")

        get = median(lambda i: az.get_container_group("bench", "run0"), args.runs * 3)
        listed = median(lambda i: az.get_container_group("bench"), args.runs * 3)
        print(f"get    with instance view {get * 1000:6.0f} ms   list {listed * 1000:6.0f} ms   "
              f"ratio {get / listed:5.2f}")  # fmt: skip

        build = median(lambda i: az.acr_build("bench", "benchregistry", context, image=f"b:{i}"), args.runs)

        def engine_build(i: int) -> None:
            engine.build(context, [f"{registry.login_server}/e:{i}"])
            engine.push(
                f"{registry.login_server}/e:{i}", credentials=plane.service_credentials(), cert_dir=plane.cert_dir
            )

        direct = median(engine_build, args.runs)
        print(f"build  acr_build {build:6.2f} s   podman build+push {direct:6.2f} s   ratio {build / direct:5.2f}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
