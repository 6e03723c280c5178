#!/usr/bin/env python3
"""echo.py: the correspondent's TCP and UDP echo service, and the mobile node's client.

  echo.py serve ADDR PORT            echo on TCP and UDP [ADDR]:PORT until killed
  echo.py client ADDR PORT COUNT     COUNT UDP datagrams and COUNT TCP messages of random bytes;
                                     every echo must come back identical; prints one result line
                                     and exits 1 on any mismatch or timeout
"""
import os
import selectors
import socket
import sys


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(addr, port):
    fam = family(addr)
    udp = socket.socket(fam, socket.SOCK_DGRAM)
    udp.bind((addr, port))
    tcp = socket.socket(fam, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, port))
    tcp.listen(8)
    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ, "udp")
    sel.register(tcp, selectors.EVENT_READ, "listen")
    print("serving", addr, port, flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if key.data == "udp":
                data, peer = s.recvfrom(65535)
                s.sendto(data, peer)
            elif key.data == "listen":
                c, _ = s.accept()
                sel.register(c, selectors.EVENT_READ, "conn")
            else:
                data = s.recv(65536)
                if data:
                    s.sendall(data)
                else:
                    sel.unregister(s)
                    s.close()


def client(addr, port, count):
    fam = family(addr)
    udp = socket.socket(fam, socket.SOCK_DGRAM)
    udp.settimeout(2.0)
    got = 0
    for i in range(count):
        msg = i.to_bytes(4, "big") + os.urandom(996)
        udp.sendto(msg, (addr, port))
        try:
            while True:
                data, _ = udp.recvfrom(65535)
                if data[:4] == msg[:4]:
                    break
        except socket.timeout:
            continue
        if data == msg:
            got += 1
    tcp = socket.create_connection((addr, port), timeout=5.0)
    sent = os.urandom(count * 3000)  # several segments each way
    tcp.sendall(sent)
    back = b""
    while len(back) < len(sent):
        chunk = tcp.recv(65536)
        if not chunk:
            break
        back += chunk
    tcp.close()
    ok = got == count and back == sent
    print(f"udp {got}/{count} echoed, tcp {len(back)}/{len(sent)} octets echoed"
          f"{'' if back == sent else ' (MISMATCH)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == "client":
        sys.exit(client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
