#include "pix2pix/losses.h"

#include <stdexcept>

namespace pix2pix {

GANLoss::GANLoss(std::string mode) : mode_(std::move(mode)) {
  if (mode_ != "vanilla" && mode_ != "lsgan" && mode_ != "wgangp") {
    throw std::invalid_argument("gan_mode '" + mode_ +
                                "' is unknown; use vanilla, lsgan or wgangp");
  }
}

torch::Tensor GANLoss::operator()(const torch::Tensor& prediction, bool target_is_real) const {
  // The losses are computed in float32 even when the discriminator ran in half precision.
  const torch::Tensor logits = prediction.to(torch::kFloat32);
  if (mode_ == "wgangp") return target_is_real ? -logits.mean() : logits.mean();

  const torch::Tensor target = torch::full_like(logits, target_is_real ? 1.0 : 0.0);
  if (mode_ == "lsgan") return torch::mse_loss(logits, target);
  return torch::binary_cross_entropy_with_logits(logits, target);
}

torch::Tensor gradient_penalty(DiscriminatorImpl& discriminator, const torch::Tensor& real,
                               const torch::Tensor& fake, double lambda_gp) {
  const int64_t n = real.size(0);
  const torch::Tensor alpha = torch::rand({n, 1, 1, 1}, real.options());
  const torch::Tensor mixed = (alpha * real + (1 - alpha) * fake.detach()).requires_grad_(true);
  const torch::Tensor scores = discriminator.forward(mixed);

  const torch::Tensor grads = torch::autograd::grad({scores}, {mixed}, {torch::ones_like(scores)},
                                                    /*retain_graph=*/true,
                                                    /*create_graph=*/true)[0];
  // The small constant keeps the norm differentiable where the gradient vanishes.
  const torch::Tensor norms = (grads.reshape({n, -1}) + 1e-16).norm(2, 1);
  return (norms - 1).pow(2).mean() * lambda_gp;
}

}  // namespace pix2pix
