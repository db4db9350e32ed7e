#!/usr/bin/env python3
"""
A network path with faults between two Linux network namespaces, in user space:
what `tc qdisc ... netem` would do (loss, delay with jitter, a partition), plus
what netem cannot do: a TCP connection reset in the middle of a replication push.

Why user space and Python: the kernels these tests run on (the CI machines'
included) are built without sch_netem (`# CONFIG_NET_SCH_NETEM is not set` in
/proc/config.gz) and have no loadable modules, and Node cannot open a TUN device
(that takes an ioctl). TUN devices are in every kernel that has network
namespaces here (CONFIG_TUN=y), and Python's standard library has the ioctl.

    delay-line.py <namespace> <gateway-side tun> <server-side tun> <gateway ip> <server ip>

Creates two TUN devices: the gateway's stays in the namespace this process runs
in, with <gateway ip> and a route to <server ip> through it; the server's is
moved into <namespace> with <server ip>. Every IP packet between them passes
through this process, which delays, drops or resets as told on stdin, one JSON
object a line (each replaces the previous settings, absent keys keep theirs):

    {"loss": 0.3}                      drop 30% of the packets, each direction
    {"delayMs": 500, "jitterMs": 200}  delay each packet 500 +/- 200 ms (uniform)
    {"partition": true}                drop everything (false: heal)
    {"resetPushes": 2}                 reset the next 2 connections whose
                                       `POST /sync/payments/...` the server has
                                       answered, at the answer: the server has
                                       committed the push, the gateway never
                                       learns it (RST to both ends)

Prints `ready` once the devices are up, and `reset <n>` after each reset.
Exits when stdin closes (the TUN devices go with it).
"""
import fcntl
import heapq
import json
import os
import random
import select
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def sh(*args):
    subprocess.run(args, check=True)


def open_tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def tcp_rst(src, dst, sport, dport, seq):
    """An IPv4 TCP RST from src:sport to dst:dport with sequence number seq."""
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, 0, 5 << 4, 0x04, 0, 0, 0)
    pseudo = src + dst + struct.pack('!BBH', 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack('!H', checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    return ip + tcp


def tcp_parts(pkt):
    """(src, dst, sport, dport, seq, ack, payload) of an IPv4 TCP packet, else None."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 6:
        return None
    ihl = (pkt[0] & 0x0F) * 4
    total = struct.unpack('!H', pkt[2:4])[0]
    tcp = pkt[ihl:total]
    if len(tcp) < 20:
        return None
    sport, dport, seq, ack = struct.unpack('!HHII', tcp[:12])
    off = (tcp[12] >> 4) * 4
    return pkt[12:16], pkt[16:20], sport, dport, seq, ack, tcp[off:]


def main():
    ns, gw_dev, srv_dev, gw_ip, srv_ip = sys.argv[1:6]
    gw_fd = open_tun(gw_dev)
    srv_fd = open_tun(srv_dev)
    sh('ip', 'addr', 'add', gw_ip, 'peer', srv_ip, 'dev', gw_dev)
    sh('ip', 'link', 'set', gw_dev, 'up')
    sh('ip', 'link', 'set', srv_dev, 'netns', ns)
    sh('ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', srv_ip, 'peer', gw_ip, 'dev', srv_dev)
    sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', srv_dev, 'up')
    sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up')

    settings = {'loss': 0.0, 'delayMs': 0.0, 'jitterMs': 0.0, 'partition': False, 'resetPushes': 0}
    pushes = set()  # connections (gateway port) whose last request was a payments push
    resets = 0
    queue = []  # (due, order, fd, packet)
    order = 0
    out = {gw_fd: srv_fd, srv_fd: gw_fd}
    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)
    pending_input = b''
    print('ready', flush=True)

    while True:
        now = time.monotonic()
        timeout = max(0.0, queue[0][0] - now) if queue else 1.0
        readable, _, _ = select.select([gw_fd, srv_fd, stdin], [], [], timeout)
        for fd in readable:
            if fd == stdin:
                chunk = os.read(stdin, 65536)
                if not chunk:
                    return
                pending_input += chunk
                while b'\n' in pending_input:
                    line, pending_input = pending_input.split(b'\n', 1)
                    if line.strip():
                        settings.update(json.loads(line))
                continue
            for _ in range(256):
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if settings['partition'] or random.random() < settings['loss']:
                    continue
                parts = tcp_parts(pkt)
                if parts:
                    src, dst, sport, dport, seq, ack, payload = parts
                    if fd == gw_fd and payload[:4] in (b'POST', b'GET ', b'PUT '):
                        if payload.startswith(b'POST /sync/payments/'):
                            pushes.add(sport)
                        else:
                            pushes.discard(sport)
                    elif fd == srv_fd and dport in pushes and payload.startswith(b'HTTP/1.1 200') and settings['resetPushes'] > 0:
                        # The server has committed and answers: drop the answer, reset both ends.
                        settings['resetPushes'] -= 1
                        pushes.discard(dport)
                        os.write(gw_fd, tcp_rst(src, dst, sport, dport, seq))
                        os.write(srv_fd, tcp_rst(dst, src, dport, sport, ack))
                        resets += 1
                        print('reset %d' % resets, flush=True)
                        continue
                delay = settings['delayMs'] + random.uniform(-1, 1) * settings['jitterMs']
                if delay <= 0 and not queue:
                    os.write(out[fd], pkt)
                else:
                    order += 1
                    heapq.heappush(queue, (time.monotonic() + max(0.0, delay) / 1000, order, out[fd], pkt))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, fd, pkt = heapq.heappop(queue)
            try:
                os.write(fd, pkt)
            except OSError:
                pass


if __name__ == '__main__':
    main()
