"""Autoscale: ``Add-AzureRmAutoscaleSetting`` / ``New-AzAutoscaleSetting``, ``Get-AzAutoscaleHistory``."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from .._aliases import accepts_aliases
from .._session_base import SessionBase
from ..builders._base import check, resource_ref, tag_body
from ..builders.autoscale import AutoscaleProfile

__all__ = ["AutoscaleOperations"]


class AutoscaleOperations(SessionBase):
    """Autoscale settings and their history (azure-mgmt-monitor)."""

    @accepts_aliases(resource_group="resource_group_name", disabled="disable_setting")
    def new_autoscale_setting(
        self,
        resource_group_name: str,
        name: str,
        *,
        location: str | None = None,
        target_resource_id: Any,
        autoscale_profile: AutoscaleProfile | Sequence[AutoscaleProfile],
        disable_setting: bool = False,
        notification: Sequence[Mapping[str, Any]] = (),
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """Create or replace an autoscale setting (``Add-AzureRmAutoscaleSetting``); returns the SDK's resource.

        :keyword target_resource_id: the scale set (its id or model).
        :keyword autoscale_profile: :class:`azrm.AutoscaleProfile` objects (``azrm.new_autoscale_profile``);
            at most 20.
        :keyword disable_setting: create it switched off (Azure evaluates enabled settings every minute);
            also ``disabled`` (azrm's first name for it). ``resource_group_name`` is also ``resource_group``,
            as in the cmdlet.
        """
        profiles = (autoscale_profile,) if isinstance(autoscale_profile, AutoscaleProfile) else tuple(autoscale_profile)
        check(1 <= len(profiles) <= 20, "autoscale_profile", len(profiles), "an autoscale setting has 1 to 20 profiles")
        for profile in profiles:
            check(
                isinstance(profile, AutoscaleProfile),
                "autoscale_profile",
                type(profile).__name__,
                "must be azrm.AutoscaleProfile objects (azrm.new_autoscale_profile)",
            )
        names = [p.name.lower() for p in profiles]
        check(len(names) == len(set(names)), "autoscale_profile", names, "profile names are unique")
        defaults = [p.name for p in profiles if p.fixed_date is None and p.recurrence is None]
        check(len(defaults) <= 1, "autoscale_profile", defaults, "one profile at most has no date or schedule")
        target = resource_ref(target_resource_id, "target_resource_id")
        body = {
            "location": self._location(location),
            "tags": tag_body(tags),
            "properties": {
                "enabled": not disable_setting,
                "targetResourceUri": target,
                "profiles": [p.to_body() for p in profiles],
                "notifications": [dict(n) for n in notification],
            },
        }
        return self._run(
            f"Creating autoscale setting {name}",
            lambda: self.monitor_client.autoscale_settings.create_or_update(resource_group_name, name, body),
        )

    def get_autoscale_setting(self, resource_group_name: str, name: str | None = None) -> Any:
        """Get an autoscale setting, or list a group's (``Get-AzAutoscaleSetting``)."""
        settings = self.monitor_client.autoscale_settings
        if name is None:
            return list(settings.list_by_resource_group(resource_group_name))
        return settings.get(resource_group_name, name)

    def remove_autoscale_setting(self, resource_group_name: str, name: str) -> None:
        """Delete an autoscale setting (``Remove-AzAutoscaleSetting``); fine when already gone."""
        self.monitor_client.autoscale_settings.delete(resource_group_name, name)

    def get_autoscale_history(
        self,
        *,
        start_time: datetime.datetime | None = None,
        end_time: datetime.datetime | None = None,
        resource_group_name: str | None = None,
        resource_id: Any = None,
    ) -> list[Any]:
        """Autoscale's actions from the activity log, newest first (``Get-AzAutoscaleHistory``).

        Each is an ``EventData``; ``properties`` holds ``OldInstancesCount``, ``NewInstancesCount`` and
        the reason. By default the last seven days.

        :keyword resource_id: an autoscale setting's id (or model) to narrow to.
        """
        start = start_time or (end_time or datetime.datetime.now(datetime.timezone.utc)) - datetime.timedelta(days=7)
        terms = [f"eventTimestamp ge '{start.isoformat()}'", "resourceProvider eq 'Microsoft.Insights'"]
        if end_time is not None:
            check(start <= end_time, "start_time", start, f"must not be after end_time ({end_time})")
            terms.append(f"eventTimestamp le '{end_time.isoformat()}'")
        if resource_group_name:
            terms.append(f"resourceGroupName eq '{resource_group_name}'")
        if resource_id is not None:
            terms.append(f"resourceUri eq '{resource_ref(resource_id, 'resource_id')}'")
        events = self.monitor_client.activity_logs.list(" and ".join(terms))
        return [e for e in events if str(e.category.value if e.category else "").lower() == "autoscale"]
