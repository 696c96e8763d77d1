"""One full training step of our Pix2PixModel against the same step in Python's PyTorch
(ctest: python.parity_train_step).

Python builds G (U-Net, dropout off) and D (PatchGAN) of the reference architecture
(reference_nets.py), initialises them as the paper does, and saves them with a batch of 2 pairs.
train_step_helper loads them into our networks and runs one Pix2PixModel step; Python runs the
reference implementation's step on its own copies:
    fake_B = G(A)
    D: loss_D = (GAN(D(A, fake_B.detach()), fake) + GAN(D(A, B), real)) / 2, Adam step
    G, D frozen: loss_G = GAN(D(A, fake_B), real) + 100 * L1(fake_B, B), Adam step
The four losses and every parameter and buffer of G and D after the step (batch norm running
statistics included) must agree to 1e-5 (max abs), for gan_mode vanilla and lsgan.

Exit 77 (ctest: skipped) when Python has no torch.
"""

import argparse
import os
import subprocess
import sys
import tempfile

try:
    import torch
    from torch import nn
except ImportError:
    print("skipped: the Python torch package is not installed")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_nets  # noqa: E402

TOLERANCE = 1e-5
NET_G, NGF, NET_D, NDF = "unet_256", 8, "basic", 8
LR, BETAS, LAMBDA_L1 = 2e-4, (0.5, 0.999), 100.0


def gan_loss(mode, prediction, real):
    target = torch.full_like(prediction, 1.0 if real else 0.0)
    if mode == "lsgan":
        return nn.functional.mse_loss(prediction, target)
    return nn.functional.binary_cross_entropy_with_logits(prediction, target)


def set_requires_grad(net, flag):
    for p in net.parameters():
        p.requires_grad_(flag)


def python_step(G, D, A, B, mode):
    opt_G = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS)
    opt_D = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)
    G.train()
    D.train()
    fake_B = G(A)

    set_requires_grad(D, True)
    opt_D.zero_grad()
    loss_D_fake = gan_loss(mode, D(torch.cat([A, fake_B.detach()], 1)), False)
    loss_D_real = gan_loss(mode, D(torch.cat([A, B], 1)), True)
    ((loss_D_fake + loss_D_real) * 0.5).backward()
    opt_D.step()

    set_requires_grad(D, False)
    opt_G.zero_grad()
    loss_G_GAN = gan_loss(mode, D(torch.cat([A, fake_B], 1)), True)
    loss_G_L1 = nn.functional.l1_loss(fake_B, B) * LAMBDA_L1
    (loss_G_GAN + loss_G_L1).backward()
    opt_G.step()
    losses = {"G_GAN": loss_G_GAN, "G_L1": loss_G_L1, "D_real": loss_D_real, "D_fake": loss_D_fake}
    return {name: value.detach() for name, value in losses.items()}


def check(helper, tmp, mode):
    torch.manual_seed(0)
    G = reference_nets.define_G(NET_G, 3, 3, NGF, "batch", use_dropout=False)
    D = reference_nets.define_D(NET_D, 6, NDF, 3, "batch")
    reference_nets.init_normal(G, 0.02)
    reference_nets.init_normal(D, 0.02)
    A = torch.rand(2, 3, 256, 256) * 2 - 1
    B = torch.rand(2, 3, 256, 256) * 2 - 1
    paths = {name: os.path.join(tmp, f"{mode}_{name}.pth") for name in ("G", "D", "batch", "out")}
    torch.save(G.state_dict(), paths["G"])
    torch.save(D.state_dict(), paths["D"])
    torch.save({"A": A, "B": B}, paths["batch"])

    result = subprocess.run([helper, NET_G, str(NGF), NET_D, str(NDF), mode, paths["G"],
                             paths["D"], paths["batch"], paths["out"]],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"train_step_helper failed:\n{result.stdout}{result.stderr}")
    ours = torch.load(paths["out"], weights_only=True)

    before = {f"{prefix}.{name}": t.clone() for prefix, net in (("G", G), ("D", D))
              for name, t in net.state_dict().items()}
    losses = python_step(G, D, A, B, mode)
    diffs = {}
    for name, value in losses.items():
        diffs[f"loss.{name}"] = (ours[f"loss.{name}"] - value.detach()).abs().item()
    for prefix, net in (("G", G), ("D", D)):
        for name, tensor in net.state_dict().items():
            key = f"{prefix}.{name}"
            if key not in ours:
                raise AssertionError(f"{key} missing from our step's output")
            diffs[key] = (ours[key].double() - tensor.double()).abs().max().item()
    expected = {f"loss.{n}" for n in losses} | {f"G.{n}" for n in G.state_dict()} | {
        f"D.{n}" for n in D.state_dict()}
    if set(ours) != expected:
        raise AssertionError(f"unexpected keys: {sorted(set(ours) - expected)}")
    # the step moved every network: the comparison is of updated weights
    for prefix in ("G", "D"):
        moved = max((ours[k].double() - before[k].double()).abs().max().item()
                    for k in before if k.startswith(prefix + ".") and k.endswith("weight"))
        if moved < 1e-5:
            raise AssertionError(f"our step left {prefix}'s weights unchanged")
    return {name: value.item() for name, value in losses.items()}, diffs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--helper", required=True, help="the train_step_helper executable")
    args = parser.parse_args()
    torch.set_num_threads(1)

    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("vanilla", "lsgan"):
            losses, diffs = check(args.helper, tmp, mode)
            worst = max(diffs, key=diffs.get)
            print(f"{mode}: losses " + ", ".join(f"{k} {v:.6f}" for k, v in losses.items())
                  + f"; {len(diffs)} values compared, largest difference {diffs[worst]:.3g} "
                  f"({worst})")
            failures += [f"{mode} {k}: {v:.3g}" for k, v in diffs.items() if v > TOLERANCE]

    if failures:
        print("differences above", TOLERANCE, ":", *failures, sep="\n  ")
        return 1
    print("one training step agrees with PyTorch to", TOLERANCE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
