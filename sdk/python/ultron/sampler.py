"""Custom samplers in Python, served over Ultron's sampler protocol (NATS JetStream, ARCHITECTURE §5).

    from ultron.sampler import Sampler, serve

    class MySampler(Sampler):
        def update(self, configs, scores): ...        # finished trials since the last call
        def sample(self, n, space, context): ...      # -> n param dicts, one per context.indices

    serve("my-sampler", MySampler, servers="nats://nats.ultron-system:4222")   # blocks; SIGTERM drains

A job uses it with `sampler: {name: my-sampler}`. Every replica of the process shares the durable pull
consumer `ultron-sampler-<name>` on ULTRON_SUGGEST, so any replica serves any request; per job it keeps
one sampler instance (a bounded LRU) fed by replaying `ultron.obs.<job uid>`. Needs nats-py:
`pip install "ultron-sdk[sampler]"`; the rest of the SDK stays standard-library only.
"""

import asyncio
import concurrent.futures
import logging
import os
import signal
import threading
from typing import Any, Callable, Dict, Optional, Tuple, Union

from . import _protocol as protocol
from ._engine import Context, Handler, InvalidSettings, Reply, Sampler, SamplerError, SpaceExhausted
from ._space import Config, InvalidConfig, Space

__all__ = [
    "Sampler",
    "Context",
    "Space",
    "Config",
    "InvalidConfig",
    "SamplerError",
    "InvalidSettings",
    "SpaceExhausted",
    "SamplerServer",
    "serve",
]

log = logging.getLogger("ultron.sampler")

# JetStream API error codes (nats-server's JSErrCodes) that are about a missing stream, not a message.
_STREAM_NOT_FOUND = 10059


def _nats() -> Any:
    try:
        import nats  # noqa: F401
        import nats.aio.client  # noqa: F401
        import nats.js.api  # noqa: F401
        import nats.js.errors  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            'ultron.sampler needs nats-py: pip install "ultron-sdk[sampler]" (or nats-py)'
        ) from e
    return nats


