#!/usr/bin/python3
"""Trains the Fashion-MNIST MLP of mlp.dl in PyTorch and exports it for dlc.

The model is the Keras "basic classification" tutorial's
(https://www.tensorflow.org/tutorials/keras/classification): Flatten,
Dense(128, relu), Dropout(0.2), Dense(10), Adam(1e-3), sparse categorical
cross-entropy on logits. Parameter names and layouts match mlp.dl
(`fc1.weight` is [128, 784], PyTorch's [out, in]).

Writes, into OUT_DIR:
  weights.safetensors   the trained parameters (F32)
  reference.u8          PyTorch's predicted class for each of the 10,000
                        test images, one byte each
and prints PyTorch's test accuracy.

Usage: train_mlp.py OUT_DIR [--epochs N] [--threads N] [--seed N]
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """An IDX file (http://yann.lecun.com/exdb/mnist/) as a numpy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def save_safetensors(path, tensors):
    """Writes {name: float32 array} in the safetensors format
    (https://github.com/huggingface/safetensors#format)."""
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 128)
        self.drop = torch.nn.Dropout(0.2)
        self.fc2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out_dir, exist_ok=True)

    x_train = torch.from_numpy(read_idx(f"{DATA}/train-images-idx3-ubyte.gz").astype(np.float32) / 255)
    y_train = torch.from_numpy(read_idx(f"{DATA}/train-labels-idx1-ubyte.gz").astype(np.int64))
    x_test = torch.from_numpy(read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255)
    y_test = torch.from_numpy(read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz").astype(np.int64))

    model = MLP()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(x_train))
        total = 0.0
        for i in range(0, len(x_train), 32):  # Keras's default batch size
            idx = perm[i:i + 32]
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1}: loss {total / len(x_train):.4f}", file=sys.stderr)

    model.eval()
    with torch.no_grad():
        pred = model(x_test).argmax(1)
    acc = (pred == y_test).float().mean().item()
    save_safetensors(os.path.join(args.out_dir, "weights.safetensors"),
                     {k: v.detach().numpy() for k, v in model.state_dict().items()})
    pred.numpy().astype(np.uint8).tofile(os.path.join(args.out_dir, "reference.u8"))
    print(f"PyTorch test accuracy: {100 * acc:.2f}% ({int(round(acc * len(y_test)))}/{len(y_test)})")


if __name__ == "__main__":
    main()
