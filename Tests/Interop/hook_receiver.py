#!/usr/bin/env python3
"""A local HTTP receiver for the hook tests: 127.0.0.1:PORT, one JSON line per request appended to FILE.

  hook_receiver.py PORT FILE    -> prints {"listening": PORT}, then records every POST as
                                   {"path", "content_type", "title", "priority", "body"} and answers 200.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def main():
    port, path = int(sys.argv[1]), sys.argv[2]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with open(path, "a") as out:
                out.write(json.dumps({
                    "path": self.path, "content_type": self.headers.get("Content-Type"),
                    "title": self.headers.get("Title"), "priority": self.headers.get("Priority"),
                    "body": body.decode("utf-8", "replace")}) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", port), Handler)
    print(json.dumps({"listening": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
