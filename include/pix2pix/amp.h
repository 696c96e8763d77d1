#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace pix2pix {

// Mixed precision for the forward passes on CUDA: inside the guard, autocast-eligible ops run in
// `dtype` (bf16 or fp16). Does nothing when not enabled. Backward passes run outside.
class AutocastGuard {
 public:
  AutocastGuard(bool enabled, torch::Dtype dtype);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool enabled_;
  bool previous_enabled_ = false;
  torch::Dtype previous_dtype_ = torch::kFloat16;
};

// Dynamic loss scaling for fp16 training (LibTorch's C++ API has no GradScaler): losses are
// multiplied by the scale before backward; the gradients are unscaled before each optimiser step,
// and a step whose gradients hold Inf or NaN is skipped and the scale halved; after
// `growth_interval` clean iterations the scale doubles. Disabled, it passes everything through.
class LossScaler {
 public:
  explicit LossScaler(bool enabled, double initial_scale = 65536.0, int64_t growth_interval = 2000);

  torch::Tensor scale(const torch::Tensor& loss) const;
  // Unscales the gradients of `optimizer`'s parameters and steps it unless they are non-finite.
  // Returns whether it stepped.
  bool step(torch::optim::Optimizer& optimizer);
  // Ends an iteration: adjusts the scale from the steps since the last update.
  void update();

  bool enabled() const { return enabled_; }
  double current_scale() const { return scale_; }
  int64_t good_steps() const { return good_steps_; }
  void set_state(double scale, int64_t good_steps);

 private:
  bool enabled_;
  double scale_;
  int64_t growth_interval_;
  int64_t good_steps_ = 0;
  bool found_inf_ = false;
};

}  // namespace pix2pix
