#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pix2pix/dataset.h"
#include "pix2pix/options.h"

namespace pix2pix {

// `pix2pix data combine`: the aligned layout (A|B side by side) from two folders.
struct CombineReport {
  size_t n_written = 0;
  std::vector<std::string> problems;  // missing partners, size mismatches, unreadable files
};

// Writes <out>/<path of a relative to dir_a> holding A|B for every image in `dir_a` whose
// partner of the same relative stem is in `dir_b`; a gray side is expanded to three channels.
// Every problem is reported by name and its pair skipped. Throws when a folder is missing.
CombineReport combine_folders(const std::string& dir_a, const std::string& dir_b,
                              const std::string& out);

// `pix2pix data check`: what a data set holds and everything wrong with it, found at once.
struct PhaseReport {
  std::string phase;
  std::string mode;
  size_t n_items = 0;
  std::map<std::string, size_t> sizes;     // "256x256" (each of A and B) -> count
  std::map<std::string, size_t> channels;  // "3+3" (A+B) -> count
};

struct CheckReport {
  std::string root;
  std::vector<PhaseReport> phases;
  std::vector<std::string> problems;  // unreadable, unpaired, odd widths, crops that do not fit
  std::vector<std::string> notes;     // images smaller than crop_size that will be upscaled
  bool clean() const { return problems.empty(); }
};

// Checks every phase folder (train, val, test, or any other) under options.dataroot.
// The layout of each phase is detected (A/ and B/: folders, else aligned) unless `mode_given`.
CheckReport check_dataset(const Options& options, bool mode_given);
std::string format_check_report(const CheckReport& report);

// `pix2pix data bench`: loader throughput.
struct LoaderBench {
  size_t n_threads = 0;
  size_t n_pairs = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // CPU time of the process: throughput that a busy machine hides
  double pairs_per_second() const { return seconds > 0 ? double(n_pairs) / seconds : 0; }
  double pairs_per_cpu_second() const {
    return cpu_seconds > 0 ? double(n_pairs) / cpu_seconds : 0;
  }
};

// Loads whole epochs with `n_threads` workers until `min_seconds` have passed.
LoaderBench bench_loader(std::shared_ptr<const PairedDataset> dataset, Options options,
                         size_t n_threads, double min_seconds);

// Writes `count` aligned JPEGs of two width x height halves with photo-like content (smooth
// gradients, shapes, mild noise) under <folder>/train, for the loader benchmark.
void write_bench_images(const std::string& folder, int count, int width, int height);

}  // namespace pix2pix
