#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""examples/echo_asyncio.py — the echo server written with Python's asyncio.

    python3 echo_asyncio.py [--port P] [--exit-after N]

Same contract as epollscope-echo-server: listens on 127.0.0.1 only, prints
"listening on 127.0.0.1:PORT", echoes every byte, ends (exit 0) after N closed
connections or on SIGINT / SIGTERM.

No epoll call is written here, yet this is an epoll program: on Linux asyncio's
event loop is a selectors.EpollSelector, and each `await` below is a place
where the loop goes back to epoll_wait. Tracing it shows the calls asyncio
makes for us: the listener and each connection registered level-triggered
(EPOLL_CTL_ADD, without EPOLLET), EPOLL_CTL_MOD to add EPOLLOUT only while a
write is waiting, EPOLL_CTL_DEL before a close.
"""

import argparse
import asyncio
import os
import signal
import sys


async def serve(port, exit_after):
    done = asyncio.Event()
    closed = 0

    async def echo(reader, writer):
        nonlocal closed
        try:
            # read() returns b"" at EOF: the client closed or shut down its side.
            while data := await reader.read(65536):
                writer.write(data)
                # drain() waits while the socket's buffer is full (asyncio then
                # watches it for EPOLLOUT): the server reads no faster than the
                # client takes the echo back.
                await writer.drain()
        except ConnectionError:
            pass  # ECONNRESET, EPIPE: the client reset the connection
        finally:
            writer.close()
            closed += 1
            if exit_after and closed >= exit_after:
                done.set()

    try:
        server = await asyncio.start_server(echo, "127.0.0.1", port,
                                            reuse_address=True)
    except OSError as e:
        why = os.strerror(e.errno) if e.errno else str(e)
        print(f"echo_asyncio.py: cannot bind 127.0.0.1:{port}: {why}",
              file=sys.stderr)
        return 1
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, done.set)
    bound = server.sockets[0].getsockname()[1]
    print(f"listening on 127.0.0.1:{bound}", flush=True)
    await done.wait()
    server.close()
    print(f"echo_asyncio.py: {closed} connections closed", file=sys.stderr)
    return 0


def main():
    parser = argparse.ArgumentParser(
        description="asyncio echo server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0,
                        help="port on 127.0.0.1 (0: the kernel chooses)")
    parser.add_argument("--exit-after", type=int, default=0, metavar="N",
                        help="exit after N connections were closed")
    args = parser.parse_args()  # an unknown flag: usage, exit 2
    if not 0 <= args.port <= 65535 or args.exit_after < 0:
        parser.error("--port is 0 to 65535, --exit-after at least 0")
    sys.exit(asyncio.run(serve(args.port, args.exit_after)))


if __name__ == "__main__":
    main()
