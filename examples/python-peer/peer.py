#!/usr/bin/env python3
"""A small sumnet peer in Python (standard library only).

It implements PEER-CONTRACT.md (environment variables, HTTP control API, start and stop) and the wire protocol
sumnet/1 from PROTOCOL.md, so it can share a network with sumnet's reference peers.

The idea in one paragraph: every number has an identity (origin, seq). An origin is "<NODE_ID>@<incarnation>":
numbers from NUMBERS use the incarnation "init" and seq = their position, so a restarted peer contributes them
again under the same identity and nobody counts them twice; POSTed numbers use a fresh incarnation per start.
A peer pushes new numbers to its links, forwards what it learns, and regularly sends a digest (the seq ranges it
knows per origin); whoever receives a digest answers with the numbers the other side lacks (anti-entropy). The
total is the sum of every distinct (origin, seq) known.
"""

import json
import os
import queue
import random
import re
import signal
import socket
import string
import sys
import threading
import time
from bisect import bisect_right
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROTOCOL = "sumnet/1"
MAX_FRAME = 1024 * 1024  # bytes; a bigger frame closes the link
MAX_BODY = 1024 * 1024  # bytes; a bigger HTTP body gets 413
MAX_DIGITS = 1000
CHUNK = 512 * 1024  # split outgoing NUMBERS frames well under MAX_FRAME
SYNC_INTERVAL = 1.0  # seconds between digests on every link
IDLE_TIMEOUT = 20.0  # seconds without a byte from a peer (it sends a digest every second) before we drop it
BACKOFF_START, BACKOFF_CAP = 0.1, 2.0

NODE_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
INTEGER_RE = re.compile(r"^-?[0-9]+$")
ORIGIN_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}@[A-Za-z0-9._-]{1,64}$")


def log(message):
    print(message, flush=True)


