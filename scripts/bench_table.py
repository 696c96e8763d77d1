"""Prints the figures of `pix2pix bench` beside those of the Python baseline as Markdown tables.

    bench_table.py RESULTS.jsonl     one JSON object a line, from either implementation

Rows are matched by (device, precision, batch size, size, netG). Where a setting was measured
more than once, the run with the shortest step stands for it (the least disturbed run).
"""

import json
import sys


def key(row):
    return (row["device"], row["precision"], row["batch_size"], row["size"], row["netG"])


def best(rows):
    chosen = {}
    for row in rows:
        k = (key(row), row["implementation"])
        if k not in chosen or row["step_ms"] < chosen[k]["step_ms"]:
            chosen[k] = row
    return chosen


def measured_pairs(rows):
    """(setting, ours, baseline) for each setting that both implementations measured."""
    chosen = best(rows)
    for k in sorted({key(r) for r in rows}, key=lambda k: (k[0], k[2], k[1])):
        ours = chosen.get((k, "pix2pix-cpp"))
        base = chosen.get((k, "pytorch-python"))
        if ours is not None and base is not None:
            yield k, ours, base


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    print("| device | precision | batch | size | step ms (ours / baseline) | step-time ratio | "
          "without data wait | "
          "training images/s (ours / baseline) | translation images/s (ours / baseline) | "
          "translation speed-up | data wait | peak memory MiB (ours / baseline) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for k, ours, base in measured_pairs(rows):
        memory = "host %.0f / %.0f" % (ours["peak_rss_mb"], base["peak_rss_mb"])
        if ours["cuda_peak_mb"] >= 0:
            memory += "; CUDA %.0f / %.0f" % (ours["cuda_peak_mb"], base["cuda_peak_mb"])
        print("| %s | %s | %d | %d | %.1f / %.1f | %.3f | %.3f | %.2f / %.2f | %.2f / %.2f | "
              "%.2fx | %.2f%% | %s |" % (
                  k[0], k[1], k[2], k[3], ours["step_ms"], base["step_ms"],
                  ours["step_ms"] / base["step_ms"],
                  (ours["step_ms"] - ours["data_wait_ms"]) / base["step_ms"],
                  ours["train_images_per_s"],
                  base["train_images_per_s"], ours["translate_images_per_s"],
                  base["translate_images_per_s"],
                  ours["translate_images_per_s"] / base["translate_images_per_s"],
                  100.0 * ours["data_wait_ms"] / ours["step_ms"], memory))
    print()
    print("Split of a step, ms (ours / baseline):")
    print()
    print("| device | precision | batch | data wait | G forward | D step | G step |")
    print("|---|---|---|---|---|---|---|")
    for k, ours, base in measured_pairs(rows):
        print("| %s | %s | %d | %.1f / - | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f |" % (
            k[0], k[1], k[2], ours["data_wait_ms"], ours["G_forward_ms"], base["G_forward_ms"],
            ours["D_step_ms"], base["D_step_ms"], ours["G_step_ms"], base["G_step_ms"]))


if __name__ == "__main__":
    main()
