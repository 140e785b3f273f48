#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets (cpp/fuzz/corpus/<name>/) from the test
vectors: the ID vectors' messages (tests/data/id_vectors.json) for the JSON and httpsig codecs,
the request targets of docs/http.md for path parsing and HTTP requests, the fixed JWK of wallet_test.cc for JWK
parsing, and commitment headers in the shape Commit writes for the structured-field parser.
WebAssembly modules for the module interface parser are built here (small ones with imports of
each kind, exports and a memory); the glue's time functions get `struct tm` values and formats
from the strftime vectors (tests/data/strftime_vectors.json).
Run from the repository root; the output is committed, so `make fuzz` needs no Python."""
import json
import pathlib
import re
import struct

root = pathlib.Path(__file__).resolve().parent.parent
corpus = root / "cpp" / "fuzz" / "corpus"


def write(name, index, data):
    d = corpus / name
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{index:03d}").write_bytes(data if isinstance(data, bytes) else data.encode())


vectors = json.loads((root / "tests" / "data" / "id_vectors.json").read_text())
tagged = [
    '{"a": {"@binary": "AAEC"}, "f": 1.5, "n": {"@float": "nan"}, "x": {"@atom": "ok"}}',
    '{"@message": {"@k": 1}}', '[1, [2, [3]], {"a": []}, null, true, false]',
    '{"body": {"type": "Message", "data": "x", "tags": [{"name": "a", "value": "b"}]}}',
]
for i, text in enumerate([json.dumps(v["msg"]) for v in vectors] + tagged):
    write("json_codec", i, text)
    write("httpsig", i, text)

paths = set(re.findall(r"`(?:GET|POST) (/[^` ]+)", (root / "docs" / "http.md").read_text()))
paths |= {"/~meta@1.0/info", "/~scheduler@1.0/schedule", "/" + "A" * 43 + "/compute/3",
          "/" + "A" * 43 + "/schedule?from=0&to=10&accept=application%2Faos-2",
          "/a/b~message@1.0&k=v&n+integer=3/c=1?x+float=1.5&y+atom=ok&z+binary=%41"}
for i, p in enumerate(sorted(paths)):
    write("path", i, p)

test = (root / "cpp" / "aocore" / "crypto" / "wallet_test.cc").read_text()
literal = test.split("constexpr char kFixedJwk[] =", 1)[1].split(";", 1)[0]
jwk = json.loads("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', literal)).replace('\\"', '"'))
write("jwk", 0, json.dumps(jwk))
write("jwk", 1, json.dumps({k: jwk[k] for k in ("kty", "n", "e")}))

keyid = jwk["n"]
name = "http-sig-0123456789abcdef"
inputs = [
    f'{name}=("ao-types" "a" "b");alg="rsa-pss-sha512";keyid="{keyid}"',
    f'{name}=("@path" "content-digest");alg="rsa-pss-sha512";keyid="{keyid}";created=1',
    'sig=("a" "b");alg="hmac-sha256";keyid="ao", other=?1;x=-12',
]
for i, line in enumerate(inputs):
    for alg in (b"\x00", b"\x01"):
        write("structured", 2 * i + alg[0], alg + line.encode() + f"\n{name}=:AAECAw==:".encode())

# HTTP requests as a client sends them (first byte: the piece size the target feeds).
requests = [
    b"\x10POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"\x03POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n3;x=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
] + [b"\x40GET " + p.encode() + b" HTTP/1.1\r\nAccept: application/aos-2\r\n\r\n" for p in sorted(paths)[:4]]
for i, r in enumerate(requests):
    write("http_request", i, r)


# WebAssembly modules: a header, then sections (id, LEB128 size, body).
def leb(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def section(sid, body):
    return bytes([sid]) + leb(len(body)) + body


def wasm_name(text):
    return leb(len(text)) + text.encode()


header = b"\0asm\x01\0\0\0"
types = section(1, leb(2) + b"\x60\x02\x7e\x7e\x01\x7e" + b"\x60\x01\x7f\x00")
imports = section(2, leb(4) + wasm_name("env") + wasm_name("f") + b"\x00" + leb(1)
                  + wasm_name("env") + wasm_name("t") + b"\x01\x70\x00" + leb(1)
                  + wasm_name("env") + wasm_name("g") + b"\x03\x7f\x00"
                  + wasm_name("env") + wasm_name("m") + b"\x02\x05" + leb(1) + leb(16))
functions = section(3, leb(2) + leb(0) + leb(1))
memory = section(5, leb(1) + b"\x05" + leb(1088) + leb(8192))
exports = section(7, leb(3) + wasm_name("handle") + b"\x00" + leb(1) + wasm_name("memory") + b"\x02" + leb(0)
                  + wasm_name("g") + b"\x03" + leb(0))
custom = section(0, wasm_name("producers") + b"x" * 8)
modules = [header, header + types, header + types + imports + functions + exports,
           header + types + functions + memory + exports + custom, header + custom + types + memory]
for i, m in enumerate(modules):
    write("wasm_module", i, m)

# The glue's time functions: the fields, tm_gmtoff (also the time), the zone and the format.
strftime_vectors = json.loads((root / "tests" / "data" / "strftime_vectors.json").read_text())["vectors"]
for i, v in enumerate(strftime_vectors[:: max(1, len(strftime_vectors) // 24)]):
    t = v["tm"]
    zone = t["zone"].encode()[:255]
    fields = struct.pack("<8iq", t["sec"], t["min"], t["hour"], t["mday"], t["mon"], t["year"], t["wday"],
                         t["yday"], int(t["gmtoff"]))
    write("js_time", i, fields + bytes([len(zone)]) + zone + v["format"].encode())
