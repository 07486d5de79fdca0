"""Runs (``az acr build``'s path, RegistryTasks api 2025-03-01-preview), executed for real.

- ``listBuildSourceUploadUrl`` hands out a writable SAS URL of a blob in Azurite, in a storage
  account the local Azure keeps for itself (one container per registry), and its ``relativePath``.
- ``scheduleRun`` with a ``DockerBuildRequest`` answers 200 with the run ``Queued`` (the SDK's
  ``schedule_run`` accepts 200 only), then a background thread downloads the source archive,
  builds it with Podman (``--network none``: everything the build needs is in the context, as
  nothing off this machine is contacted), pushes the images to the registry with the local
  Azure's service identity, and ends the run ``Succeeded`` or ``Failed``. The request lock is held
  only to update the run's record, never during the build.
- The run's log is an append blob ``logs/<runId>/rawtext.log`` (``runs.listLogSasUrl`` returns its
  SAS URL); when the run ends its metadata gets ``Complete=<status>``, which is what ``az acr
  build`` waits for before it stops streaming.

Run ids are ``ca1``, ``ca2``... per registry (Azure's short ids; the exact scheme is not
documented). Other run request types (task files, encoded tasks, tasks) are refused: the local
Azure runs Docker builds only.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...core.clock import iso_utc
from ...core.errors import ArmError
from ...core.store import Record
from ...core.wire import Response
from ..base import json_response, list_response
from .common import REGISTRY_TYPE, RUN_TYPE, locked
from .core import RegistryCore

if TYPE_CHECKING:
    from ...core.router import Router
    from ...core.wire import Call

log = logging.getLogger("azrm.emulator.containerregistry.runs")

_META = "containerregistry_build_storage"
_TERMINAL = ("Succeeded", "Failed", "Canceled", "Error", "Timeout")
_SAS_HOURS = 24


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y/%m/%d %H:%M:%S")


def _split_name(image: str) -> tuple[str, str]:
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = image.rsplit(":", 1)
        return repo, tag
    return image, "latest"


class RunsMixin(RegistryCore):
    """Build source uploads, runs and their logs for :class:`~.registries.ContainerRegistryBackend`."""

    def register_runs(self, r: Router, reg: str) -> None:
        """Add the RegistryTasks routes under the registry URL ``reg``."""
        r.add("POST", reg + "/listBuildSourceUploadUrl", self.build_source_upload_url)
        r.add("POST", reg + "/scheduleRun", self.schedule_run)
        r.add("GET", reg + "/runs", self.list_runs)
        r.add("GET", reg + "/runs/{runId}", self.get_run)
        r.add("PATCH", reg + "/runs/{runId}", self.patch_run)
        r.add("POST", reg + "/runs/{runId}/listLogSasUrl", self.run_log_url)
        r.add("POST", reg + "/runs/{runId}/cancel", self.cancel_run)

    # -- the local Azure's own storage account for sources and logs -----------------------------------
    def _storage(self) -> tuple[Any, str, str]:
        """Return ``(BlobPlane, account, key)``, making the account live in Azurite."""
        blob = self.emu.blob
        if blob is None:
            raise ArmError(
                409,
                "BuildStorageUnavailable",
                "The local Azure runs without Azurite (blob=False), so it has nowhere to hold build sources and "
                "logs: start it with blob storage to run builds.",
            )
        meta = self.store.meta.get(_META)
        if meta is None:
            raw = self.emu.rng.getrandbits(512).to_bytes(64, "big")
            meta = {"account": f"acrbuilds{self.guid().replace('-', '')[:12]}", "key": base64.b64encode(raw).decode()}
            self.store.set_meta(_META, meta)
        if blob.azurite.key_of(meta["account"]) is None:
            blob.register(meta["account"], meta["key"], meta["key"])
        return blob, str(meta["account"]), str(meta["key"])

    def _blob_url(self, container: str, blob_name: str, *, write: bool) -> str:
        from azure.storage.blob import BlobSasPermissions, generate_blob_sas

        plane, account, key = self._storage()
        sas = generate_blob_sas(
            account,
            container,
            blob_name,
            account_key=key,
            permission=BlobSasPermissions(read=True, add=write, create=write, write=write),
            expiry=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=_SAS_HOURS),
        )
        return f"{plane.azurite.endpoint('blob', account)}{container}/{blob_name}?{sas}"

    def _container_client(self, container: str) -> Any:
        plane, account, key = self._storage()
        return plane.azurite.service_client(account, key).get_container_client(container)

    # -- handlers --------------------------------------------------------------------------------------
    def build_source_upload_url(self, call: Call) -> Response:
        record = self.registry_record(call)
        plane, account, _ = self._storage()
        container = record.name.lower()
        plane.create_container(account, container)
        stamp = dt.datetime.fromtimestamp(self.emu.now(), dt.timezone.utc).strftime("%Y%m%d%H%M")
        relative = f"source/{stamp}/{self.guid()}.tar.gz"
        return json_response(
            200, {"uploadUrl": self._blob_url(container, relative, write=True), "relativePath": relative}
        )

    def schedule_run(self, call: Call) -> Response:
        registry = self.registry_record(call)
        body = call.body()
        kind = str(body.get("type") or "")
        if kind != "DockerBuildRequest":
            raise ArmError(
                400,
                "RunRequestNotSupported",
                f"The local Azure runs Docker builds only (type DockerBuildRequest); '{kind}' runs are not executed "
                "here.",
            )
        if not body.get("dockerFilePath"):
            raise ArmError(400, "InvalidParameter", "The dockerFilePath property is required.", target="dockerFilePath")
        if not body.get("sourceLocation"):
            raise ArmError(400, "InvalidParameter", "The sourceLocation property is required.", target="sourceLocation")
        self.plane()  # the 409 without an engine comes before anything is stored
        self._storage()
        registry.internal["runs"] = int(registry.internal.get("runs", 0)) + 1
        self.store.touch(registry)
        run_id = f"ca{registry.internal['runs']}"
        rid = f"{registry.id}/runs/{run_id}"
        now = iso_utc(self.emu.now())
        platform = body.get("platform") or {"os": "Linux", "architecture": "amd64"}
        props: dict[str, Any] = {
            "runId": run_id,
            "status": "Queued",
            "lastUpdatedTime": now,
            "runType": "QuickRun",
            "createTime": now,
            "outputImages": [],
            "platform": platform,
            "agentConfiguration": body.get("agentConfiguration") or {"cpu": 2},
            "provisioningState": "Succeeded",
            "isArchiveEnabled": bool(body.get("isArchiveEnabled", False)),
        }
        record = self.store.put(
            Record(
                rid,
                RUN_TYPE,
                {"id": rid, "name": run_id, "type": RUN_TYPE, "properties": props},
                # a run is a proxy resource: Get-AzResource (the generic list) does not show it
                internal={"request": {k: v for k, v in body.items() if k != "arguments"}, "unlisted": True},
            )
        )
        container = registry.name.lower()
        log_blob = self._container_client(container).get_blob_client(f"logs/{run_id}/rawtext.log")
        log_blob.create_append_blob()
        log_blob.append_block(f"{_stamp()} Queued a build with ID: {run_id}\r\n".encode())
        args = {a["name"]: str(a.get("value", "")) for a in body.get("arguments") or [] if isinstance(a, dict)}
        worker = threading.Thread(
            target=self._execute,
            args=(record.key, registry.name, dict(body), args, log_blob),
            name=f"azrm-acr-run-{run_id}",
            daemon=True,
        )
        worker.start()
        return json_response(200, self.clone(record.body))

    def _run_record(self, call: Call) -> Record:
        registry = self.registry_record(call)
        return self.get_record(f"{registry.id}/runs/{call.params['runId']}", RUN_TYPE, call)

    def get_run(self, call: Call) -> Response:
        return json_response(200, self.clone(self._run_record(call).body))

    def list_runs(self, call: Call) -> Response:
        registry = self.registry_record(call)
        runs = [r for r in self.store.under(registry.id) if r.type == RUN_TYPE]
        runs.sort(key=lambda r: r.properties.get("createTime", ""), reverse=True)
        top = call.req.query.get("$top")
        if top and str(top).isdigit():
            runs = runs[: int(top)]
        return list_response(self.clone(r.body) for r in runs)

    def patch_run(self, call: Call) -> Response:
        record = self._run_record(call)
        if "isArchiveEnabled" in call.body():
            record.properties["isArchiveEnabled"] = bool(call.body()["isArchiveEnabled"])
            self.store.touch(record)
        return json_response(200, self.clone(record.body))

    def run_log_url(self, call: Call) -> Response:
        record = self._run_record(call)
        registry = self.registry_record(call)
        url = self._blob_url(registry.name.lower(), f"logs/{record.name}/rawtext.log", write=False)
        return json_response(200, {"logLink": url})

    def cancel_run(self, call: Call) -> Response:
        record = self._run_record(call)
        if record.properties["status"] not in _TERMINAL:
            record.internal["cancel"] = True  # the build stops before its push
            self.store.touch(record)
        return Response(200)

    def restore_runs(self) -> None:
        """End ``Failed`` the runs the local Azure was executing when it stopped (their build is gone)."""
        for record in self.store.of_type(RUN_TYPE):
            if record.properties.get("status") not in _TERMINAL:
                record.properties["status"] = "Failed"
                record.properties["runErrorMessage"] = "The local Azure stopped while the run was executing."
                record.properties["finishTime"] = iso_utc(self.emu.now())
                self.store.touch(record)

    # -- execution (background thread) ---------------------------------------------------------------
    def _update(self, key: str, **props: Any) -> Record | None:
        with locked(self.emu):
            record = self.store.get(key)
            if record is None:
                return None
            record.properties.update(props)
            record.properties["lastUpdatedTime"] = iso_utc(self.emu.now())
            self.store.touch(record)
            return record

    def _execute(
        self,
        key: str,
        registry_name: str,
        request: dict[str, Any],
        build_args: dict[str, str],
        log_blob: Any,
    ) -> None:
        started = time.monotonic()
        run_id = key.rsplit("/", 1)[-1]

        def write(text: str) -> None:
            try:
                data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
                for offset in range(0, len(data), 4 * 1024 * 1024):
                    log_blob.append_block(data[offset : offset + 4 * 1024 * 1024])
            except Exception:  # the log must not break the run
                log.warning("could not append to the log of run %s", run_id, exc_info=True)

        status, error, outputs = "Failed", "", []
        try:
            self._update(key, status="Running", startTime=iso_utc(self.emu.now()))
            outputs = self._build(registry_name, run_id, request, build_args, write, key)
            status = "Succeeded"
        except _Canceled:
            status, error = "Canceled", "The run was canceled."
        except Exception as exc:  # every failure ends the run Failed, with its reason
            error = str(exc).strip() or exc.__class__.__name__
            write(f"{error}\n")
        elapsed = round(time.monotonic() - started)
        if status == "Succeeded":
            write(f"\nRun ID: {run_id} was successful after {elapsed}s\n")
        elif status == "Canceled":
            write(f"\nRun ID: {run_id} was canceled after {elapsed}s\n")
        else:
            write(f"\nRun ID: {run_id} failed after {elapsed}s. Error: {error.splitlines()[-1] if error else ''}\n")
        props: dict[str, Any] = {"status": status, "finishTime": iso_utc(self.emu.now()), "outputImages": outputs}
        if error and status != "Succeeded":
            props["runErrorMessage"] = error[-2000:]
        try:
            self._update(key, **props)
        except Exception:
            log.warning("could not record the end of run %s (the local Azure stopped?)", run_id, exc_info=True)
        try:
            log_blob.set_blob_metadata({"Complete": {"Succeeded": "successful"}.get(status, status.lower())})
        except Exception:
            log.warning("could not mark the log of run %s complete", run_id, exc_info=True)

    def _build(
        self,
        registry_name: str,
        run_id: str,
        request: dict[str, Any],
        build_args: dict[str, str],
        write: Any,
        key: str,
    ) -> list[dict[str, str]]:
        platform = request.get("platform") or {}
        if str(platform.get("os", "Linux")).lower() == "windows":
            raise RuntimeError("Windows images cannot be built on this Linux host (platform.os is Windows).")
        plane = self.plane()
        with locked(self.emu):
            registry = self.by_name(registry_name)
            if registry is None:
                raise RuntimeError(f"the registry {registry_name} was deleted")
            running = plane.registry(registry.name)
            if running is None:
                self.start_process(registry)
                running = plane.registry(registry.name)
            assert running is not None
            address = running.address
        images = [str(i).replace("{{.Run.ID}}", run_id) for i in request.get("imageNames") or []]
        push = bool(request.get("isPushEnabled")) and bool(images)
        with tempfile.TemporaryDirectory(prefix="azrm-acr-run-") as tmp:
            write(f"{_stamp()} Downloading source code...\n")
            archive = Path(tmp) / "source.tar.gz"
            archive.write_bytes(self._download_source(registry_name, str(request["sourceLocation"])))
            context = Path(tmp) / "context"
            context.mkdir()
            with tarfile.open(archive, "r:*") as tar:
                tar.extractall(context, filter="data")
            write(f"{_stamp()} Finished downloading source code\n")
            refs = [f"{address}/{_split_name(i)[0]}:{_split_name(i)[1]}" for i in images] or [
                f"localhost/azrm-run-{run_id}"
            ]
            dockerfile = str(request["dockerFilePath"])
            if not (context / dockerfile).is_file():
                raise RuntimeError(
                    f"unable to prepare context: unable to find the Dockerfile '{dockerfile}' in the source"
                )
            write(f"{_stamp()} Building the image (podman build, no network)...\n")
            engine = plane.engine
            out = engine.build(
                context, refs, dockerfile=dockerfile, build_args=build_args, no_cache=bool(request.get("noCache"))
            )
            write(out if out.endswith("\n") else out + "\n")
            write(f"{_stamp()} Successfully built the image.\n")
            with locked(self.emu):
                run = self.store.get(key)
                if run is not None and run.internal.get("cancel"):
                    raise _Canceled
            outputs: list[dict[str, str]] = []
            if not push:
                return outputs
            for ref, image in zip(refs, images, strict=True):
                write(f"{_stamp()} Pushing image: {ref}, attempt 1\n")
                digest = engine.push(ref, credentials=plane.service_credentials(), cert_dir=plane.cert_dir)
                write(f"{_stamp()} Successfully pushed image: {ref}\n")
                repo, tag = _split_name(image)
                outputs.append({"registry": address, "repository": repo, "tag": tag, "digest": digest})
            return outputs

    def _download_source(self, registry_name: str, location: str) -> bytes:
        from urllib.parse import urlsplit

        from ..storage.accounts import split_blob_url
        from .regclient import is_loopback

        if "://" not in location:
            client = self._container_client(registry_name.lower()).get_blob_client(location)
            return bytes(client.download_blob().readall())
        parts = split_blob_url(location)
        host = urlsplit(location).netloc
        if parts is None or not is_loopback(host):
            raise RuntimeError(
                f"The source {location.split('?')[0]} is not available offline: the local Azure reads build sources "
                "from its own blob storage only. Upload the context with listBuildSourceUploadUrl (what az acr build "
                "does) and pass its relativePath."
            )
        assert self.emu.blob is not None
        return bytes(self.emu.blob.download(location))


class _Canceled(Exception):
    """The run was canceled before its push."""


__all__ = ["REGISTRY_TYPE", "RunsMixin"]
