#!/usr/bin/env python3
"""Writes the seed corpus of dlc-safetensors-fuzzer (corpus/): small
safetensors files for its model (enc/w: f32[2,3], enc: f32[3], opt.step:
f32[], training state), valid ones and ones that break one rule each."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def entry(name, shape, begin, end, dtype="F32"):
    dims = ",".join(str(d) for d in shape)
    return f'"{name}":{{"dtype":"{dtype}","shape":[{dims}],"data_offsets":[{begin},{end}]}}'


def write(name, header, data, pad=True, claimed=None):
    raw = header.encode()
    if pad:
        raw += b" " * (-len(raw) % 8)
    n = len(raw) if claimed is None else claimed
    with open(os.path.join(HERE, "corpus", name), "wb") as f:
        f.write(struct.pack("<Q", n) + raw + data)


def floats(*values):
    return struct.pack(f"<{len(values)}f", *values)


W = floats(1, 2, 3, 4, 5, 6)
B = floats(-1, -2, -3)
S = floats(42)
ALL = ",".join([entry("enc/w", [2, 3], 0, 24), entry("enc", [3], 24, 36),
                entry("opt.step", [], 36, 40)])

os.makedirs(os.path.join(HERE, "corpus"), exist_ok=True)
write("valid", "{" + ALL + "}", W + B + S)
write("metadata", '{"__metadata__":{"format":"pt","note":"caf\\u00e9"},' + ALL + "}",
      W + B + S)
write("weights-only", "{" + entry("enc", [3], 0, 12) + "," + entry("enc/w", [2, 3], 12, 36) + "}",
      B + W, pad=False)
write("escaped", '{"enc\\/w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},'
      '"\\u0065nc":{"dtype":"F\\u0033\\u0032","shape":[3],"data_offsets":[24,36]}}',
      W + B)
write("whitespace", '{ "enc/w" : { "shape" : [ 2 , 3 ] , "dtype" : "F32" ,\n'
      '"data_offsets" : [ 12 , 36 ] , "x" : [ 1 , -2.5e-3 , true , null , { } ] } ,\t'
      + entry("enc", [3], 0, 12) + "\r\n}", B + W)
write("repeated-key", '{"enc/w":{"dtype":"F32","shape":[2],"shape":[3],"data_offsets":[0,24]},'
      + entry("enc", [3], 24, 36) + "}", W + B)
write("gap", "{" + entry("enc/w", [2, 3], 0, 24) + "," + entry("enc", [3], 28, 40) + "}",
      W + floats(0) + B)
write("bad-metadata", '{"__metadata__":{"a":1},' + ALL + "}", W + B + S)
write("zero-dim", "{" + entry("enc/w", [0, 3], 0, 0) + "," + entry("enc", [3], 0, 12) + "}", B)
# An empty object checked for repeated keys (once undefined behaviour).
write("empty", "{}", b"", pad=False)
write("empty-entry", '{"enc/w":{}}', b"", pad=False)
