#!/usr/bin/env python3
"""PyTorch yardstick for the DeepDream bench (issue 19).

Builds the same InceptionV3 trunk node for node from imgflow's folded-weight cache
(operations/deepdream/weight-cache.ts: magic line, u32 header length, JSON header with every
array as [offset, length] in floats, padding to 4 bytes, float32 data) and runs the schedule
bench/deepdream.ts sends it: same input, same octave sizes, same rolls, same step rule.

It is driven by bench/deepdream.ts over stdin/stdout, one JSON object a line:
  {"cmd": "check", "input": f32 file, "h", "w", "loss": imgflow's, "grad": f32 file}
      -> {"loss", "loss_rel_diff", "grad_rel_l2", "grad_max_abs_diff"}
  {"cmd": "dream", "input": f32 file, "h", "w", "sizes": [[h, w], ...],
   "shifts": [[dy, dx], ...] (one per step), "step": 0.015}
      -> {"seconds", "cpu_seconds", "losses": [...]}  (the dream loop alone, as imgflow's figure)
  {"cmd": "quit"}

Needs PyTorch; on Debian: apt-get install -y python3-torch (1.13, oneDNN), then run with
/usr/bin/python3. Without it the script exits with status 3 and says so.
"""
import argparse
import json
import struct
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.stderr.write(
        'deepdream-torch.py needs PyTorch. On Debian: apt-get update && apt-get install -y python3-torch '
        '(then run it with /usr/bin/python3).\n'
    )
    sys.exit(3)

MAGIC = b'IMGFLOW-DEEPDREAM-1\n'


def load_net(path):
    buf = open(path, 'rb').read()
    if not buf.startswith(MAGIC):
        raise SystemExit(f'{path} is not an imgflow deepdream weight cache')
    (header_len,) = struct.unpack_from('<I', buf, len(MAGIC))
    header_end = len(MAGIC) + 4 + header_len
    header = json.loads(buf[len(MAGIC) + 4:header_end].decode('utf8'))
    data_start = (header_end + 3) // 4 * 4
    data = np.frombuffer(buf, dtype='<f4', offset=data_start)

    def arr(ref):
        offset, length = ref
        return data[offset:offset + length]

    return header['nodes'], arr


def pad_before(size, k, stride, padding):
    """TensorFlow's rule: the odd pixel of 'same' padding goes after."""
    if padding == 'valid':
        return 0
    out = -(-size // stride)
    return max((out - 1) * stride + k - size, 0) // 2


def pad_total(size, k, stride, padding):
    if padding == 'valid':
        return 0
    out = -(-size // stride)
    return max((out - 1) * stride + k - size, 0)


class Trunk:
    """The nodes up to `layer`, NCHW, weights as torch tensors [cout, cin, kh, kw]."""

    def __init__(self, nodes, arr, layer):
        by_id = {n['id']: n for n in nodes}
        need = set()

        def visit(i):
            if i in need:
                return
            need.add(i)
            n = by_id[i]
            for j in n.get('inputs', [n['input']] if 'input' in n else []):
                visit(j)

        visit(layer)
        self.nodes = [n for n in nodes if n['id'] in need]
        self.weights = {}
        for n in self.nodes:
            if n['op'] == 'conv':
                c = n['conv']
                w = arr(c['weights']).reshape(c['kh'], c['kw'], c['cin'], c['cout'])
                wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))
                self.weights[n['id']] = (wt, torch.from_numpy(arr(c['bias']).copy()))

    def forward(self, x):
        acts = {}
        for n in self.nodes:
            op = n['op']
            if op == 'input':
                y = x
            elif op == 'conv':
                c = n['conv']
                w, b = self.weights[n['id']]
                src = acts[n['input']]
                h, wd = src.shape[2], src.shape[3]
                th, tw = pad_total(h, c['kh'], c['stride'], c['padding']), pad_total(wd, c['kw'], c['stride'], c['padding'])
                top, left = pad_before(h, c['kh'], c['stride'], c['padding']), pad_before(wd, c['kw'], c['stride'], c['padding'])
                if th == 2 * top and tw == 2 * left:
                    y = F.conv2d(src, w, b, stride=c['stride'], padding=(top, left))
                else:
                    y = F.conv2d(F.pad(src, (left, tw - left, top, th - top)), w, b, stride=c['stride'])
                y = F.relu(y)
            elif op == 'maxpool':
                p = n['pool']
                assert p['padding'] == 'valid'
                y = F.max_pool2d(acts[n['input']], p['size'], p['stride'])
            elif op == 'avgpool':
                p = n['pool']
                assert p['padding'] == 'same' and p['stride'] == 1
                y = F.avg_pool2d(acts[n['input']], p['size'], 1, padding=p['size'] // 2, count_include_pad=False)
            else:
                y = torch.cat([acts[i] for i in n['inputs']], 1)
            acts[n['id']] = y
        return acts[self.nodes[-1]['id']]


def read_input(path, h, w):
    """imgflow's [h, w, 3] float32 net input as an NCHW tensor."""
    a = np.fromfile(path, dtype='<f4').reshape(h, w, 3)
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))[None]


