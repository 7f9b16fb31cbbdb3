"""The portal's calls to the services: one grpc.aio channel per service, the portal's own
system token, and the metadata that makes a public call the citizen's.

grpc.aio rather than the sync stubs in a thread pool: the pages are async (Starlette), and a
page waiting on a service then holds no thread; a slow service cannot exhaust a pool and stall
every other page. Channels are made inside the running event loop (the app's lifespan).
"""
from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import grpc
from lianxin.balloting.v1 import balloting_pb2_grpc
from lianxin.evaluation.v1 import evaluation_pb2_grpc
from lianxin.identity.v1 import identity_pb2_grpc
from lianxin.liaison.v1 import liaison_pb2_grpc
from lianxin.roster.v1 import roster_pb2_grpc
from lianxin.supervision.v1 import supervision_pb2_grpc

from portal.settings import PortalSettings
from shared.auth import issue_token
from shared.rpc.ratelimit import CLIENT_ADDRESS_HEADER, DEVICE_HEADER

TOKEN_TTL = timedelta(hours=1)
MAX_MESSAGE = 32 * 1024 * 1024   # bytes of one call or answer, as the services' own limit


# How often the token file is looked at for a replacement (one stat call).
TOKEN_FILE_CHECK = 10.0


def mint_system_token(settings: PortalSettings) -> str:
    """The portal's own credentials: a system token of its home region whose subject the
    services list in trusted_forwarders. The one place the portal gets a token: identity signs
    it (EdDSA, ``portal_token_file``), or in development it is HS256 from the shared secret."""
    if settings.portal_token_file:
        token = Path(settings.portal_token_file).read_text(encoding="utf-8").strip()
        if not token:
            raise ValueError(f"portal_token_file {settings.portal_token_file} is empty")
        return token
    return issue_token(settings.jwt_secret, subject=settings.portal_subject, role="system",
                       region=settings.home_region, ttl=TOKEN_TTL)


class SystemToken:
    """The current system token: a minted one again once half its lifetime has passed; one
    from the token file again when the file changes (checked every TOKEN_FILE_CHECK s)."""

    def __init__(self, settings: PortalSettings, *, clock=time.monotonic):
        self.settings, self.clock = settings, clock
        self._token, self._renew_at, self._stamp = "", 0.0, (0, 0)

    def current(self) -> str:
        now = self.clock()
        if now < self._renew_at:
            return self._token
        file = self.settings.portal_token_file
        if file:
            st = os.stat(file)
            if (st.st_mtime_ns, st.st_size) != self._stamp or not self._token:
                self._token, self._stamp = mint_system_token(self.settings), (st.st_mtime_ns, st.st_size)
            self._renew_at = now + TOKEN_FILE_CHECK
        else:
            self._token = mint_system_token(self.settings)
            self._renew_at = now + TOKEN_TTL.total_seconds() / 2
        return self._token


@dataclass(frozen=True)
class Citizen:
    """Who a public call is for: the client's address and the portal's device cookie."""
    address: str
    device: str


class Backends:
    """The stubs the pages call, and the metadata of a call made for a citizen."""

    def __init__(self, settings: PortalSettings):
        self.settings = settings
        self.token = SystemToken(settings)
        self.timeout = settings.portal_call_timeout
        self._channels: list[grpc.aio.Channel] = []
        self.roster = roster_pb2_grpc.RosterServiceStub(self._channel("roster"))
        self.liaison = liaison_pb2_grpc.LiaisonServiceStub(self._channel("liaison"))
        self.identity = identity_pb2_grpc.IdentityServiceStub(self._channel("identity"))
        self.balloting = balloting_pb2_grpc.BallotingServiceStub(self._channel("balloting"))
        self.evaluation = evaluation_pb2_grpc.EvaluationServiceStub(self._channel("evaluation"))
        self.supervision = supervision_pb2_grpc.SupervisionServiceStub(self._channel("supervision"))

    def _channel(self, service: str) -> grpc.aio.Channel:
        # A roster export or a register's sheet can exceed gRPC's 4 MiB default answer; the
        # services accept 32 MiB requests (an import), and their answers are held to the same.
        channel = grpc.aio.insecure_channel(self.settings.backend(service), options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE), ("grpc.max_send_message_length", MAX_MESSAGE)])
        self._channels.append(channel)
        return channel

    def for_citizen(self, citizen: Citizen) -> Sequence[tuple[str, str]]:
        """Metadata of a public call made on a citizen's behalf: the services limit the
        citizen's address and device, not the portal's."""
        md = [("authorization", f"Bearer {self.token.current()}"),
              (CLIENT_ADDRESS_HEADER, citizen.address)]
        if citizen.device:
            md.append((DEVICE_HEADER, citizen.device))
        return md

    @staticmethod
    def for_user(access_token: str) -> Sequence[tuple[str, str]]:
        """Metadata of a call made by a signed-in user: their own access token (the services
        check their role and region in it, not the portal's)."""
        return [("authorization", f"Bearer {access_token}")]

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()
