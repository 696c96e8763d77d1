#pragma once

#include <torch/torch.h>

#include <opencv2/core.hpp>

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

// The files of one phase of a data set, as found on disk, before any image is read.
struct DatasetFiles {
  std::string mode;            // aligned | folders | single
  std::string folder;          // the phase folder (single: the folder of images)
  std::vector<std::string> a;  // aligned files, A files, or single images
  std::vector<std::string> b;  // folders mode: B files, b[i] the partner of a[i]
  // folders mode: files whose stem has no partner in the other folder (paths)
  std::vector<std::string> unpaired_a;
  std::vector<std::string> unpaired_b;
};

// Lists the files of `phase` under options.dataroot for options.dataset_mode:
//   aligned  <root>/<phase>/**            A|B side by side in each file
//   folders  <root>/<phase>/A, <root>/<phase>/B, matched by path relative to A/ or B/ without
//            the extension (never by sort order)
//   single   <root>/<phase> when it exists, else <root> itself
//   auto     folders when <phase>/A and <phase>/B exist, aligned when <phase> exists, else single
// Throws std::runtime_error naming the folder when it is missing (listing the phases that exist)
// or holds no images. Unpaired names are returned, not thrown.
DatasetFiles find_dataset_files(const Options& options, const std::string& phase);

// What reading one item found: sizes are A's (the input side after direction).
struct ItemReport {
  cv::Size size;
  int channels_a = 0;
  int channels_b = 0;  // 0 in single mode
  int depth_bits = 8;
  std::string problem;  // empty when the item loads and transforms cleanly
};

class PairedDataset;

// inspect() of every item, read on all cores.
std::vector<ItemReport> inspect_all(const PairedDataset& dataset);

// The seed of one item's random draw: one per (seed, epoch, index), so a resumed run draws
// the same crops and flips as an uninterrupted one.
uint64_t sample_seed(uint64_t seed, int64_t epoch, size_t index);

// The pairs of one phase of a data set: aligned A|B files, A/ and B/ folders matched by stem,
// or single images. Construction lists and checks the files; it throws std::runtime_error
// naming the folder (missing phase, no images) or the unpaired names.
// size_multiple: preprocess none rounds sizes to a multiple of it; 0 takes it from netG.
class PairedDataset {
 public:
  PairedDataset(const Options& options, const std::string& phase, int size_multiple = 0);
  // From files already found (unpaired names are ignored; max_dataset_size is not applied).
  PairedDataset(const Options& options, DatasetFiles files, int size_multiple = 0);

  size_t size() const;
  // Loads and transforms item `index` with the random draw of `seed` (crop offset and flip,
  // the same for A and B). Thread-safe. Throws naming the file when it cannot be read, when an
  // aligned file has an odd width, when A and B differ in size, or when the crop does not fit.
  Sample get(size_t index, uint64_t seed) const;
  // Reads item `index` and reports its size, channels and any problem; never throws for data.
  ItemReport inspect(size_t index) const;
  // Reads every file once (on all cores), and throws one error listing every problem.
  void verify() const;
  const std::vector<std::string>& paths() const;  // aligned files, A files or single images
  const DatasetFiles& files() const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

// Batches from worker threads (num_threads; 0 loads in the calling thread), shuffled each epoch
// from (seed, epoch) unless serial_batches, prefetched ahead of the consumer, in pinned memory
// when `pin_memory` and CUDA is available. An epoch of N samples yields exactly N samples (the
// last batch smaller unless drop_last). An error on a worker is rethrown by next() when its
// batch is reached. Batches come in order whatever the number of workers.
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
