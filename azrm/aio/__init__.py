"""azrm.aio: the same cmdlets as coroutines, for code that already lives in asyncio (services, notebooks).

::

    import asyncio
    import azrm.aio

    async def main():
        async with azrm.aio.local() as az:            # azrm.aio.connect() for Azure
            rg = await az.new_resource_group("KNRGTest01", "westeurope")
            ips = await asyncio.gather(
                *(az.new_public_ip_address(rg.name, f"ip{i}", location=rg.location) for i in range(10))
            )

The names are :mod:`azrm`'s (``azrm.aio.Session`` mirrors ``azrm.Session``, as the Azure SDK's
``aio`` packages mirror theirs); ``AsyncSession`` and ``AsyncLocalSession`` name the same classes.
``import azrm.aio`` imports neither the Azure SDK nor aiohttp: the SDK comes with the first cmdlet
or client, aiohttp with the first aio client sending over HTTP (``pip install 'azrm[aio]'``).
"""

from __future__ import annotations

from ._session import LocalSession, Session, connect, local

AsyncSession = Session
AsyncLocalSession = LocalSession

__all__ = ["AsyncLocalSession", "AsyncSession", "LocalSession", "Session", "connect", "local"]
