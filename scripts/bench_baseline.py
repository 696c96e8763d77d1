"""The Python PyTorch baseline of `pix2pix bench`: the same networks (tests/python/reference_nets.py,
the reference architecture), losses, Adam settings, batch and image size, timed the same way:
warm-up steps first, then each phase of a step closed by a device synchronisation on CUDA.

Training is fed from tensors already on the device, so its step has no data wait; ours includes
the wait on the loader and the copy. Adam is PyTorch's default for the device (the multi-tensor
"foreach" path on CUDA), as a user of the reference gets it. Prints one JSON object (and writes
it with --bench_json).
"""

import argparse
import json
import os
import resource
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "python"))
import reference_nets  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="auto")
    p.add_argument("--batch_size", type=int, default=1)
    p.add_argument("--crop_size", type=int, default=256)
    p.add_argument("--netG", default="unet_256")
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--ndf", type=int, default=64)
    p.add_argument("--amp", default="none", choices=["none", "bf16", "fp16"])
    p.add_argument("--tf32", default="true")
    p.add_argument("--bench_steps", type=int, default=10)
    p.add_argument("--bench_warmup", type=int, default=3)
    p.add_argument("--bench_json", default="")
    return p.parse_args()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main():
    args = parse_args()
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(args.device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    tf32 = args.tf32.lower() in ("true", "1", "yes", "on")
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    use_amp = device.type == "cuda" and args.amp != "none"
    amp_dtype = torch.float16 if args.amp == "fp16" else torch.bfloat16
    scaler = torch.amp.GradScaler("cuda", enabled=device.type == "cuda" and args.amp == "fp16")
    if device.type != "cuda":
        precision = "fp32"
    else:
        precision = args.amp if use_amp else ("tf32" if tf32 else "fp32")
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    torch.manual_seed(0)
    G = reference_nets.define_G(args.netG, 3, 3, args.ngf, "batch", use_dropout=True).to(device)
    D = reference_nets.define_D("basic", 6, args.ndf).to(device)
    reference_nets.init_normal(G)
    reference_nets.init_normal(D)
    opt_G = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    shape = (args.batch_size, 3, args.crop_size, args.crop_size)
    real_A = (torch.rand(shape) * 2 - 1).to(device)
    real_B = (torch.rand(shape) * 2 - 1).to(device)

    def gan(prediction, real):
        target = torch.full_like(prediction, 1.0 if real else 0.0)
        return bce(prediction.float(), target.float())

    totals = {"G_forward_ms": 0.0, "D_step_ms": 0.0, "G_step_ms": 0.0, "step_ms": 0.0}
    for step in range(args.bench_warmup + args.bench_steps):
        t_start = time.perf_counter()
        with torch.autocast(device.type, dtype=amp_dtype, enabled=use_amp):
            fake_B = G(real_A)
        sync(device)
        t_forward = time.perf_counter()

        for p in D.parameters():
            p.requires_grad_(True)
        opt_D.zero_grad()
        with torch.autocast(device.type, dtype=amp_dtype, enabled=use_amp):
            loss_D_fake = gan(D(torch.cat([real_A, fake_B.detach()], 1)), False)
            loss_D_real = gan(D(torch.cat([real_A, real_B], 1)), True)
        scaler.scale((loss_D_fake + loss_D_real) * 0.5).backward()
        scaler.step(opt_D)
        sync(device)
        t_d = time.perf_counter()

        for p in D.parameters():
            p.requires_grad_(False)
        opt_G.zero_grad()
        with torch.autocast(device.type, dtype=amp_dtype, enabled=use_amp):
            loss_G_GAN = gan(D(torch.cat([real_A, fake_B], 1)), True)
        loss_G = loss_G_GAN + nn.functional.l1_loss(fake_B.float(), real_B) * 100.0
        scaler.scale(loss_G).backward()
        scaler.step(opt_G)
        scaler.update()
        sync(device)
        t_g = time.perf_counter()

        if step >= args.bench_warmup:
            totals["G_forward_ms"] += (t_forward - t_start) * 1000
            totals["D_step_ms"] += (t_d - t_forward) * 1000
            totals["G_step_ms"] += (t_g - t_d) * 1000
            totals["step_ms"] += (t_g - t_start) * 1000
    figures = {k: v / args.bench_steps for k, v in totals.items()}
    if not torch.isfinite(loss_G.detach()).item():
        sys.exit("baseline training gave a non-finite loss")

    # translation
    G.eval()
    images = (torch.rand(shape) * 2 - 1).to(device)
    with torch.no_grad():  # as the reference's test script
        for step in range(args.bench_warmup + args.bench_steps):
            if step == args.bench_warmup:
                sync(device)
                start = time.perf_counter()
            with torch.autocast(device.type, dtype=amp_dtype, enabled=use_amp):
                G(images).float()
        sync(device)
        seconds = time.perf_counter() - start

    figures.update({
        "implementation": "pytorch-python", "device": str(device), "precision": precision,
        "netG": args.netG, "batch_size": args.batch_size, "size": args.crop_size,
        "n_threads": torch.get_num_threads(), "n_steps": args.bench_steps, "data_wait_ms": 0.0,
        "train_steps_per_s": 1000.0 / figures["step_ms"],
        "train_images_per_s": 1000.0 / figures["step_ms"] * args.batch_size,
        "translate_images_per_s": args.bench_steps * args.batch_size / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "cuda_peak_mb": (torch.cuda.max_memory_allocated(device) / 2**20
                         if device.type == "cuda" else -1),
        "torch": torch.__version__,
    })
    text = json.dumps(figures)
    print(text)
    if args.bench_json:
        with open(args.bench_json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