def fail_config(message):
    print(f"configuration error: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


# ---------------------------------------------------------------- configuration

def read_config(env):
    node_id = env.get("NODE_ID", "")
    if not NODE_ID_RE.match(node_id):
        fail_config(f"NODE_ID={node_id!r}: expected 1-64 letters, digits, '.', '_' or '-'")

    def port(name, default):
        raw = env.get(name, str(default))
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            fail_config(f"{name}={raw!r}: expected a port number 1-65535")
        return int(raw)

    peers = []
    for item in filter(None, (p.strip() for p in env.get("PEERS", "").split(","))):
        host, sep, p = item.rpartition(":")
        if not sep or not host or not p.isdigit():
            fail_config(f"PEERS entry {item!r}: expected host:port")
        peers.append((host, int(p)))

    numbers = []
    for i, item in enumerate(filter(None, (n.strip() for n in env.get("NUMBERS", "").split(","))), start=1):
        value = parse_integer(item)
        if value is None:
            fail_config(f"NUMBERS entry {i} {item!r}: expected an integer of at most {MAX_DIGITS} digits")
        numbers.append(value)

    return {
        "node_id": node_id,
        "p2p_host": env.get("P2P_HOST", "0.0.0.0") or "0.0.0.0",
        "p2p_port": port("P2P_PORT", 7000),
        "http_port": port("HTTP_PORT", 8080),
        "peers": peers,
        "numbers": numbers,
        "data_dir": env.get("DATA_DIR") or None,
    }


def parse_integer(raw):
    """An integer from a JSON value or a decimal string, or None when it is not one we accept."""
    if isinstance(raw, bool):  # bool is an int subclass in Python; true is not a number
        return None
    if isinstance(raw, int):
        return raw if len(str(abs(raw))) <= MAX_DIGITS else None
    if isinstance(raw, str) and INTEGER_RE.match(raw) and len(raw.lstrip("-")) <= MAX_DIGITS:
        return int(raw)
    return None


# ---------------------------------------------------------------- what this peer knows

class Replica:
    """Every number known, by origin and seq; the total; the durable log when DATA_DIR is set."""

    def __init__(self, node_id, data_dir):
        self.node_id = node_id
        self.lock = threading.Lock()
        self.by_origin = {}  # origin -> {seq: value}
        self.sorted_seqs = {}  # origin -> sorted list of seqs (for digests)
        self.total = 0
        self.count = 0
        self.incarnation = "".join(random.SystemRandom().choice(string.ascii_lowercase + string.digits)
                                   for _ in range(8))
        self.origin = f"{node_id}@{self.incarnation}"
        self.next_seq = 1
        self.log_file = None
        if data_dir:
            os.makedirs(data_dir, exist_ok=True)
            path = os.path.join(data_dir, "numbers.jsonl")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    for line in f:
                        try:
                            n = json.loads(line)
                            self._add(n["origin"], int(n["seq"]), int(n["value"]))
                        except (ValueError, KeyError, TypeError):
                            pass  # a line cut short by a kill: it was never acknowledged
            self.log_file = open(path, "a", encoding="utf-8")

    def _add(self, origin, seq, value):
        known = self.by_origin.setdefault(origin, {})
        if seq in known:
            return False
        known[seq] = value
        seqs = self.sorted_seqs.setdefault(origin, [])
        if not seqs or seq > seqs[-1]:
            seqs.append(seq)
        else:
            seqs.insert(bisect_right(seqs, seq), seq)
        self.total += value
        self.count += 1
        return True

    def merge(self, numbers, durable=False):
        """Adds (origin, seq, value) triples; returns the ones that were new."""
        with self.lock:
            new = [n for n in numbers if self._add(*n)]
            if new and self.log_file:
                for origin, seq, value in new:
                    self.log_file.write(json.dumps({"origin": origin, "seq": seq, "value": str(value)}) + "\n")
                self.log_file.flush()
                if durable:
                    os.fsync(self.log_file.fileno())
            return new

    def add_local(self, values):
        with self.lock:
            numbers = []
            for value in values:
                numbers.append((self.origin, self.next_seq, value))
                self.next_seq += 1
        return self.merge(numbers, durable=True)

    def snapshot(self):
        with self.lock:
            return self.total, self.count

    def digest(self):
        with self.lock:
            return {origin: ranges(seqs) for origin, seqs in self.sorted_seqs.items()}

    def missing_from(self, have):
        """The numbers we know that a peer whose digest is `have` lacks."""
        out = []
        with self.lock:
            for origin, known in self.by_origin.items():
                spans = have.get(origin, [])
                starts = [lo for lo, _ in spans]
                for seq, value in known.items():
                    i = bisect_right(starts, seq) - 1
                    if i < 0 or seq > spans[i][1]:
                        out.append((origin, seq, value))
        return out


def ranges(sorted_seqs):
    out = []
    for seq in sorted_seqs:
        if out and seq == out[-1][1] + 1:
            out[-1][1] = seq
        else:
            out.append([seq, seq])
    return out


# ---------------------------------------------------------------- wire protocol sumnet/1

class ProtocolError(Exception):
    pass


def encode(message):
    return json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\x04"


def numbers_frames(numbers):
    """NUMBERS messages for (origin, seq, value) triples, each frame well under 1 MiB."""
    batch, size = [], 0
    for origin, seq, value in numbers:
        item = {"origin": origin, "seq": seq, "value": str(value)}
        item_size = len(origin) + len(item["value"]) + 48
        if batch and size + item_size > CHUNK:
            yield {"type": "numbers", "numbers": batch}
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield {"type": "numbers", "numbers": batch}


def parse_message(payload):
    try:
        message = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError(f"invalid frame: {error}")
    if not isinstance(message, dict):
        raise ProtocolError("a frame must hold a JSON object")
    kind = message.get("type")
    if kind == "hello":
        if message.get("protocol") != PROTOCOL or not isinstance(message.get("node"), str):
            raise ProtocolError(f"hello: expected protocol {PROTOCOL} and a node id, got {message}")
    elif kind == "digest":
        have = message.get("have")
        if not isinstance(have, dict):
            raise ProtocolError("digest: 'have' must be an object")
        for origin, spans in have.items():
            if not isinstance(spans, list) or not all(
                    isinstance(s, list) and len(s) == 2 and all(type(x) is int and x >= 1 for x in s) and s[0] <= s[1]
                    for s in spans):
                raise ProtocolError(f"digest: ranges of {origin!r} must be [[lo, hi], ...] with 1 <= lo <= hi")
        # sorted, so that missing_from can binary-search them
        message["have"] = {origin: sorted(spans) for origin, spans in have.items()}
    elif kind == "numbers":
        items = message.get("numbers")
        if not isinstance(items, list):
            raise ProtocolError("numbers: 'numbers' must be a list")
        parsed = []
        for item in items:
            if not (isinstance(item, dict) and isinstance(item.get("origin"), str) and ORIGIN_RE.match(item["origin"])
                    and type(item.get("seq")) is int and item["seq"] >= 1 and isinstance(item.get("value"), str)):
                raise ProtocolError(f"numbers: bad entry {item!r}")
            value = parse_integer(item["value"])
            if value is None:
                raise ProtocolError(f"numbers: value of {item['origin']}:{item['seq']} is not an integer")
            parsed.append((item["origin"], item["seq"], value))
        message["parsed"] = parsed
    else:
        raise ProtocolError(f"unknown message type {kind!r}")
    return message


class Link:
    """One TCP connection to another peer, after the handshake. A reader thread and a writer thread."""

    def __init__(self, peer, sock, address, direction, buffered=b""):
        self.peer = peer  # the Peer this process runs
        self.sock = sock
        self.address = address
        self.direction = direction
        self.remote_id = None
        self.outbox = queue.Queue()
        self.closed = threading.Event()
        self.buffer = buffered
        self.frames_sent = self.frames_received = self.bytes_sent = self.bytes_received = 0

    def send(self, message):
        if not self.closed.is_set():
            self.outbox.put(message)

    def push(self, numbers):
        for frame in numbers_frames(numbers):
            self.send(frame)

    def close(self):
        if not self.closed.is_set():
            self.closed.set()
            self.outbox.put(None)
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()

    def write_loop(self):
        while True:
            message = self.outbox.get()
            if message is None or self.closed.is_set():
                return
            data = encode(message)
            try:
                self.sock.sendall(data)
                self.frames_sent += 1
                self.bytes_sent += len(data)
            except OSError:
                self.close()
                return

    def read_frames(self):
        """Yields each frame's payload until the connection ends."""
        self.sock.settimeout(IDLE_TIMEOUT)
        while True:
            while b"\x04" in self.buffer:
                payload, self.buffer = self.buffer.split(b"\x04", 1)
                if len(payload) > MAX_FRAME:
                    raise ProtocolError("frame over 1 MiB")
                self.frames_received += 1
                yield payload
            if len(self.buffer) > MAX_FRAME:
                raise ProtocolError("frame over 1 MiB")
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            self.bytes_received += len(chunk)
            self.buffer += chunk

    def run(self, first_frame_sent_by_us):
        """Runs the link until it closes. The dialer has already sent hello; the acceptor answers it."""
        writer = threading.Thread(target=self.write_loop, daemon=True)
        writer.start()
        reason = "closed by peer"
        try:
            frames = self.read_frames()
            if not first_frame_sent_by_us:
                first = next(frames, None)
                if first is None:
                    return
                self.on_message(parse_message(first))
            for payload in frames:
                self.on_message(parse_message(payload))
        except ProtocolError as error:
            reason = str(error)
        except socket.timeout:
            reason = f"nothing received for {IDLE_TIMEOUT:.0f} s"
        except OSError as error:
            reason = str(error)
        finally:
            self.close()
            self.peer.link_closed(self, reason)

    def on_message(self, message):
        kind = message["type"]
        if kind == "hello":
            first_hello = self.remote_id is None
            self.remote_id = message["node"]
            if first_hello:
                if self.direction == "in":
                    self.send({"type": "hello", "protocol": PROTOCOL, "node": self.peer.node_id})
                self.send({"type": "digest", "have": self.peer.replica.digest()})
                self.peer.link_up(self)
        elif self.remote_id is None:
            raise ProtocolError(f"expected hello first, got {kind}")
        elif kind == "digest":
            self.push(self.peer.replica.missing_from(message["have"]))
        elif kind == "numbers":
            new = self.peer.replica.merge(message["parsed"])
            if new:
                self.peer.spread(new, source=self)


class Peer:
    def __init__(self, config):
        self.config = config
        self.node_id = config["node_id"]
        self.replica = Replica(self.node_id, config["data_dir"])
        self.links_lock = threading.Lock()
        self.links = []
        self.stopping = threading.Event()

    # links --------------------------------------------------------
    def link_up(self, link):
        with self.links_lock:
            self.links.append(link)
        log(f"link up peer={link.remote_id} address={link.address} direction={link.direction}")

    def link_closed(self, link, reason):
        with self.links_lock:
            if link not in self.links:
                return
            self.links.remove(link)
        log(f"link down peer={link.remote_id} address={link.address} direction={link.direction} reason={reason!r}")

    def spread(self, numbers, source=None):
        """Pushes new numbers to every link (but back where they came from) and logs the new total."""
        with self.links_lock:
            targets = [link for link in self.links if link is not source]
        for link in targets:
            link.push(numbers)
        total, count = self.replica.snapshot()
        log(f"total={total} count={count}")

    def sync_loop(self):
        while not self.stopping.wait(SYNC_INTERVAL):
            digest = self.replica.digest()
            with self.links_lock:
                links = list(self.links)
            for link in links:
                link.send({"type": "digest", "have": digest})

    # accepting ----------------------------------------------------
    def accept_loop(self, server):
        while True:
            sock, (host, port) = server.accept()
            threading.Thread(target=self.accept_one, args=(sock, f"{host}:{port}"), daemon=True).start()

    def accept_one(self, sock, address):
        try:
            sock.settimeout(5.0)
            greeting = sock.recv(4096)  # "<dialer id>:<its port>"; it sends nothing more until we answer
            if not greeting:
                sock.close()
                return
            sock.sendall(self.node_id.encode("utf-8"))
        except OSError:
            sock.close()
            return
        # The dialer's id in its greeting is not trusted for anything: its hello names it.
        link = Link(self, sock, address, "in")
        link.run(first_frame_sent_by_us=False)

    # dialing ------------------------------------------------------
    def dial_loop(self, host, port):
        """Keeps one outgoing link to host:port up, forever, with capped exponential backoff."""
        address = f"{host}:{port}"
        delay = BACKOFF_START
        while not self.stopping.is_set():
            link, sock = None, None
            try:
                sock = socket.create_connection((host, port), timeout=3.0)
                sock.settimeout(5.0)
                sock.sendall(f"{self.node_id}:{self.config['p2p_port']}".encode("utf-8"))
                answer = sock.recv(4096)  # the acceptor's id; it sends nothing more until our hello
                if not answer:
                    raise OSError("closed during handshake")
                link = Link(self, sock, address, "out")
                link.send({"type": "hello", "protocol": PROTOCOL, "node": self.node_id})
            except OSError:
                if sock is not None:
                    sock.close()
            if link is not None:
                link.run(first_frame_sent_by_us=True)
                if link.remote_id is not None:
                    delay = BACKOFF_START  # it worked for a while: retry quickly
            time.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, BACKOFF_CAP)

    # start --------------------------------------------------------
    def start(self):
        cfg = self.config
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((cfg["p2p_host"], cfg["p2p_port"]))
        server.listen(128)
        http = ThreadingHTTPServer(("0.0.0.0", cfg["http_port"]), make_handler(self))
        http.daemon_threads = True

        if cfg["numbers"]:
            init_origin = f"{self.node_id}@init"
            self.replica.merge([(init_origin, i, v) for i, v in enumerate(cfg["numbers"], start=1)])
        total, count = self.replica.snapshot()
        log(f"started node={self.node_id} origin={self.replica.origin} p2p={cfg['p2p_host']}:{cfg['p2p_port']} "
            f"http=0.0.0.0:{cfg['http_port']} peers={','.join(f'{h}:{p}' for h, p in cfg['peers']) or '-'}")
        log(f"total={total} count={count}")

        for target, args in [(self.accept_loop, (server,)), (http.serve_forever, ()), (self.sync_loop, ())] + [
                (self.dial_loop, peer) for peer in cfg["peers"]]:
            threading.Thread(target=target, args=args, daemon=True).start()


