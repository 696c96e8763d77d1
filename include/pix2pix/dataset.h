#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pix2pix/options.h"

namespace pix2pix {

// One pair as the model sees it: A is the input, B the target (after `direction`).
struct Sample {
  torch::Tensor real_A;  // [input_nc, H, W] in [-1, 1]
  torch::Tensor real_B;  // [output_nc, H, W] in [-1, 1]; undefined in single mode
  std::string path;      // A's file (the aligned file in aligned mode)
};

struct Batch {
  torch::Tensor real_A;  // [N, input_nc, H, W]
  torch::Tensor real_B;  // [N, output_nc, H, W]; undefined in single mode
  std::vector<std::string> paths;
};

// The files of one phase of a data set: aligned A|B files, A/ and B/ folders matched by stem,
// or single images. Construction lists and checks the files; it throws std::runtime_error
// naming the folder (missing phase, no images) or the unpaired names.
class PairedDataset {
 public:
  PairedDataset(const Options& options, const std::string& phase);

  size_t size() const;
  // Loads and transforms item `index` with the random draw of `seed` (crop offset and flip,
  // the same for A and B). Thread-safe. Throws naming the file when it cannot be read.
  Sample get(size_t index, uint64_t seed) const;
  // Reads every file once, and throws one error listing every unreadable or too-small file.
  void verify() const;
  const std::vector<std::string>& paths() const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

// Batches from worker threads, shuffled each epoch from (seed, epoch), prefetched ahead of the
// consumer, in pinned memory when `pin_memory`. An epoch of N samples yields exactly N samples
// (the last batch smaller unless drop_last). Errors on a worker are rethrown by next().
class DataLoader {
 public:
  DataLoader(std::shared_ptr<const PairedDataset> dataset, const Options& options, bool pin_memory);
  ~DataLoader();

  // Begins an epoch (an unfinished one is abandoned), skipping its first `skip_batches` batches
  // so that a resumed run sees the same remaining samples.
  void start_epoch(int64_t epoch, size_t skip_batches = 0);
  std::optional<Batch> next();  // nullopt at the end of the epoch
  size_t batches_per_epoch() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pix2pix