class SamplerServer:
    """Serves one sampler name until stop(); run() once per instance. `serve()` is this plus signal
    handling; use the class to embed a sampler in another program or to run it in a thread."""

    def __init__(
        self,
        name: str,
        sampler: Callable[[], Sampler],
        servers: Union[str, list, None] = None,
        *,
        max_jobs: int = 100,
        ack_wait: float = 30.0,
        fetch_timeout: float = 2.0,
        connect_options: Optional[Dict[str, Any]] = None,
    ):
        self.name = name
        # ULTRON_NATS_URL is the name the operator's own config uses (manifests/base/config.yaml).
        self.servers = (
            servers
            or os.environ.get("ULTRON_NATS_URL")
            or os.environ.get("NATS_URL")
            or "nats://127.0.0.1:4222"
        )
        self.ack_wait = ack_wait
        self.fetch_timeout = fetch_timeout
        self._connect_options = connect_options or {}
        # The Handler checks the name; user code runs on one worker thread, so a slow sample() neither
        # blocks the connection (PINGs, in-progress acks) nor runs concurrently with itself.
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"sampler-{name}"
        )
        self.handler = Handler(name, sampler, self._read_observation, max_jobs=max_jobs, run=self._run_user)
        self.ready = threading.Event()
        """Set once the consumer is bound and requests are being pulled."""
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stopping: Optional[asyncio.Event] = None
        self._stop_requested = False
        self._closing = False
        self._js: Any = None
        self._ack_wait = ack_wait

    def stop(self) -> None:
        """Finish the request in hand, answer and ack it, then close. Safe from any thread or a signal."""
        self._stop_requested = True
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)

    async def run(self) -> None:
        nats = _nats()
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        if self._stop_requested:
            self._stopping.set()
        nc = await self._connect(nats)
        if nc is None:
            self._pool.shutdown(wait=False)
            log.info("sampler %s: stopped before connecting", self.name)
            return
        sub = None
        try:
            self._js = nc.jetstream()
            while not self._stopping.is_set():
                if sub is None:
                    sub = await self._bind(nats)
                    if sub is None:
                        break
                    self.ready.set()
                    log.info(
                        "sampler %s: serving %s (consumer %s on %s)",
                        self.name,
                        protocol.suggest_subject(self.name),
                        protocol.sampler_consumer_name(self.name),
                        protocol.SUGGEST_STREAM,
                    )
                try:
                    msgs = await sub.fetch(1, timeout=self.fetch_timeout)
                except nats.errors.TimeoutError:
                    continue
                except (nats.errors.Error, OSError) as e:
                    # A lost connection (nats-py reconnects by itself) or a deleted consumer: bind again.
                    log.warning("sampler %s: pulling requests failed (%s); retrying", self.name, e)
                    await self._sleep(1.0)
                    sub = await self._unbind(sub)
                    continue
                for msg in msgs:
                    try:
                        await self._process(msg)
                    except Exception:
                        log.exception(
                            "sampler %s: handling a request failed; it will be delivered again", self.name
                        )
                        await _quietly(msg.nak(delay=1.0))
        finally:
            self.ready.clear()
            self._closing = True
            # Every answer and ack was awaited, so nothing is left to drain. Not nc.drain(): with a pull
            # subscription it can wait its whole timeout (fetch reads status messages without task_done,
            # and drain joins the subscription's queue).
            if sub is not None:
                await _quietly(sub.unsubscribe())
            await _quietly(nc.flush(timeout=2))
            await _quietly(nc.close())
            self._pool.shutdown(wait=False)
            log.info("sampler %s: stopped", self.name)

    # -- NATS ----------------------------------------------------------------------------------------

    async def _connect(self, nats: Any) -> Any:
        async def on_error(e: Exception) -> None:
            log.warning("sampler %s: NATS: %s", self.name, e)

        async def on_disconnected() -> None:
            if not self._closing:  # close() reports a disconnection too
                log.warning("sampler %s: disconnected from NATS; reconnecting", self.name)

        async def on_reconnected() -> None:
            log.info("sampler %s: reconnected to NATS", self.name)

        options: Dict[str, Any] = {
            "name": protocol.sampler_consumer_name(self.name),
            "max_reconnect_attempts": -1,  # a service: never give up after the first connection
            "error_cb": on_error,
            "disconnected_cb": on_disconnected,
            "reconnected_cb": on_reconnected,
        }
        options.update(self._connect_options)
        delay = 0.5
        while True:
            nc = nats.aio.client.Client()
            connecting = asyncio.ensure_future(nc.connect(self.servers, **options))
            stopping = asyncio.ensure_future(self._stopping.wait())
            await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not connecting.done():
                # With max_reconnect_attempts=-1 nats-py retries the first connection forever too (pods
                # start in any order, so that is wanted), and only cancelling it lets SIGTERM end us.
                connecting.cancel()
                await asyncio.gather(connecting, return_exceptions=True)
                await _quietly(nc.close())
                return None
            if connecting.exception() is None:
                return nc
            log.warning(
                "sampler %s: cannot connect to %s (%s); retrying in %.0fs",
                self.name,
                self.servers,
                connecting.exception(),
                delay,
            )
            if await self._sleep(delay):
                return None
            delay = min(delay * 2, 10.0)

    async def _bind(self, nats: Any) -> Any:
        """The shared durable consumer, created if missing (replicas racing to create it is fine: the
        server accepts a create with the same config). None when stopped while waiting for the stream."""
        api, errors = nats.js.api, nats.js.errors
        durable = protocol.sampler_consumer_name(self.name)
        subject = protocol.suggest_subject(self.name)
        while True:
            try:
                try:
                    info = await self._js.consumer_info(protocol.SUGGEST_STREAM, durable)
                    filters = info.config.filter_subjects or [info.config.filter_subject]
                    if filters != [subject]:
                        log.warning(
                            "sampler %s: consumer %s filters %s, not %s", self.name, durable, filters, subject
                        )
                    # Someone else created it: keep its redelivery delay in mind for the in-progress acks.
                    self._ack_wait = info.config.ack_wait or self.ack_wait
                except errors.NotFoundError as e:
                    if e.err_code == _STREAM_NOT_FOUND:
                        raise
                    # The settings operator/bus/consume.ts gives its durables (consumerConfig).
                    config = api.ConsumerConfig(
                        name=durable,
                        durable_name=durable,
                        filter_subjects=[subject],
                        deliver_policy=api.DeliverPolicy.ALL,
                        ack_policy=api.AckPolicy.EXPLICIT,
                        ack_wait=self.ack_wait,
                        max_deliver=-1,
                    )
                    await self._js.add_consumer(protocol.SUGGEST_STREAM, config=config)
                    self._ack_wait = self.ack_wait
                return await self._js.pull_subscribe_bind(durable=durable, stream=protocol.SUGGEST_STREAM)
            except errors.NotFoundError as e:
                log.warning(
                    "sampler %s: stream %s is not there yet (the operator creates it): %s",
                    self.name,
                    protocol.SUGGEST_STREAM,
                    e,
                )
            except (nats.errors.Error, OSError) as e:
                log.warning("sampler %s: binding consumer %s failed (%s); retrying", self.name, durable, e)
            if await self._sleep(2.0):
                return None

    async def _unbind(self, sub: Any) -> Any:
        try:
            await sub.unsubscribe()
        except Exception:
            pass
        return None  # the loop binds again

    async def _read_observation(self, uid: str, from_seq: int) -> Optional[Tuple[int, bytes]]:
        # One direct lookup per message ("next message on this subject at or after seq"): no consumer to
        # create or clean up, and it stops exactly at the end. A cached job reads only what is new.
        errors = _nats().js.errors
        try:
            m = await self._js.get_msg(
                protocol.OBSERVATIONS_STREAM,
                seq=from_seq,
                subject=protocol.observations_subject(uid),
                next=True,
            )
        except errors.NotFoundError as e:
            if e.err_code == _STREAM_NOT_FOUND:
                raise
            return None
        return int(m.seq), m.data or b""

    async def _process(self, msg: Any) -> None:
        keep_alive = asyncio.ensure_future(self._in_progress(msg))
        try:
            reply = await self.handler.handle(msg.data)
        finally:
            keep_alive.cancel()
        if reply is None:
            await _quietly(msg.term())  # unreadable: redelivering it would not help
            return
        if not await self._publish(reply):
            await _quietly(msg.nak(delay=1.0))  # not answered: let a replica (maybe this one) try again
            return
        # Only now: a sampler that dies before this leaves the request to be delivered again, and the
        # repeated answer is dropped by the answer's Nats-Msg-Id.
        try:
            await msg.ack_sync(timeout=5.0)
        except Exception as e:
            log.warning(
                "sampler %s: ack of request failed (%s); a redelivery is answered again and deduplicated",
                self.name,
                e,
            )

    async def _publish(self, reply: Reply) -> bool:
        try:
            ack = await self._js.publish(
                reply.subject, protocol.encode(reply.message), headers={"Nats-Msg-Id": reply.msg_id}
            )
        except Exception as e:
            log.warning("sampler %s: publishing %s failed: %s", self.name, reply.msg_id, e)
            return False
        if ack.duplicate:
            log.info("sampler %s: %s was already published (a redelivered request)", self.name, reply.msg_id)
        return True

    async def _in_progress(self, msg: Any) -> None:
        # Tells the server the request is still being worked on, so a slow sample() is not redelivered.
        while True:
            await asyncio.sleep(max(0.5, self._ack_wait / 3))
            await _quietly(msg.in_progress())

    async def _run_user(self, fn: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    async def _sleep(self, seconds: float) -> bool:
        """Waits, or less when stopped; True when stopping."""
        assert self._stopping is not None
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except asyncio.TimeoutError:
            pass
        return self._stopping.is_set()


async def _quietly(coro: Any) -> None:
    try:
        await coro
    except Exception as e:
        log.debug("ignored: %s", e)


def serve(
    name: str,
    sampler: Callable[[], Sampler],
    servers: Union[str, list, None] = None,
    **options: Any,
) -> None:
    """Serves `sampler` (a Sampler subclass, or any callable returning a new instance) as the custom
    sampler `name` until SIGTERM or SIGINT; then it finishes the request in hand and returns.

    servers: NATS URL(s); default $ULTRON_NATS_URL, else $NATS_URL, else nats://127.0.0.1:4222.
    Options: max_jobs (jobs whose sampler instance is kept, least recently used evicted; default 100),
    ack_wait (seconds, for a consumer it creates), fetch_timeout, connect_options (to nats.connect).
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = SamplerServer(name, sampler, servers, **options)

    async def main() -> None:
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, server.stop)
        await server.run()

    asyncio.run(main())