def loss_and_grad(trunk, x):
    x = x.clone().requires_grad_(True)
    a = trunk.forward(x)
    loss = (a * a).mean()
    (g,) = torch.autograd.grad(loss, x)
    return loss.item(), g


def resize(x, h, w):
    if x.shape[2] == h and x.shape[3] == w:
        return x.clone()
    return F.interpolate(x, size=(h, w), mode='bilinear', align_corners=False)


def dream(trunk, x0, sizes, shifts, step):
    """imgflow's dream() loop: octaves smallest first, detail carried up, roll, normalised step."""
    losses = []
    detail = None
    k = 0
    img = x0
    for oh, ow in sizes:
        base = resize(x0, oh, ow)
        img = base.clone()
        if detail is not None:
            img += resize(detail, oh, ow)
        for _ in range(len(shifts) // len(sizes)):
            sy, sx = shifts[k]
            k += 1
            loss, g = loss_and_grad(trunk, torch.roll(img, (sy, sx), (2, 3)))
            g = torch.roll(g, (-sy, -sx), (2, 3))
            scale = step / (g.abs().mean().item() + 1e-8)
            img = torch.clamp(img + scale * g, -1, 1)
            losses.append(loss)
        detail = img - base
    return img, losses


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--cache', required=True, help='imgflow folded-weight cache file')
    ap.add_argument('--layer', default='mixed3')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    nodes, arr = load_net(a.cache)
    trunk = Trunk(nodes, arr, a.layer)
    print(json.dumps({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'mkldnn': torch.backends.mkldnn.is_available()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req['cmd']
        if cmd == 'quit':
            break
        x = read_input(req['input'], req['h'], req['w'])
        if cmd == 'check':
            loss, g = loss_and_grad(trunk, x)
            ours = read_input(req['grad'], req['h'], req['w'])
            diff = (g - ours)
            print(json.dumps({
                'loss': loss,
                'loss_rel_diff': abs(loss - req['loss']) / abs(req['loss']),
                'grad_rel_l2': (diff.norm() / g.norm()).item(),
                'grad_max_abs_diff': diff.abs().max().item(),
                'grad_max_abs': g.abs().max().item(),
            }), flush=True)
        elif cmd == 'dream':
            t0, c0 = time.perf_counter(), time.process_time()
            _, losses = dream(trunk, x, req['sizes'], req['shifts'], req['step'])
            print(json.dumps({'seconds': time.perf_counter() - t0, 'cpu_seconds': time.process_time() - c0, 'losses': losses}), flush=True)
        else:
            raise SystemExit(f'unknown command {cmd}')


if __name__ == '__main__':
    main()
