#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "pix2pix/scheduler.h"

namespace pix2pix {

// Where training stands; a checkpoint restores it exactly.
struct TrainingProgress {
  int64_t epoch = 1;          // the epoch to continue in
  int64_t epoch_batches = 0;  // batches of that epoch already trained
  int64_t global_step = 0;    // optimisation steps since the start of the run
  double loss_scale = 0.0;    // fp16 loss scaler (0: no scaler)
  int64_t loss_scale_good_steps = 0;
};

// The parts a checkpoint file holds. One torch::serialize archive, keys:
//   "G", "D"                      sub-archives written by Module::save
//   "optimizer_G", "optimizer_D"  sub-archives written by Optimizer::save (Adam moments, steps)
//   "scheduler"                   sub-archive: plateau_factor, plateau_best, plateau_bad_epochs
//   "epoch", "epoch_batches", "global_step", "loss_scale_good_steps"   int
//   "loss_scale"                  double
//   "rng_cpu"                     the global CPU generator's state (uint8 tensor)
//   "rng_cuda_<i>"                each CUDA device's default generator state, when present
//   "options"                     the run's options as YAML text
//   "format_version"              int, 1
// A generator-only file (an imported or exported generator) holds "G" and nothing else needed.
// Null members are neither written nor read.
struct CheckpointParts {
  torch::nn::Module* generator = nullptr;
  torch::nn::Module* discriminator = nullptr;
  torch::optim::Optimizer* optimizer_G = nullptr;
  torch::optim::Optimizer* optimizer_D = nullptr;
  LrScheduler* scheduler = nullptr;
  TrainingProgress* progress = nullptr;
  std::string* options_yaml = nullptr;
};

// Called after each chunk written to the temporary file, with the bytes written so far; a test
// kills the process from it to simulate a crash mid-write.
using WriteProgressHook = std::function<void(size_t bytes_written)>;

// Serialises `parts` (and the random generators' states) to `path` through a temporary file in
// the same folder that is flushed to disk and then renamed over `path`, so that a kill at any
// moment leaves either the previous file or the new one, whole. Throws naming the path.
void save_checkpoint(const std::filesystem::path& path, const CheckpointParts& parts,
                     const WriteProgressHook& hook = {});

// Restores the non-null `parts` from `path`, tensors mapped onto `device`; restores the random
// generators' states when `restore_rng`. Throws naming the file when it is missing or corrupt,
// a key is absent, or a network's parameter shapes differ from the file's (listing them).
void load_checkpoint(const std::filesystem::path& path, const CheckpointParts& parts,
                     torch::Device device, bool restore_rng);

// Loads sub-archive `key` of the archive in `path` into `module`, with the same checks.
void load_module_from(const std::filesystem::path& path, const std::string& key,
                      torch::nn::Module& module, torch::Device device);

// Writes `bytes` to `path` through a temporary file and a rename (see save_checkpoint).
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes,
                           const WriteProgressHook& hook = {});

}  // namespace pix2pix
