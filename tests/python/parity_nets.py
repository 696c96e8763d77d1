"""Our networks against Python's PyTorch on shared weights (ctest: python.parity_nets).

For each network: a Python model of the reference architecture (reference_nets.py) with random
weights is saved with torch.save; the C++ side (parity_helper) loads that state_dict and runs
the same input in eval mode and in train mode (dropout off); both outputs must agree with
Python's to 1e-5 (max abs). Then the generators make the round trip through
`pix2pix import` and `pix2pix export`, and Python loads the exported file with
weights_only=True and strict=True; the tensors must come back unchanged. A file in the legacy
format must be refused with the one-line fix.

Exit 77 (ctest: skipped) when Python has no torch.
"""

import argparse
import os
import subprocess
import sys
import tempfile

try:
    import torch
except ImportError:
    print("skipped: the Python torch package is not installed")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_nets  # noqa: E402

TOLERANCE = 1e-5

# kind, arch, settings, input shape
CASES = [
    ("G", "unet_256", dict(input_nc=3, output_nc=3, ngf=8, norm="batch"), (2, 3, 256, 256)),
    ("G", "unet_128", dict(input_nc=1, output_nc=3, ngf=8, norm="instance"), (2, 1, 128, 128)),
    ("G", "resnet_6blocks", dict(input_nc=3, output_nc=3, ngf=8, norm="batch"), (2, 3, 64, 64)),
    ("G", "resnet_9blocks", dict(input_nc=3, output_nc=1, ngf=4, norm="instance"),
     (2, 3, 32, 48)),
    ("D", "basic", dict(input_nc=6, ndf=8, norm="batch"), (2, 6, 256, 256)),
    ("D", "n_layers", dict(input_nc=4, ndf=8, n_layers=4, norm="instance"), (2, 4, 128, 128)),
    ("D", "pixel", dict(input_nc=6, ndf=8, norm="batch"), (2, 6, 64, 64)),
]


def build(kind, arch, settings):
    if kind == "G":
        return reference_nets.define_G(arch, use_dropout=False, **settings)
    return reference_nets.define_D(arch, **settings)


def helper_args(kind, arch, s):
    if kind == "G":
        return ["G", arch, s["input_nc"], s["output_nc"], s["ngf"], s["norm"], 0]
    return ["D", arch, s["input_nc"], s.get("n_layers", 3), s["ndf"], s["norm"], 0]


def run(command):
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def check_outputs(args, tmp, kind, arch, settings, shape):
    torch.manual_seed(0)
    net = build(kind, arch, settings)
    reference_nets.init_normal(net, 0.02)
    reference_nets.randomise_norms(net)
    weights = os.path.join(tmp, f"{arch}.pth")
    torch.save(net.state_dict(), weights)  # an OrderedDict, as the reference saves it
    x = torch.rand(shape) * 2 - 1
    torch.save({"input": x}, os.path.join(tmp, "input.pth"))

    output = os.path.join(tmp, "output.pth")
    rc, log = run([args.helper] + helper_args(kind, arch, settings)
                  + [weights, os.path.join(tmp, "input.pth"), output])
    if rc != 0:
        raise AssertionError(f"parity_helper failed on {arch}:\n{log}")
    ours = torch.load(output, weights_only=True)

    diffs = {}
    with torch.no_grad():
        for mode in ("eval", "train"):
            net.train(mode == "train")
            theirs = net(x.clone())
            if ours[mode].shape != theirs.shape:
                raise AssertionError(f"{arch} {mode}: shape {tuple(ours[mode].shape)} "
                                     f"!= {tuple(theirs.shape)}")
            diffs[mode] = (ours[mode] - theirs).abs().max().item()
    return net, weights, diffs


def check_round_trip(args, tmp, arch, settings, weights):
    runs = os.path.join(tmp, "runs")
    rc, log = run([args.binary, "import", weights, "--name", arch, "--checkpoints_dir", runs,
                   "--no_dropout"])
    if rc != 0:
        raise AssertionError(f"pix2pix import failed on {arch}:\n{log}")
    exported = os.path.join(tmp, f"{arch}_exported.pth")
    rc, log = run([args.binary, "export", os.path.join(runs, arch), exported])
    if rc != 0:
        raise AssertionError(f"pix2pix export failed on {arch}:\n{log}")

    state = torch.load(exported, weights_only=True)
    fresh = build("G", arch, settings)
    fresh.load_state_dict(state, strict=True)
    for name, tensor in torch.load(weights, weights_only=True).items():
        if not torch.equal(tensor, state[name]):
            raise AssertionError(f"{arch}: {name} changed in the import/export round trip")


def check_legacy_refused(args, tmp, net):
    legacy = os.path.join(tmp, "legacy.pth")
    torch.save(net.state_dict(), legacy, _use_new_zipfile_serialization=False)
    rc, log = run([args.binary, "import", legacy, "--name", "legacy", "--checkpoints_dir",
                   os.path.join(tmp, "runs")])
    if rc == 0 or "legacy" not in log or "torch.save(torch.load(" not in log:
        raise AssertionError(f"a legacy file was not refused with the fix:\n{log}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True, help="the pix2pix executable")
    parser.add_argument("--helper", required=True, help="the parity_helper executable")
    args = parser.parse_args()
    torch.set_num_threads(1)

    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, arch, settings, shape in CASES:
            net, weights, diffs = check_outputs(args, tmp, kind, arch, settings, shape)
            print(f"{kind} {arch:15s} {settings['norm']:8s} input {shape}: max abs diff "
                  f"eval {diffs['eval']:.3g}, train {diffs['train']:.3g}")
            if max(diffs.values()) > TOLERANCE:
                failures.append(f"{arch}: {diffs}")
            if kind == "G":
                check_round_trip(args, tmp, arch, settings, weights)
                print(f"  import/export round trip exact, loaded with strict=True")
        check_legacy_refused(args, tmp, net)
        print("legacy-format file refused with the re-save line")

    if failures:
        print("outputs differ by more than", TOLERANCE, ":", *failures, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
