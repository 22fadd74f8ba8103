#!/usr/bin/env python3
"""A small SOCKS5 proxy for the proxy tests (RFC 1928, CONNECT only, no authentication), written here so
that the test needs no package: it listens on 127.0.0.1:--port, prints "listening", then appends one
JSON line per connection to --log: {"host": ..., "port": ...} as the client asked for it (a name stays a
name: the client resolved nothing). --map NAME=ADDRESS resolves NAME (say, an .onion name) to ADDRESS the
way Tor would reach a hidden service; every other name is refused, so that a test sees which names were
asked. It only ever connects to 127.0.0.1 or to the --map addresses."""
import argparse
import asyncio
import ipaddress
import json
import struct
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


class Proxy:
    def __init__(self, log_path, names):
        self.log_path = log_path
        self.names = names

    def record(self, host, port, outcome):
        with open(self.log_path, "a") as log:
            log.write(json.dumps({"host": host, "port": port, "outcome": outcome}) + "\n")

    async def serve(self, reader, writer):
        try:
            version, count = await reader.readexactly(2)
            methods = await reader.readexactly(count)
            if version != 5 or 0 not in methods:
                writer.write(b"\x05\xff")
                return
            writer.write(b"\x05\x00")
            version, command, _, kind = await reader.readexactly(4)
            if kind == 1:
                host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
            elif kind == 3:
                length = (await reader.readexactly(1))[0]
                host = (await reader.readexactly(length)).decode()
            elif kind == 4:
                host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
            else:
                writer.write(b"\x05\x08\x00\x01" + bytes(6))
                return
            port = struct.unpack(">H", await reader.readexactly(2))[0]
            target = self.names.get(host.lower(), host if host in ("127.0.0.1", "::1") else None)
            if command != 1 or target is None:
                self.record(host, port, "refused")
                writer.write(b"\x05\x04\x00\x01" + bytes(6))  # host unreachable
                return
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(target, port)
            except OSError:
                self.record(host, port, "unreachable")
                writer.write(b"\x05\x05\x00\x01" + bytes(6))  # connection refused
                return
            self.record(host, port, "connected")
            writer.write(b"\x05\x00\x00\x01" + bytes(6))
            await writer.drain()
            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--map", action="append", default=[], help="NAME=ADDRESS")
    args = parser.parse_args()
    names = dict(entry.lower().split("=", 1) for entry in args.map)
    for address in names.values():
        if address not in ("127.0.0.1", "::1"):
            sys.exit("socks_proxy: --map goes to 127.0.0.1 or ::1 only")
    proxy = Proxy(args.log, names)
    server = await asyncio.start_server(proxy.serve, "127.0.0.1", args.port)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
