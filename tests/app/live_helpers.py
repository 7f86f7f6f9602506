"""Running the live server in a thread for tests."""

import asyncio
import threading


def start_server(server, tls=None):
    """Run the server on a free loopback port in a thread (over TLS with an SSLContext); returns (port, stop)."""
    loop, ready, box = asyncio.new_event_loop(), threading.Event(), {}

    async def main():
        box["stop"] = asyncio.get_running_loop().create_future()
        async with server.serve("127.0.0.1", 0, tls) as ws_server:
            box["port"] = ws_server.sockets[0].getsockname()[1]
            ready.set()
            await box["stop"]

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10)

    def stop():
        loop.call_soon_threadsafe(box["stop"].set_result, None)
        thread.join(10)

    return box["port"], stop