# ---------------------------------------------------------------- HTTP control API

def make_handler(peer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass  # the harness polls /total often; one line per request would flood the log

        def reply(self, status, body):
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/health":
                self.reply(200, {"status": "ok", "node": peer.node_id})
            elif path == "/total":
                total, count = peer.replica.snapshot()
                self.reply(200, {"node": peer.node_id, "total": str(total), "count": count})
            elif path == "/state":
                total, count = peer.replica.snapshot()
                with peer.links_lock:
                    links = [{"peer": l.remote_id, "address": l.address, "direction": l.direction, "state": "up",
                              "framesSent": l.frames_sent, "framesReceived": l.frames_received,
                              "bytesSent": l.bytes_sent, "bytesReceived": l.bytes_received} for l in peer.links]
                self.reply(200, {"node": peer.node_id, "origin": peer.replica.origin, "total": str(total),
                                 "count": count, "digest": peer.replica.digest(), "links": links})
            else:
                self.reply(404, {"error": f"no route GET {path}"})

        def do_POST(self):
            path = self.path.split("?", 1)[0]
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                return self.reply(400, {"error": "Content-Length must be a non-negative integer"})
            if length > MAX_BODY:
                self.close_connection = True
                return self.reply(413, {"error": "body over 1 MiB"})
            body = self.rfile.read(length)
            if path != "/numbers":
                return self.reply(404, {"error": f"no route POST {path}"})
            values, error = parse_numbers_body(body)
            if error:
                return self.reply(400, {"error": error})
            new = peer.replica.add_local(values)
            peer.spread(new)
            self.reply(201, {"node": peer.node_id, "numbers": [
                {"id": f"{o}:{s}", "origin": o, "seq": s, "value": str(v)} for o, s, v in new]})

    return Handler


def parse_numbers_body(body):
    """Returns (values, None) or (None, a message saying what was wrong)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, 'body must be JSON: {"value": 42} or {"values": [1, "2"]}'
    if not isinstance(data, dict) or ("value" in data) == ("values" in data):
        return None, 'expected an object with exactly one of "value" or "values"'
    raw = [data["value"]] if "value" in data else data["values"]
    if not isinstance(raw, list) or not raw:
        return None, '"values" must be a non-empty list'
    values = []
    for i, item in enumerate(raw):
        value = parse_integer(item)
        if value is None:
            where = "value" if "value" in data else f"values[{i}]"
            return None, (f"{where}: {json.dumps(item)[:60]} is not an integer (whole numbers only, as a JSON number "
                          f"or a decimal string, at most {MAX_DIGITS} digits)")
        values.append(value)
    return values, None


# ---------------------------------------------------------------- main

def main():
    config = read_config(os.environ)
    peer = Peer(config)

    # Block SIGTERM and SIGINT before any thread starts (threads inherit the mask), then wait for them here:
    # a Python signal handler would only run when the main thread wakes up, which can take a while.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        peer.start()
    except OSError as error:
        print(f"cannot listen: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    signum = signal.sigwait(stop_signals)
    log(f"stopping on {signal.Signals(signum).name}")
    os._exit(0)  # everything acknowledged is already on disk; nothing to wait for


if __name__ == "__main__":
    main()
