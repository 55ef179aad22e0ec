"""moto's server, answering one request at a time.

moto is not thread-safe where DynamoDB is atomic: a TransactWriteItems that fails restores a copy
of every table it took when it began, undoing whatever another request committed meanwhile (two
concurrent bookings for the last seat can lose the winner's event). Serialising requests makes each
call atomic, as it is on AWS. Tests only poll (SQS WaitTimeSeconds=0), so nothing holds the lock
waiting.

Usage: python moto_server.py -H 127.0.0.1 -p PORT
"""

import argparse
import os
import threading

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


class OneAtATime:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            body = self.app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        OneAtATime(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
