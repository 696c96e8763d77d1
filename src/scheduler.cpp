#include "pix2pix/scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace pix2pix {
namespace {

// torch.optim.lr_scheduler.ReduceLROnPlateau's settings in the reference implementation.
constexpr double kPlateauFactor = 0.2;
constexpr double kPlateauThreshold = 0.01;  // relative improvement that counts
constexpr int64_t kPlateauPatience = 5;
constexpr double kStepGamma = 0.1;
constexpr double kPi = 3.14159265358979323846;

void write_double(torch::serialize::OutputArchive& archive, const std::string& key, double value) {
  archive.write(key, torch::tensor(value, torch::kFloat64));
}

double read_double(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor value;
  archive.read(key, value);
  return value.item<double>();
}

}  // namespace

LrScheduler::LrScheduler(const Options& options)
    : policy_(options.lr_policy),
      base_lr_(options.lr),
      n_epochs_(options.n_epochs),
      n_epochs_decay_(options.n_epochs_decay),
      step_epochs_(options.lr_decay_iters),
      plateau_best_(std::numeric_limits<double>::infinity()) {
  if (policy_ != "linear" && policy_ != "step" && policy_ != "plateau" && policy_ != "cosine") {
    throw std::invalid_argument("lr_policy '" + policy_ +
                                "' is unknown; use linear, step, plateau or cosine");
  }
}

double LrScheduler::lr(int64_t epoch) const {
  if (policy_ == "linear") {
    const double k = static_cast<double>(std::max<int64_t>(0, epoch - n_epochs_));
    return base_lr_ * (1.0 - k / static_cast<double>(n_epochs_decay_ + 1));
  }
  if (policy_ == "step") {
    return base_lr_ * std::pow(kStepGamma, static_cast<double>((epoch - 1) / step_epochs_));
  }
  if (policy_ == "cosine") {
    const double total = static_cast<double>(n_epochs_ + n_epochs_decay_);
    return base_lr_ * 0.5 * (1.0 + std::cos(kPi * static_cast<double>(epoch - 1) / total));
  }
  return base_lr_ * plateau_factor_;
}

void LrScheduler::apply(torch::optim::Optimizer& optimizer, int64_t epoch) const {
  const double rate = lr(epoch);
  for (auto& group : optimizer.param_groups()) group.options().set_lr(rate);
}

void LrScheduler::end_epoch(double metric) {
  if (policy_ != "plateau" || !std::isfinite(metric)) return;
  if (metric < plateau_best_ * (1.0 - kPlateauThreshold)) {
    plateau_best_ = metric;
    plateau_bad_epochs_ = 0;
    return;
  }
  if (++plateau_bad_epochs_ > kPlateauPatience) {
    plateau_factor_ *= kPlateauFactor;
    plateau_bad_epochs_ = 0;
  }
}

void LrScheduler::save(torch::serialize::OutputArchive& archive) const {
  write_double(archive, "plateau_factor", plateau_factor_);
  write_double(archive, "plateau_best", plateau_best_);
  write_double(archive, "plateau_bad_epochs", static_cast<double>(plateau_bad_epochs_));
}

void LrScheduler::load(torch::serialize::InputArchive& archive) {
  plateau_factor_ = read_double(archive, "plateau_factor");
  plateau_best_ = read_double(archive, "plateau_best");
  plateau_bad_epochs_ = static_cast<int64_t>(read_double(archive, "plateau_bad_epochs"));
}

}  // namespace pix2pix
