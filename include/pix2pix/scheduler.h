#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "pix2pix/options.h"

namespace pix2pix {

// Learning rate of each epoch (numbered from 1), by lr_policy:
//   linear   lr for n_epochs, then lr * (1 - k / (n_epochs_decay + 1)) in the k-th decay epoch,
//            so the last epoch trains at lr / (n_epochs_decay + 1) and none at 0
//   step     lr * 0.1^floor((epoch - 1) / lr_decay_iters)
//   cosine   lr * (1 + cos(pi * (epoch - 1) / total_epochs)) / 2, again never 0
//   plateau  lr times 0.2 each time the epoch metric has not improved by 1 % for 5 epochs
class LrScheduler {
 public:
  explicit LrScheduler(const Options& options);

  // The rate for `epoch`; for plateau, the current rate whatever the epoch.
  double lr(int64_t epoch) const;
  // Sets every parameter group of `optimizer` to lr(epoch).
  void apply(torch::optim::Optimizer& optimizer, int64_t epoch) const;
  // Feeds the epoch's metric (lower is better) to the plateau policy; others ignore it.
  void end_epoch(double metric);

  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  std::string policy_;
  double base_lr_;
  int64_t n_epochs_;
  int64_t n_epochs_decay_;
  int64_t step_epochs_;
  // plateau state
  double plateau_factor_ = 1.0;
  double plateau_best_;
  int64_t plateau_bad_epochs_ = 0;
};

}  // namespace pix2pix
