#pragma once

#include <torch/torch.h>

#include <string>

#include "pix2pix/networks.h"

namespace pix2pix {

// The adversarial objective on discriminator logits, against "real" or "fake":
//   vanilla  binary cross-entropy on logits (the paper's objective)
//   lsgan    mean squared error to 1 (real) or 0 (fake)
//   wgangp   -mean(logits) for real, +mean(logits) for fake; add gradient_penalty to D's loss
class GANLoss {
 public:
  // Throws std::invalid_argument naming the mode when it is not one of the three.
  explicit GANLoss(std::string mode);

  // `prediction`: [N, 1, h, w] logits; returns a scalar.
  torch::Tensor operator()(const torch::Tensor& prediction, bool target_is_real) const;
  const std::string& mode() const { return mode_; }

 private:
  std::string mode_;
};

// WGAN-GP penalty lambda_gp * E[(|grad D(x)|_2 - 1)^2] at random points x between `real` and
// `fake` (both [N, C, H, W], the discriminator's input), one mixing weight per sample drawn from
// the global generator. Built with create_graph so that it can be back-propagated into D.
torch::Tensor gradient_penalty(DiscriminatorImpl& discriminator, const torch::Tensor& real,
                               const torch::Tensor& fake, double lambda_gp);

}  // namespace pix2pix
