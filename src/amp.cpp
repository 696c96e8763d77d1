#include "pix2pix/amp.h"

#include <ATen/autocast_mode.h>

namespace pix2pix {

AutocastGuard::AutocastGuard(bool enabled, torch::Dtype dtype) : enabled_(enabled) {
  if (!enabled_) return;
  previous_enabled_ = at::autocast::is_autocast_enabled(at::kCUDA);
  previous_dtype_ = at::autocast::get_autocast_dtype(at::kCUDA);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!enabled_) return;
  // The cast weights are cached while autocast is active; the cache is dropped on leaving.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(at::kCUDA, previous_enabled_);
  at::autocast::set_autocast_dtype(at::kCUDA, previous_dtype_);
}

LossScaler::LossScaler(bool enabled, double initial_scale, int64_t growth_interval)
    : enabled_(enabled), scale_(initial_scale), growth_interval_(growth_interval) {}

torch::Tensor LossScaler::scale(const torch::Tensor& loss) const {
  return enabled_ ? loss * scale_ : loss;
}

bool LossScaler::step(torch::optim::Optimizer& optimizer) {
  if (!enabled_) {
    optimizer.step();
    return true;
  }
  std::vector<torch::Tensor> grads;
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) {
      if (p.grad().defined()) grads.push_back(p.grad());
    }
  }
  if (grads.empty()) return false;

  torch::NoGradGuard no_grad;
  auto options = torch::TensorOptions().dtype(torch::kFloat32).device(grads.front().device());
  torch::Tensor found_inf = torch::zeros({1}, options);
  const torch::Tensor inv_scale = torch::full({1}, 1.0 / scale_, options);
  at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv_scale);
  if (found_inf.item<float>() > 0) {
    found_inf_ = true;
    return false;
  }
  optimizer.step();
  return true;
}

void LossScaler::update() {
  if (!enabled_) return;
  if (found_inf_) {
    scale_ *= 0.5;
    good_steps_ = 0;
  } else if (++good_steps_ >= growth_interval_) {
    scale_ *= 2.0;
    good_steps_ = 0;
  }
  found_inf_ = false;
}

void LossScaler::set_state(double scale, int64_t good_steps) {
  if (scale > 0) scale_ = scale;
  good_steps_ = good_steps;
}

}  // namespace pix2pix
